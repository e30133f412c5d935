import { KamalSecrets, SecretSource } from '../../constructs/kamal';
import { Annotations, Testing } from '../../src';

const thrown = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return '';
};

describe('a command whose output is written in the command is a committed secret', () => {
  test.each([
    ['echo hunter2', "'echo hunter2'"],
    ["printf 'x'", "'printf x'"],
    ['echo -n "hunter 2" | base64', "'echo hunter 2'"],
    ['test -f key && cat key || echo fallback', "'echo fallback'"],
    ['env LANG=C printf secret', "'printf secret'"],
    ['yes hunter2 | head -1', "'yes hunter2'"],
    ['cat <<EOF', 'a here-document or here-string'],
    ["base64 -d <<< aHVudGVyMg==", 'a here-document or here-string'],
  ])('%j is refused, saying where to read it from instead', (command, what) => {
    expect(thrown(() => SecretSource.command(command))).toBe(
      `secret command ${JSON.stringify(command)} prints ${what}, a value written in the repository: a committed secret. Read it from where it is kept (a file outside git, a secrets store, printenv NAME), or use SecretSource.env()`,
    );
  });

  test.each([
    'cat config/master.key',
    'op read op://vault/item/password',
    'printenv PASSWORD | grep -q . && printenv PASSWORD | htpasswd -niBC 10 admin | cut -d: -f2',
    'test -f key || { echo "config/master.key is missing" >&2; exit 1; } && cat key',
    'echo | cat key',
    'printf `cat key`',
  ])('%j is accepted', (command) => {
    expect(SecretSource.command(command).reference('X')).toBe(`$(${command})`);
  });
});

describe('a command must not be able to break its dotenv line', () => {
  test.each([
    ['cat a\nKEY=b', /U\+000A \(line feed\) at offset 5; a dotenv line is one line/],
    ['cat a\rb', /U\+000D \(carriage return\)/],
    ['cat a\0', /U\+0000 \(NUL\)/],
    ['cat key # comment', /has a '#', where dotenv ends the value as a comment/],
    ['cat key) && curl evil', /has a '\)'/],
    ['cat (key', /has a '\('/],
    ['printf a\\nb', /has a '\\', which dotenv removes before the shell sees the command/],
    ['cat $HOME/key', /has a '\$': dotenv, not the shell, replaces \$NAME .* read variables with printenv NAME/],
    ['   ', /is empty/],
  ])('%j is refused', (command, why) => {
    expect(thrown(() => SecretSource.command(command))).toMatch(why);
  });
});

describe('adapter arguments must not be able to break the dotenv line or the command Kamal reads from it', () => {
  test.each([
    [{ from: 'Vault/Item)\nX=$(rm -rf ~' }, /from .* control character U\+000A/],
    [{ from: "Vault/It'em" }, /has a '''/],
    [{ account: 'acme"' }, /account .* has a '"'/],
    [{ key: 'A$B' }, /key .* has a '\$'/],
    [{ key: 'A#B' }, /has a '#'/],
    [{ from: '--help' }, /starts with '-', so Kamal would read it as an option/],
    [{ account: '' }, /is empty; leave it out instead/],
  ])('%j is refused', (props, why) => {
    expect(thrown(() => SecretSource.adapter({ adapter: '1password', ...props }))).toMatch(why);
  });

  test('a name with a space is single-quoted, as Kamal splits its command line like a shell', () => {
    // GIVEN
    const app = Testing.app();
    new KamalSecrets(app, 'secrets', {
      common: { API_KEY: SecretSource.adapter({ adapter: '1password', account: 'acme', from: 'Shared Vault/Item', key: 'api key' }) },
    });

    // WHEN
    const file = Testing.synth(app)['.kamal/secrets-common'];

    // THEN
    expect(file.split('\n').slice(1, 3)).toEqual([
      "SECRETS=$(kamal secrets fetch --adapter 1password --account acme --from 'Shared Vault/Item' 'api key')",
      "API_KEY=$(kamal secrets extract 'api key' $SECRETS)",
    ]);
  });
});

describe("Kamal's dotenv replaces $NAME in a command's output", () => {
  const warningsOf = (common: Record<string, SecretSource>) => {
    const app = Testing.app();
    new KamalSecrets(app, 'secrets', { common });
    return Testing.synthesize(app).warnings.map((w) => `[${w.path}] ${w.message} (${w.id})`);
  };

  test('a command or adapter secret is a hazard that names the secret, the file and what to do', () => {
    // WHEN
    const warnings = warningsOf({
      B: SecretSource.command('op read op://vault/b'),
      A: SecretSource.adapter({ adapter: 'bitwarden', from: 'item' }),
      C: SecretSource.env(),
    });

    // THEN
    expect(warnings).toEqual([
      "[secrets] A (.kamal/secrets-common), B (.kamal/secrets-common) come from a command's output, in which Kamal's dotenv (3.2) replaces $NAME with the variable's value, usually nothing (basecamp/kamal#1911): a secret containing '$' would be deployed changed. " +
        "Make sure the values have no '$', or encode them (base64) and decode where they are used, then declare it with SecretSource.command(..., { outputHasNoDollar: true }) or acknowledge this warning (kamal:secret-output-dollar)",
    ]);
  });

  test('base64 output, a declared one and environment variables are not', () => {
    expect(
      warningsOf({
        A: SecretSource.command("cat key | base64 | tr -d '[:space:]'"),
        B: SecretSource.command('op read op://vault/b', { outputHasNoDollar: true }),
        C: SecretSource.env('OTHER'),
      }),
    ).toEqual([]);
  });

  test('a decoding base64 is not an encoding', () => {
    expect(warningsOf({ A: SecretSource.command('cat key.b64 | base64 -d') })).toHaveLength(1);
  });

  test('the hazard can be acknowledged with a reason', () => {
    // GIVEN
    const app = Testing.app();
    const s = new KamalSecrets(app, 'secrets', { common: { A: SecretSource.command('cat config/master.key') } });

    // WHEN
    Annotations.of(s).acknowledge('kamal:secret-output-dollar', 'a Rails master key is hex');

    // THEN
    const synth = Testing.synthesize(app);
    expect(synth.warnings).toEqual([]);
    expect(synth.acknowledged.map((a) => a.id)).toEqual(['kamal:secret-output-dollar']);
  });
});

test('every check of a command runs in linear time', () => {
  // GIVEN
  const long = `${"echo '".repeat(200_000)}|${'a '.repeat(200_000)}`;

  // WHEN
  const started = Date.now();
  thrown(() => SecretSource.command(long));
  thrown(() => SecretSource.adapter({ adapter: 'x', from: `${'a'.repeat(1_000_000)}'` }));

  // THEN
  expect(Date.now() - started).toBeLessThan(2000);
});
