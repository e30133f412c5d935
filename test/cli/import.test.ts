/**
 * `kamal-cdk import`, then `kamal-cdk synth` of the imported project, both run as users run them
 * (the real bin in child processes): the synthesized files have the repository's names and merge
 * to the repository's configs for every config and destination.
 *
 * The imported synth.ts imports from 'kamal-cdk'; inside this repository that package is the
 * sources themselves, so the test maps the import to constructs/ (test-only path mapping).
 */
import * as fs from 'fs';
import * as path from 'path';
import { deepEqual, YamlValue } from '../../constructs/kamal/merge';
import { findFamilies, loadConfig } from '../../cli/adopt/repository';
import { kamalCdk, project, REPO, writeProjectFile } from './helpers';

jest.setTimeout(180_000);

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'kamal-repos');
/** The environment the child processes get (helpers.kamalCdk): ERB reads the same. */
const ENV = { PATH: process.env.PATH, HOME: process.env.HOME };

/** Every (config, destination) Kamal would run, with its merged config. */
function mergedConfigs(root: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  for (const f of findFamilies(root, { env: ENV })) {
    for (const d of f.destinations.length > 0 ? f.destinations : [undefined]) {
      out[`${f.file}${d ? ` -d ${d}` : ''}`] = loadConfig(root, f.file, d, { env: ENV }).config as YamlValue;
    }
  }
  return out;
}

/** Imports `root` into a new project; the result and the synth.ts written (empty when none). */
function importInto(root: string) {
  const dir = project({});
  const r = kamalCdk(dir, 'import', '--root', root, '--out', '.');
  const file = path.join(dir, 'synth.ts');
  return { r, dir, source: fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '' };
}

function filesUnder(root: string, dir: string, pattern: RegExp): string[] {
  const abs = path.join(root, dir);
  return fs.existsSync(abs) ? fs.readdirSync(abs).filter((n) => pattern.test(n)).map((n) => `${dir}/${n}`).sort() : [];
}

describe.each(['no-destination', 'one-destination', 'several-destinations', 'accessories-only', 'secrets-sources', 'erb-env', 'anchors', 'role-proxy', 'same-host', 'postgres'])('%s', (fixture) => {
  test('import → synth writes the same file names and the same merged config for every destination', () => {
    // GIVEN
    const root = path.join(FIXTURES, fixture);
    const dir = project({});

    // WHEN
    const imported = kamalCdk(dir, 'import', '--root', root, '--out', '.');
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    writeProjectFile(dir, 'synth.ts', fs.readFileSync(path.join(dir, 'synth.ts'), 'utf8').replace("from 'kamal-cdk'", "from '@kamal-cdk/constructs'"));
    const synth = kamalCdk(dir, 'synth');

    // THEN
    // (stderr has the warning that the App has no Estate: the import adds none, see the report)
    expect(synth.stderr).not.toMatch(/^error/m);
    expect(synth.status).toBe(0);
    const out = path.join(dir, 'out');
    expect(filesUnder(out, 'config', /^deploy.*\.yml$/)).toEqual(filesUnder(root, 'config', /^deploy.*\.yml$/));
    expect(filesUnder(out, '.kamal', /^secrets/)).toEqual(filesUnder(root, '.kamal', /^secrets/));
    const before = mergedConfigs(root);
    const after = mergedConfigs(out);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const run of Object.keys(before)) {
      if (!deepEqual(after[run], before[run])) expect({ run, config: after[run] }).toEqual({ run, config: before[run] });
    }
  });
});

test('the imported synth.ts types the settings the model has, keeps ERB env references as Erb calls, and carries the rest as commented overrides', () => {
  // WHEN
  const { r, dir, source } = importInto(path.join(FIXTURES, 'erb-env'));

  // THEN
  expect(r.status).toBe(0);
  expect(source).toContain("import { App, KamalDeploy, KamalSecrets, SecretSource } from 'kamal-cdk';");
  expect(source).toContain("hosts: ['<%= ENV.fetch(\"APP_HOST\", \"erb.example.com\") %>'],");
  expect(source).toContain("KAMAL_REGISTRY_PASSWORD: SecretSource.env(),");
  expect(source).toContain('// Settings the typed props above do not express (yet), set in the merged config as Kamal reads it:');
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'kamal-cdk.json'), 'utf8'))).toEqual({ app: 'synth.ts', outdir: 'out' });
  expect(r.stdout).toContain('config/deploy.yml: warning: proxy/app_port: <%= ENV.fetch("APP_PORT", "3000").to_i %> is imported as its value with this environment, 3000 (it gives a number, not a string)');
});

