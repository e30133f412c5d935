/**
 * `kamal-cdk validate` on the hand-written Kamal repositories in test/fixtures/kamal-repos, run
 * as users run it: the real bin in a child process.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kamalCdk, REPO } from './helpers';

jest.setTimeout(120_000);

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'kamal-repos');

function validate(fixture: string, ...args: string[]) {
  return kamalCdk(REPO, 'validate', '--root', path.join(FIXTURES, fixture), ...args);
}

function lines(text: string): string[] {
  return text.trimEnd().split('\n');
}

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A throwaway repository: `files` relative to its root. */
function repo(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-repo-'));
  made.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

describe('valid repositories', () => {
  test.each([
    ['no-destination', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['one-destination', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['accessories-only', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['anchors', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['role-proxy', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['secrets-sources', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
    ['postgres', 'validate: valid (1 config checked as Kamal 2.12 loads them)'],
  ])('%s is valid with nothing to say (exit 0)', (fixture, summary) => {
    // WHEN
    const r = validate(fixture);

    // THEN
    expect(r.stderr).toBe('');
    expect(lines(r.stdout)).toEqual([summary]);
    expect(r.status).toBe(0);
  });

  test('a base that is invalid alone but valid under every destination: valid, with a warning that suggests require_destination', () => {
    // WHEN
    const r = validate('several-destinations');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:2: warning: No servers or accessories specified (config/deploy.yml alone, as `kamal` without -d loads it; if it is only deployed with -d production/staging, set require_destination: true)',
      'validate: valid (2 configs checked as Kamal 2.12 loads them, 1 warning(s))',
    ]);
  });

  test('two configs on one host: each is valid as Kamal sees it; the routes and ports they share are warnings', () => {
    // WHEN
    const r = validate('same-host');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:9: warning: proxy routes a.example.com on host 10.0.0.1, which the app of config/deploy.two.yml [Deploy-two] also claims — give one of them another host name or path prefix',
      'config/deploy.yml:15: warning: accessories/db/port publishes port 5432 on host 10.0.0.1, which [Deploy-two/db] (config/deploy.two.yml) already publishes (accessories/db/port) — give one of them another port',
      'validate: valid (2 configs checked as Kamal 2.12 loads them, 2 warning(s))',
    ]);
  });

  test('-c -d checks exactly one invocation: the merged destination is valid though the base alone is not', () => {
    // WHEN
    const r = validate('several-destinations', '-c', 'config/deploy.yml', '-d', 'staging');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual(['validate: valid (1 config checked as Kamal 2.12 loads them)']);
  });

  test('ERB: ENV defaults, blocks, || and .to_i are evaluated; code tags and backticks are warnings naming the line', () => {
    // WHEN
    const r = validate('erb-env');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:7: warning: ERB code tag <% if false -%> is not run (only output tags are evaluated); its text around it is kept as if it were absent',
      'config/deploy.yml:8: warning: ERB code tag <% end -%> is not run (only output tags are evaluated); its text around it is kept as if it were absent',
      "config/deploy.yml:20: warning: ERB <%= `hostname`.strip %> can't be evaluated here (unsupported Ruby at '`hostname`.strip'); its value is unknown to every check",
      'validate: valid (1 config checked as Kamal 2.12 loads them, 3 warning(s))',
    ]);
  });
});

describe('invalid repositories', () => {
  test('Kamal 1 keys are refused in Kamal 2.12 words, root keys first, then roles, then the builder', () => {
    // WHEN
    const r = validate('kamal1-keys');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:16: unknown keys: healthcheck, traefik',
      'config/deploy.yml:8: servers/web: unknown key: traefik',
      'config/deploy.yml:15: builder: unknown key: multiarch',
      'validate: 3 error(s) in 1 of 1 config(s)',
    ]);
  });

  test("Kamal's first problem comes first: roles (sorted), then accessories, then the root proxy, then the cross-field checks", () => {
    // WHEN
    const r = validate('kamal-order');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:12: servers/jobs/labels/role: invalid label. destination, role, and service are reserved labels',
      'config/deploy.yml:20: accessories/db: specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`',
      'config/deploy.yml:25: proxy: Must set a host to enable automatic SSL',
      'config/deploy.yml:27: Must retain at least 1 container',
      'validate: 4 error(s) in 1 of 1 config(s)',
    ]);
  });

  test('-c without -d on a config with require_destination: "You must specify a destination" first', () => {
    // WHEN
    const r = validate('one-destination', '-c', 'config/deploy.yml');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)[0]).toBe('config/deploy.yml:4: You must specify a destination');
  });

  test('rules still run on the parts whose shape is valid when another part fails the schema', () => {
    // GIVEN
    const dir = repo({
      'config/deploy.yml': 'service: app\nimage: acme/app\nservers:\n  web:\n    hosts: [10.0.0.1]\n    bogus: 1\nregistry:\n  username: u\n  password: [P]\nbuilder:\n  arch: amd64\nretain_containers: 0\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:6: servers/web: unknown key: bogus',
      'config/deploy.yml:12: Must retain at least 1 container',
      'validate: 2 error(s) in 1 of 1 config(s)',
    ]);
  });

  test('a destination overlay is merged with deep_merge: a base proxy.host and an overlay proxy.hosts make both present', () => {
    // GIVEN
    const dir = repo({
      'config/deploy.yml': 'service: app\nimage: acme/app\nrequire_destination: true\nregistry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\nproxy:\n  host: a.example.com\n',
      'config/deploy.prod.yml': 'servers:\n  - 10.0.0.1\nproxy:\n  hosts:\n    - b.example.com\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      "config/deploy.prod.yml:3: proxy: Specify one of 'host' or 'hosts', not both [-c config/deploy.yml -d prod]",
      'validate: 1 error(s) in 1 of 1 config(s)',
    ]);
  });

  test('a problem on a line where ERB read an unset variable says so', () => {
    // GIVEN
    const dir = repo({ 'config/deploy.yml': 'service: app\nimage: acme/app\nservers:\n  - <%= ENV["HOST_IP"] %>\nregistry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n' });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)[0]).toBe('config/deploy.yml:4: servers/0: should be a string or a hash (ERB read HOST_IP, which is not set here)');
  });

  test('ENV.fetch of an unset variable without a default is an error, as Kamal raises KeyError', () => {
    // GIVEN
    const dir = repo({ 'config/deploy.yml': 'service: app\nimage: acme/app\nservers:\n  - <%= ENV.fetch("HOST_IP") %>\nregistry:\n  username: u\n  password: p\nbuilder:\n  arch: amd64\n' });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      'config/deploy.yml:4: key not found: "HOST_IP" (ENV.fetch without a default; HOST_IP is not set here)',
      'validate: 1 error(s) in 1 of 1 config(s)',
    ]);
  });

  test('a missing secret is a warning in Kamal words (Kamal finds it only when it deploys)', () => {
    // GIVEN
    const dir = repo({
      'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  username: u\n  password: [REGISTRY_PASSWORD]\nbuilder:\n  arch: amd64\nenv:\n  secret: [RAILS_MASTER_KEY]\n',
      '.kamal/secrets': 'REGISTRY_PASSWORD=$REGISTRY_PASSWORD\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)[0]).toBe("config/deploy.yml:10: warning: Secret 'RAILS_MASTER_KEY' not found in .kamal/secrets (env/secret; Kamal fails when it deploys)");
  });

  test('a secrets_path that ERB computes is one warning saying the secrets are not checked, never its internal stand-in', () => {
    // GIVEN
    const dir = repo({
      'config/deploy.yml': 'service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nsecrets_path: <%= File.join(ENV.fetch("HOME"), ".kamal/secrets") %>\nenv:\n  secret: [RAILS_MASTER_KEY, SECRET_KEY_BASE]\nbuilder:\n  arch: amd64\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      'config/deploy.yml:6: warning: secrets_path comes from ERB that was not evaluated (<%= File.join(ENV.fetch("HOME"), ".kamal/secrets") %>), so the secrets this config uses are not checked against the files Kamal reads\n',
    );
    expect(r.stdout).not.toContain('kamal_cdk_erb_opaque');
    expect(r.stdout).not.toContain("Secret 'RAILS_MASTER_KEY' not found");
  });

  test('a value ERB gives that validate cannot evaluate is not judged by its stand-in: a warning, and the config stays valid', () => {
    // GIVEN: a restart policy and a minimum version read from files at deploy time (Kamal loads this)
    const dir = repo({
      'config/deploy.yml':
        'service: app\nimage: acme/app\nservers:\n  web:\n    hosts: [10.0.0.1]\n    options:\n      restart: <%= `cat .restart`.strip %>\n' +
        'minimum_version: <%= File.read(".kamal-version").strip %>\nregistry:\n  server: localhost:5555\nbuilder:\n  arch: amd64\nsecrets_path: <%= File.join("config", "s") %>\n' +
        'deploy_timeout: <%= [30].first %>\ndrain_timeout: <%= [30].first %>\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('config/deploy.yml:7: warning: servers/web/options/restart: should be no, always, unless-stopped, on-failure, or on-failure:N (the value comes from ERB that was not evaluated: <%= `cat .restart`.strip %>; Kamal judges what it prints)');
    expect(r.stdout).toContain('config/deploy.yml:15: warning: drain_timeout: should be an integer (the value comes from ERB that was not evaluated: <%= [30].first %>; Kamal judges what it prints)');
    expect(r.stdout).toContain('validate: valid (1 config checked');
    // no secret is used, so nothing is said about the secrets files of that path
    expect(r.stdout).not.toContain('secrets_path comes from ERB');
  });

  test('what is known around such a tag is still judged: the key it sits under, quotes around it, text beside it', () => {
    // GIVEN: an unknown key, a quoted tag where Kamal wants an integer, a tag with text where Kamal wants an integer
    const tag = '<%= File.read(".n").strip %>';
    const dir = repo({
      'config/deploy.yml': `service: app\nimage: acme/app\nservers: [10.0.0.1]\nregistry:\n  server: localhost:5555\nbuilder:\n  arch: amd64\nproxy:\n  hostt: ${tag}\n  app_port: ${tag}x\nretain_containers: "${tag}"\ndeploy_timeout: !!str ${tag}\n`,
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN: four errors, as Kamal raises whatever the tags print
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`config/deploy.yml:12: deploy_timeout: should be an integer (the value comes from ERB that was not evaluated: ${tag})\n`);
    expect(r.stdout).toContain(`config/deploy.yml:9: proxy: unknown key: hostt (the value comes from ERB that was not evaluated: ${tag})\n`);
    expect(r.stdout).toContain(`config/deploy.yml:10: proxy/app_port: should be an integer (the value comes from ERB that was not evaluated: ${tag})\n`);
    expect(r.stdout).toContain(`config/deploy.yml:11: retain_containers: should be an integer (the value comes from ERB that was not evaluated: ${tag})\n`);
  });

  test('a YAML syntax error and a missing destination file are errors with their file', () => {
    // GIVEN
    const dir = repo({ 'config/deploy.yml': 'service: app\nservers: [\n' });
    const other = repo({ 'config/deploy.yml': 'service: app\n' });

    // WHEN
    const broken = kamalCdk(dir, 'validate');
    const missing = kamalCdk(other, 'validate', '-c', 'config/deploy.yml', '-d', 'nope');

    // THEN
    expect(broken.status).toBe(1);
    expect(lines(broken.stdout)[0]).toMatch(/^config\/deploy\.yml:\d+: YAML syntax error: /);
    expect(missing.status).toBe(1);
    expect(lines(missing.stdout)[0]).toBe('config/deploy.nope.yml: Configuration file not found in config/deploy.nope.yml');
  });
});

describe('what counts as a config', () => {
  test('config/deploy-<name>.yml is a config of its own (deployed with -c), with its destinations, and is checked', () => {
    // GIVEN: a valid deploy.yml, and a worker config whose staging overlay Kamal rejects
    const base = 'service: app\nimage: acme/app\nregistry: { server: localhost:5555 }\nbuilder: { arch: amd64 }\nservers: [10.0.0.1]\n';
    const dir = repo({
      'config/deploy.yml': base,
      'config/deploy-worker.yml': base.replace('service: app', 'service: worker'),
      'config/deploy-worker.staging.yml': 'servers: { web: { hosts: [10.0.0.2], cmd: [not, a, string] } }\n',
    });

    // WHEN
    const r = kamalCdk(dir, 'validate');

    // THEN
    expect(r.status).toBe(1);
    expect(lines(r.stdout)).toEqual([
      'config/deploy-worker.staging.yml:1: servers/web/cmd: should be a string [-c config/deploy-worker.yml -d staging]',
      'validate: 1 error(s) in 1 of 2 config(s)',
    ]);
  });
});

describe('usage', () => {
  test.each([
    [['validate', '-d', 'staging'], 'error: -d needs -c (without -c every config and destination is checked)'],
    [['validate', '--root', 'does-not-exist'], /^error: --root \S*\/does-not-exist is not a folder$/],
    [['validate', '--frobnicate'], "error: unknown argument '--frobnicate'"],
    [['validate', '-c'], 'error: -c needs a value'],
  ])('kamal-cdk %j is a usage error (64)', (args, message) => {
    // WHEN
    const r = kamalCdk(repo({}), ...args);

    // THEN
    expect(r.status).toBe(64);
    if (typeof message === 'string') expect(lines(r.stderr)[0]).toBe(message);
    else expect(lines(r.stderr)[0]).toMatch(message);
  });

  test('a folder without config/deploy*.yml is a usage error', () => {
    // WHEN
    const r = kamalCdk(repo({ 'config/database.yml': 'x: 1\n' }), 'validate');

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/^error: no Kamal config found: .*config has no deploy\*\.yml; give one with -c/);
  });

  test('validate --help prints its usage and exits 0', () => {
    // WHEN
    const r = kamalCdk(repo({}), 'validate', '--help');

    // THEN
    expect(r.status).toBe(0);
    expect(lines(r.stdout)[0]).toBe('usage: kamal-cdk validate [--root DIR] [-c FILE] [-d DEST]');
  });
});
