import { Erb } from '../../src';

test('Erb.env and Erb.fetchEnv write the tags Kamal evaluates', () => {
  // THEN
  expect(Erb.env('KAMAL_SERVER_IP_ADDRESS')).toBe('<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>');
  expect(Erb.fetchEnv('DB_HOST')).toBe('<%= ENV.fetch("DB_HOST") %>');
});

test.each(['', '1ABC', 'A-B', 'A B', 'A"]%>'])('%j is not an environment variable name', (name) => {
  // THEN
  expect(() => Erb.env(name)).toThrow(/is not an environment variable name/);
  expect(() => Erb.fetchEnv(name)).toThrow(/is not an environment variable name/);
});

test('Erb.render replaces each ENV tag by its value, an unset variable by nothing', () => {
  // GIVEN
  const text = `a: '${Erb.env('A')}'\nb: '${Erb.fetchEnv('B')}:${Erb.env('A')}'\nc: '${Erb.env('UNSET')}'\n`;

  // WHEN
  const out = Erb.render(text, { A: '1.2.3.4', B: 'host' });

  // THEN
  expect(out).toBe("a: '1.2.3.4'\nb: 'host:1.2.3.4'\nc: ''\n");
});

test('Erb.envNames lists the variables a string reads, in order', () => {
  // THEN
  expect(Erb.envNames(`${Erb.env('A')}-${Erb.fetchEnv('B')}-${Erb.env('A')}`)).toEqual(['A', 'B', 'A']);
  expect(Erb.envNames('no tags')).toEqual([]);
});

test('Erb.isErb tells strings with a tag from the rest', () => {
  // THEN
  expect(Erb.isErb(Erb.env('A'))).toBe(true);
  expect(Erb.isErb('plain')).toBe(false);
  expect(Erb.isErb(42)).toBe(false);
});
