/**
 * kamal-cdk as a new user meets it: the npm pack tarball installed into an empty folder, then
 * `init`, `synth`, `check` and the new project's own tests, with the registry's packages.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO } from './helpers';

jest.setTimeout(600_000);

let dir: string;
let tarball: string;

/** A new user's shell: not a CI job (jest would then refuse to write the first snapshots). */
function sh(cmd: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' };
  delete env.CI;
  // The project's own caches are what these tests look at (node_modules/.cache/kamal-cdk).
  delete env.KAMAL_CDK_CACHE_DIR;
  return spawnSync(cmd, args, { cwd: dir, encoding: 'utf8', timeout: 300_000, env });
}

beforeAll(() => {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-pack-')));
  const packs = path.join(tmp, 'tarball');
  fs.mkdirSync(packs);
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: REPO, encoding: 'utf8', timeout: 300_000 }).trim().split('\n').pop()!;
  tarball = path.join(packs, name);
  dir = path.join(tmp, 'shop-estate');
  fs.mkdirSync(dir);
});

afterAll(() => {
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('npm init -y && npm i <tarball> && npx kamal-cdk init . && synth && check && npm test all pass', () => {
  // WHEN
  const steps = [
    sh('npm', ['init', '-y']),
    sh('npm', ['i', tarball]),
    sh('npx', ['kamal-cdk', 'init', '.']),
    sh('npx', ['kamal-cdk', 'synth']),
    sh('npx', ['kamal-cdk', 'check']),
    sh('npm', ['test']),
  ];

  // THEN
  for (const s of steps) expect({ status: s.status, stderr: s.status === 0 ? '' : s.stderr }).toEqual({ status: 0, stderr: '' });
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  expect(pkg.dependencies['kamal-cdk']).toMatch(/^file:/);
  expect(pkg.scripts).toMatchObject({ synth: 'kamal-cdk synth', check: 'kamal-cdk check', test: 'jest' });
  expect(fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8')).toContain('host: shop-estate.example.com');
  expect(steps[5].stderr).toMatch(/Tests:\s+2 passed, 2 total/);
  // The package brings what it needs and nothing from this checkout.
  expect(fs.existsSync(path.join(dir, 'node_modules/kamal-cdk/lib/cli/index.js'))).toBe(true);
  expect(fs.existsSync(path.join(dir, 'node_modules/kamal-cdk/src'))).toBe(false);
  // Its precompiled validators served every schema: ajv compiled nothing (a compiled schema is
  // cached as <40 hex digits>.js).
  expect(fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => /(^|\/)[0-9a-f]{40}\.js$/.test(f))).toEqual([]);
  expect(fs.existsSync(path.join(dir, 'node_modules/kamal-cdk/lib/constructs/kamal/schema/deploy.validator.js'))).toBe(true);
  // The command ran from one bundle of lib/cli with its V8 code cache, and the validators' code
  // caches were written, all with the project's caches and nowhere inside the package.
  const bundles = fs.readdirSync(path.join(dir, 'node_modules/.cache/kamal-cdk/bundles'));
  expect(bundles.filter((f) => /^lib_cli_index_js\..*\.js$/.test(f))).toHaveLength(1);
  expect(bundles.filter((f) => /^lib_cli_index_js\..*\.js\.v8cache$/.test(f))).toHaveLength(1);
  expect(fs.readdirSync(path.join(dir, 'node_modules/.cache/kamal-cdk/ajv')).filter((f) => f.endsWith('.shipped.v8cache')).length).toBeGreaterThan(0);
  expect(fs.readdirSync(path.join(dir, 'node_modules/kamal-cdk'), { recursive: true }).map(String).filter((f) => f.split(path.sep).includes('.cache'))).toEqual([]);
  // The estate's bundle holds synth.ts alone: the command lent it kamal-cdk, the copy in lib/.
  const estate = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/.cache/kamal-cdk/bundles', bundles.find((f) => /^synth_ts\..*\.index\.json$/.test(f))!), 'utf8')) as { inputs: Array<[string]>; shared: string[] };
  expect(estate.inputs.map(([f]) => f)).toEqual(['synth.ts']);
  expect(estate.shared).toContain(path.join(dir, 'node_modules/kamal-cdk/lib/constructs/index.js'));
});

test('in that project, the command runs lib/cli as it is when its bundle can\'t be cached', () => {
  // GIVEN: a cache folder that can't be made (its parent is a file)
  const file = path.join(path.dirname(dir), 'not-a-folder');
  fs.writeFileSync(file, '');
  const version = (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/kamal-cdk/package.json'), 'utf8')) as { version: string }).version;

  // WHEN
  const r = spawnSync('npx', ['kamal-cdk', '--version'], { cwd: dir, encoding: 'utf8', timeout: 120_000, env: { ...process.env, KAMAL_CDK_CACHE_DIR: path.join(file, 'cache') } });

  // THEN
  expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
});

test('in that project, editing a helper module imported by synth.ts makes check exit 2', () => {
  // GIVEN
  const synth = path.join(dir, 'synth.ts');
  const original = fs.readFileSync(synth, 'utf8');
  fs.writeFileSync(path.join(dir, 'domain.ts'), "export const DOMAIN = 'shop-estate.example.com';\n");
  fs.writeFileSync(synth, `import { DOMAIN } from './domain';\n${original.replace("domain: 'shop-estate.example.com'", 'domain: DOMAIN')}`);
  expect(sh('npx', ['kamal-cdk', 'synth']).status).toBe(0);
  expect(sh('npx', ['kamal-cdk', 'check']).status).toBe(0);

  // WHEN
  fs.writeFileSync(path.join(dir, 'domain.ts'), "export const DOMAIN = 'shop-estate.example.net';\n");
  const check = sh('npx', ['kamal-cdk', 'check']);

  // THEN
  expect(check.status).toBe(2);
  expect(check.stdout).toContain('+  host: shop-estate.example.net');
});

test('in that project, a type error in synth.ts makes synth exit 1 naming synth.ts:LINE', () => {
  // GIVEN
  const synth = path.join(dir, 'synth.ts');
  const lines = fs.readFileSync(synth, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes("access: EndpointAccess.public(),"));
  lines[at] = lines[at].replace('access:', 'acess:');
  fs.writeFileSync(synth, lines.join('\n'));
  const before = fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8');

  // WHEN
  const r = sh('npx', ['kamal-cdk', 'synth']);

  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`synth.ts:${at + 1}:`);
  expect(r.stderr).toContain("'acess'");
  expect(fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8')).toBe(before);
});