test('a PostgreSQL accessory that fits becomes a PostgresAccessory (others stay Accessory)', () => {
  // WHEN
  const postgres = importInto(path.join(FIXTURES, 'postgres'));
  const other = importInto(path.join(FIXTURES, 'accessories-only'));

  // THEN
  expect(postgres.r.status).toBe(0);
  expect(postgres.source).toContain("new PostgresAccessory(deploy, 'db', {\n  version: 17,\n  host: '10.7.0.1',\n  volume: 'books_pgdata',\n  databases: ['books_production'],\n  user: 'books',\n  port: 5432,\n});");
  expect(other.r.status).toBe(0);
  expect(other.source).toContain("new Accessory(deploy, 'db', {");
});

test('secrets files become KamalSecrets sources: env, command and adapter', () => {
  // WHEN
  const { r, source } = importInto(path.join(FIXTURES, 'secrets-sources'));

  // THEN
  expect(r.status).toBe(0);
  expect(source).toContain("REGISTRY_PASSWORD: SecretSource.adapter({ adapter: '1password', account: 'acme', from: 'Vault/shop' }),");
  expect(source).toContain("RAILS_MASTER_KEY: SecretSource.command('cat config/master.key'),");
  expect(source).toContain('REGISTRY_USER: SecretSource.env(),');
});

test('a secrets file line that is a value, or a command that prints one, is imported as an env reference with a warning; the value is never written', () => {
  // GIVEN
  const root = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\n',
    '.kamal/secrets': 'P=plain-text\nQ=$(echo literal)\n',
  });

  // WHEN
  const { r, source } = importInto(root);

  // THEN
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('.kamal/secrets:1: warning: P: it holds a value, not a reference; kamal-cdk never writes secret values, so it now reads $P from the environment');
  expect(r.stdout).toMatch(/\.kamal\/secrets:2: warning: Q: its source is refused \(secret command "echo literal" prints/);
  expect(source).toContain('P: SecretSource.env(),');
  expect(source).not.toContain('plain-text');
  expect(source).not.toContain('literal');
});

/** Synthesizes an imported project (its 'kamal-cdk' import mapped to the sources, as above). */
function synthImported(dir: string) {
  writeProjectFile(dir, 'synth.ts', fs.readFileSync(path.join(dir, 'synth.ts'), 'utf8').replace("from 'kamal-cdk'", "from '@kamal-cdk/constructs'"));
  return kamalCdk(dir, 'synth');
}

