import { Expression } from '../../constructs/github';

test('a secret is referenced by name as ${{ secrets.NAME }}', () => {
  // GIVEN
  const name = 'POSTGRES_PASSWORD';

  // WHEN
  const ref = Expression.secret(name);

  // THEN
  expect(ref).toBe('${{ secrets.POSTGRES_PASSWORD }}');
  expect(Expression.isSecretReference(ref)).toBe(true);
});

test.each([
  ['GITHUB_TOKEN', 'names starting with GITHUB_ are reserved by GitHub'],
  ['github_pat', 'names starting with GITHUB_ are reserved by GitHub'],
  ['1PASSWORD', "use letters, digits and '_', not starting with a digit"],
  ['API-KEY', "use letters, digits and '_', not starting with a digit"],
])('%s cannot be a GitHub secret name', (name, why) => {
  // GIVEN / WHEN
  const make = () => Expression.secret(name);

  // THEN
  expect(Expression.secretNameProblem(name)).toBe(why);
  expect(make).toThrow(`'${name}' can't be a GitHub secret name: ${why}`);
});

test('the secrets an expression reads are found in both accessor forms, and only inside ${{ }}', () => {
  // GIVEN
  const s = "${{ secrets.A }}-${{ secrets['B'] || secrets.C }} secrets.NOT_AN_EXPRESSION";

  // WHEN
  const found = Expression.secretsIn(s);

  // THEN
  expect(found).toEqual(['A', 'B', 'C']);
});

test('a literal or a mixed value is not a secret reference', () => {
  // GIVEN
  const values = ['hunter2', 'x-${{ secrets.A }}', '${{ vars.A }}', 42];

  // WHEN
  const refs = values.map((v) => Expression.isSecretReference(v));

  // THEN
  expect(refs).toEqual([false, false, false, false]);
});