test('secrets no file of the repository declares are declared as environment reads, in the file Kamal reads for each run, with one warning per file', () => {
  // GIVEN: no .kamal/secrets at all for one config; for the other, staging declares its own
  const bare = project({ 'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nenv:\n  secret: [SECRET_KEY_BASE, SMTP_PASSWORD]\nbuilder:\n  arch: amd64\n' });
  const withDest = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nrequire_destination: true\nregistry:\n  username: u\n  password: [REGISTRY_PASSWORD]\nenv:\n  secret: [RAILS_MASTER_KEY]\nbuilder:\n  arch: amd64\n',
    'config/deploy.staging.yml': 'servers: [10.0.0.2]\n',
    'config/deploy.production.yml': 'servers: [10.0.0.3]\n',
    '.kamal/secrets.staging': 'REGISTRY_PASSWORD=$(cat .staging-token)\nRAILS_MASTER_KEY=$STAGING_KEY\n',
  });

  // WHEN
  const a = importInto(bare);
  const b = importInto(withDest);
  const synthA = synthImported(a.dir);
  const synthB = synthImported(b.dir);

  // THEN: imported (no error), each name in one warning that says where and why
  expect(a.r.stderr).toBe('');
  expect(a.r.status).toBe(0);
  expect(a.r.stdout).toContain(
    '.kamal/secrets: warning: 2 secret(s) the configs use are in none of the files Kamal reads for them in this repository, so Kamal could not deploy from these files as they are: ' +
      'SECRET_KEY_BASE (env/secret of config/deploy.yml, which reads .kamal/secrets-common and .kamal/secrets), SMTP_PASSWORD (env/secret of config/deploy.yml, which reads .kamal/secrets-common and .kamal/secrets). Each is declared here as NAME=$NAME',
  );
  expect(b.r.status).toBe(0);
  expect(b.r.stdout).toContain(
    '.kamal/secrets-common: warning: 2 secret(s) the configs use are in none of the files Kamal reads for them in this repository, so Kamal could not deploy from these files as they are: ' +
      'REGISTRY_PASSWORD (registry/password of config/deploy.yml -d production, which reads .kamal/secrets-common and .kamal/secrets.production), ' +
      'RAILS_MASTER_KEY (env/secret of config/deploy.yml -d production, which reads .kamal/secrets-common and .kamal/secrets.production).',
  );
  // and synth writes them as references, staging's own sources still in its own file (which Kamal reads after -common)
  expect(synthA.status).toBe(0);
  expect(fs.readFileSync(path.join(a.dir, 'out/.kamal/secrets'), 'utf8')).toMatch(/^SECRET_KEY_BASE=\$SECRET_KEY_BASE\nSMTP_PASSWORD=\$SMTP_PASSWORD\n$/m);
  expect(synthB.status).toBe(0);
  expect(fs.readFileSync(path.join(b.dir, 'out/.kamal/secrets-common'), 'utf8')).toMatch(/^RAILS_MASTER_KEY=\$RAILS_MASTER_KEY\nREGISTRY_PASSWORD=\$REGISTRY_PASSWORD\n$/m);
  expect(fs.readFileSync(path.join(b.dir, 'out/.kamal/secrets.staging'), 'utf8')).toContain('\nRAILS_MASTER_KEY=$STAGING_KEY\nREGISTRY_PASSWORD=$(cat .staging-token)\n');
});

test("a destination with a secrets_path of its own gets a missing secret in that path's files, where Kamal looks for it", () => {
  // GIVEN: production reads config/prod-secrets*, staging the default files (which declare it)
  const root = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nrequire_destination: true\nregistry:\n  server: localhost:5555\nenv:\n  secret: [RAILS_MASTER_KEY]\nbuilder:\n  arch: amd64\n',
    'config/deploy.production.yml': 'servers: [10.0.0.3]\nsecrets_path: config/prod-secrets\n',
    'config/deploy.staging.yml': 'servers: [10.0.0.2]\n',
    '.kamal/secrets.staging': 'RAILS_MASTER_KEY=$(cat config/master.key)\n',
  });

  // WHEN
  const { r, dir } = importInto(root);
  const synth = synthImported(dir);

  // THEN
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('config/prod-secrets-common: warning: 1 secret(s) the configs use are in none of the files Kamal reads for them in this repository');
  expect(r.stdout).toContain('RAILS_MASTER_KEY (env/secret of config/deploy.yml -d production, which reads config/prod-secrets-common and config/prod-secrets.production)');
  expect(synth.status).toBe(0);
  expect(fs.readFileSync(path.join(dir, 'out/config/prod-secrets-common'), 'utf8')).toContain('\nRAILS_MASTER_KEY=$RAILS_MASTER_KEY\n');
  expect(fs.existsSync(path.join(dir, 'out/.kamal/secrets-common'))).toBe(false);
});

test('a secrets_path that ERB computes, with secrets the import can\'t find, is refused: synth writes the secrets files at a path of the project', () => {
  // GIVEN
  const root = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nsecrets_path: <%= File.join(ENV.fetch("HOME"), ".kamal/secrets") %>\nenv:\n  secret: [SECRET_KEY_BASE]\nbuilder:\n  arch: amd64\n',
  });

  // WHEN
  const { r, dir } = importInto(root);

  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    'error: config/deploy.yml: secrets_path <%= File.join(ENV.fetch("HOME"), ".kamal/secrets") %> is computed by ERB; kamal-cdk writes the secrets files itself, at a path of the project, so it can\'t check or declare SECRET_KEY_BASE there.',
  );
  expect(r.stderr).toContain('import: nothing was written');
  expect(fs.existsSync(path.join(dir, 'synth.ts'))).toBe(false);
});

test("ERB whose Ruby uses single-quoted strings is imported with them double-quoted (the same Ruby), and a tag in a key stays a tag", () => {
  // GIVEN
  const root = project({
    'config/deploy.yml':
      "service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nenv:\n  clear:\n" +
      "    RUBY_VERSION: <%= File.read('.ruby-version').strip %>\n" +
      "    SHA: <%= `git log --pretty=format:'%h' -n 1` %>\n" +
      "labels:\n  <%= ENV.fetch('KEYNAME', 'k1').downcase %>: v1\n" +
      "builder:\n  arch: amd64\n",
  });

  // WHEN
  const { r, dir } = importInto(root);
  const synth = synthImported(dir);

  // THEN
  expect(r.status).toBe(0);
  expect(synth.status).toBe(0);
  const out = fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8');
  expect(out).toContain(`    RUBY_VERSION: '<%= File.read(".ruby-version").strip %>'\n`);
  expect(out).toContain(`    SHA: '<%= \`git log --pretty=format:"%h" -n 1\` %>'\n`);
  expect(out).toContain(`  '<%= ENV.fetch("KEYNAME", "k1").downcase %>': v1\n`);
  expect(out).not.toContain('kamal_cdk_erb');
});

test.each([
  ['a comment, which would swallow the rest', '<%= File.read("/etc/hostname") # the host file\n          .strip %>'],
  ['a line break that ends a statement', '<%= [1].first.to_s\n          + "-suffix" %>'],
])('a tag that spans lines (%s) is refused, not joined into other Ruby', (_what, tag) => {
  // GIVEN
  const root = project({
    'config/deploy.yml': `service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nenv:\n  clear:\n    APP_X: ${tag}\nbuilder:\n  arch: amd64\n`,
  });

  // WHEN
  const { r, source } = importInto(root);

  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('cannot be single-quoted: it spans lines; keep each ERB value on one line');
  expect(source).toBe('');
});

test('an output tag that reads a variable a code tag sets is refused (the import keeps no code tag), an unrelated code tag is not', () => {
  // GIVEN
  const base = 'image: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nbuilder:\n  arch: amd64\n';
  const reading = project({ 'config/deploy.yml': `<% name = "shop-" + ENV.fetch("PR", "main") %>\nservice: app\n${base}env:\n  clear:\n    APP_NAME: <%= name %>\n` });
  const unrelated = project({ 'config/deploy.yml': `<% require "json" %>\nservice: app\n${base}env:\n  clear:\n    GIT_SHA: <%= \`git rev-parse HEAD\`.strip %>\n` });

  // WHEN
  const refused = importInto(reading);
  const imported = importInto(unrelated);

  // THEN
  expect(refused.r.status).toBe(1);
  expect(refused.r.stderr).toContain(
    'error: config/deploy.yml: output tags read what code tags (<% ... %>) of the file define: name (line 11); kamal-cdk keeps output tags but not code tags, so Kamal would stop with NameError',
  );
  expect(refused.source).toBe('');
  expect(imported.r.stderr).toBe('');
  expect(imported.r.status).toBe(0);
  expect(imported.source).toContain('<%= `git rev-parse HEAD`.strip %>');
});

test("a tag that prints a command's output without .strip gets a warning: quoted, its newline becomes a trailing space", () => {
  // GIVEN
  const root = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: ecr.example.com\n  username: AWS\n  password: <%= %x(aws ecr get-login-password) %>\nbuilder:\n  arch: amd64\nenv:\n  clear:\n    SHA: <%= `git rev-parse HEAD`.strip %>\n',
  });

  // WHEN
  const { r } = importInto(root);

  // THEN: one warning, for the tag without .strip, on its line
  expect(r.status).toBe(0);
  expect(r.stdout.match(/prints a command's output/g)).toHaveLength(1);
  expect(r.stdout).toContain(
    "config/deploy.yml:7: warning: <%= %x(aws ecr get-login-password) %> prints a command's output, newline included; kamal-cdk writes ERB values quoted, where that newline becomes a trailing space (a plain value drops it): add .strip inside the tag",
  );
});

test('an Erb env reference in a string position is written as Erb.env', () => {
  // GIVEN
  const root = project({
    'config/deploy.yml': 'service: app\nimage: acme/app\nservers:\n  - \'<%= ENV["HOST_IP"] %>\'\nregistry:\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\n',
    '.kamal/secrets': 'P=$P\n',
  });

  // WHEN
  const { r, source } = importInto(root);

  // THEN
  expect(r.status).toBe(0);
  expect(source).toContain("hosts: [Erb.env('HOST_IP')],");
});

test('import refuses an invalid repository with validate\'s problems (exit 1) and writes nothing', () => {
  // WHEN
  const { r, dir } = importInto(path.join(FIXTURES, 'kamal1-keys'));

  // THEN
  expect(r.status).toBe(1);
  expect(r.stdout.split('\n')[0]).toBe('config/deploy.yml:16: unknown keys: healthcheck, traefik');
  expect(r.stderr).toBe('import: the repository is invalid as Kamal 2.12 loads it (3 error(s)); fix it first (kamal-cdk validate shows the same)\n');
  expect(fs.existsSync(path.join(dir, 'synth.ts'))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'kamal-cdk.json'))).toBe(false);
});

test('a base that Kamal also deploys without -d (production bare, staging with -d) is refused: the import would deploy staging\'s settings bare', () => {
  // GIVEN: the pattern of real repositories (bare kamal deploy for production, -d staging for staging)
  const root = fs.mkdtempSync(path.join(project({}), 'repo-'));
  writeProjectFile(root, 'config/deploy.yml', 'service: app\nimage: acme/app\nregistry: { server: localhost:5555 }\nbuilder: { arch: amd64 }\nservers: [192.0.2.10]\nenv: { clear: { RAILS_ENV: production } }\n');
  writeProjectFile(root, 'config/deploy.staging.yml', 'servers: [192.0.2.20]\nenv: { clear: { RAILS_ENV: staging } }\n');

  // WHEN
  const { r, dir } = importInto(root);

  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(
    'config/deploy.yml is deployed without -d as well as with -d staging (it has no require_destination: true, and Kamal accepts it alone); kamal-cdk models a config whose every deploy names a destination',
  );
  expect(fs.existsSync(path.join(dir, 'synth.ts'))).toBe(false);
});

test('import never overwrites a file', () => {
  // GIVEN
  const dir = project({ 'synth.ts': '// mine\n' });

  // WHEN
  const r = kamalCdk(dir, 'import', '--root', path.join(FIXTURES, 'no-destination'), '--out', '.');

  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/^error: .*synth\.ts already exists; import never overwrites a file \(choose another --out\)/);
  expect(fs.readFileSync(path.join(dir, 'synth.ts'), 'utf8')).toBe('// mine\n');
  expect(fs.existsSync(path.join(dir, 'kamal-cdk.json'))).toBe(false);
});

test.each([
  [['import', '--frobnicate'], "error: unknown argument '--frobnicate'", 64],
  [['import', '--root', 'nope'], /^error: --root \S*\/nope is not a folder$/, 64],
  [['import', '--root', '.'], /^error: no Kamal config found: \S* has no deploy\*\.yml$/, 64],
])('kamal-cdk %j is a usage error', (args, message, code) => {
  // WHEN
  const r = kamalCdk(project({}), ...(args as string[]));

  // THEN
  expect(r.status).toBe(code);
  if (typeof message === 'string') expect(r.stderr.split('\n')[0]).toBe(message);
  else expect(r.stderr.split('\n')[0]).toMatch(message);
});

test('import --help prints its usage and exits 0', () => {
  // WHEN
  const r = kamalCdk(project({}), 'import', '--help');

  // THEN
  expect(r.status).toBe(0);
  expect(r.stdout.split('\n')[0]).toBe('usage: kamal-cdk import [--root DIR] [--out DIR]');
});
