/**
 * Property: a random valid Kamal repository (configs built from the L1 types, with destination
 * overlays and the secrets files they need) is imported, the imported constructs are synthesized,
 * and every (config, destination) merges to the same config as the original files.
 *
 * The constructs are built in-process from the same plan the emitted synth.ts is written from
 * (test/cli/import.test.ts runs the emitted synth.ts through the CLI for the fixtures).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as L1 from '../../../constructs/kamal/l1';
import { deepEqual, deepMerge, YamlValue } from '../../../constructs/kamal/merge';
import { secretUsesOf } from '../../../constructs/kamal/view';
import { planImport } from '../../../cli/adopt/importer';
import { checkAsKamal } from '../../../cli/adopt/kamal-check';
import { buildPlan } from '../../../cli/adopt/plan';
import { findFamilies, loadConfig } from '../../../cli/adopt/repository';
import { synthesize } from '../../../src/synthesizer';
import { stringifyYaml } from '../../../src/yaml';
import { mulberry32 } from '../../support/random';

jest.setTimeout(120_000);

const ENV = {};

class Gen {
  constructor(private readonly r: () => number) {}
  public int(n: number): number {
    return Math.floor(this.r() * n);
  }
  public chance(p = 0.5): boolean {
    return this.r() < p;
  }
  public pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  public ip(): string {
    return `10.${this.int(250)}.${this.int(250)}.${1 + this.int(250)}`;
  }
  public word(): string {
    return this.pick(['alpha', 'beta', 'gamma', 'delta', 'omega', 'kappa']);
  }
  public name(): string {
    return `${this.word()}${this.int(100)}`;
  }
  public secret(): string {
    return this.pick(['RAILS_MASTER_KEY', 'DATABASE_URL', 'REDIS_URL', 'SMTP_PASSWORD', 'API_TOKEN']);
  }
  public env(): L1.Env {
    const clear: Record<string, string | number> = {};
    for (let i = this.int(3); i > 0; i--) clear[`VAR_${this.word().toUpperCase()}`] = this.chance() ? this.word() : this.int(1000);
    if (this.chance(0.4)) return clear;
    const out: L1.EnvComplex = {};
    if (Object.keys(clear).length) out.clear = clear;
    const secrets = [...new Set(Array.from({ length: 1 + this.int(2) }, () => this.secret()))];
    out.secret = secrets;
    return out;
  }
  public proxy(): L1.Proxy {
    const p: L1.Proxy = {};
    if (this.chance(0.8)) {
      if (this.chance(0.7)) p.host = `${this.word()}.example.com`;
      else p.hosts = [`${this.word()}.example.com`, `www${this.int(9)}.example.org`];
    }
    if (this.chance()) p.app_port = this.pick([80, 3000, 8080]);
    if (this.chance(0.3)) p.healthcheck = { path: '/up', interval: 1 + this.int(5) };
    if (this.chance(0.3)) p.forward_headers = this.chance();
    if (this.chance(0.2)) p.response_timeout = 10 + this.int(50);
    return p;
  }
}

/** A base config and 0–2 destination overlays (random splits of random effective configs). */
function repository(g: Gen): { base: Record<string, unknown>; overlays: Record<string, Record<string, unknown>> } {
  const base: Record<string, unknown> = {
    service: g.name(),
    image: `acme/${g.word()}`,
    registry: g.chance() ? { username: 'acme', password: ['KAMAL_REGISTRY_PASSWORD'] } : { server: 'ghcr.io', username: ['REGISTRY_USER'], password: ['KAMAL_REGISTRY_PASSWORD'] },
    builder: { arch: g.pick(['amd64', 'arm64', ['amd64', 'arm64']]), ...(g.chance(0.3) ? { remote: 'ssh://docker@10.9.9.9' } : {}) },
  };
  if (g.chance(0.5)) base.env = g.env();
  if (g.chance(0.4)) base.volumes = [`${g.word()}_data:/data`];
  if (g.chance(0.3)) base.labels = { team: g.word() };
  if (g.chance(0.3)) base.logging = { driver: 'json-file', options: { 'max-size': '50m' } };
  if (g.chance(0.3)) base.ssh = { user: 'deploy' };
  if (g.chance(0.3)) base.retain_containers = 1 + g.int(5);
  if (g.chance(0.2)) base.aliases = { console: 'app exec -i --reuse "bin/rails console"' };
  const servers = (): unknown => {
    if (g.chance(0.3)) return [g.ip()];
    const roles: Record<string, unknown> = { web: g.chance() ? [g.ip()] : { hosts: [g.ip()], ...(g.chance(0.3) ? { options: { memory: '1g' } } : {}) } };
    if (g.chance(0.5)) roles.jobs = { hosts: [g.ip()], cmd: 'bin/jobs', ...(g.chance(0.3) ? { env: g.env() } : {}) };
    if (g.chance(0.2)) roles.admin = { hosts: [g.ip()], proxy: { host: `admin${g.int(9)}.example.com`, app_port: 4000 } };
    return roles;
  };
  const accessories = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    if (g.chance(0.5)) {
      const storage = g.chance() ? { directories: ['data:/var/lib/postgresql/data'] } : { volumes: ['pgdata:/var/lib/postgresql/data'] };
      out.db = { image: 'postgres:16', host: g.ip(), port: '127.0.0.1:5432:5432', env: { clear: { POSTGRES_DB: 'app' }, secret: ['POSTGRES_PASSWORD'] }, ...storage };
    }
    if (g.chance(0.4)) out.cache = { image: 'redis:7', hosts: [g.ip()], cmd: 'redis-server', volumes: ['redis:/data'], ...(g.chance() ? { options: { restart: 'always' } } : {}) };
    return out;
  };
  const destinations = g.pick([[], ['production'], ['staging', 'production']]);
  const overlays: Record<string, Record<string, unknown>> = {};
  if (destinations.length === 0) {
    base.servers = servers();
    if (g.chance(0.6)) base.proxy = g.proxy();
    const acc = accessories();
    if (Object.keys(acc).length) base.accessories = acc;
    return { base, overlays };
  }
  if (g.chance(0.5)) base.require_destination = true;
  if (g.chance(0.4)) base.servers = servers();
  for (const d of destinations) {
    const o: Record<string, unknown> = {};
    if (!base.servers || g.chance(0.5)) o.servers = servers();
    if (g.chance(0.6)) o.proxy = g.proxy();
    const acc = accessories();
    if (Object.keys(acc).length) o.accessories = acc;
    if (g.chance(0.3)) o.env = g.env();
    if (g.chance(0.2)) o.builder = { arch: 'amd64' };
    overlays[d] = o;
  }
  return { base, overlays };
}

function write(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}

function merged(root: string): Record<string, YamlValue> {
  const out: Record<string, YamlValue> = {};
  for (const f of findFamilies(root, { env: ENV })) {
    for (const d of f.destinations.length > 0 ? f.destinations : [undefined]) out[`${f.file} ${d ?? ''}`] = loadConfig(root, f.file, d, { env: ENV }).config as YamlValue;
  }
  return out;
}

const made: string[] = [];
afterAll(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A new, empty repository folder, removed after the tests. */
function scratchRepo(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-prop-'));
  made.push(root);
  return root;
}

test('random valid repositories: import → synth reproduces every merged config, or refuses a base that also deploys alone', () => {
  const g = new Gen(mulberry32(20261129));
  let valid = 0;
  let postgres = 0;
  let refused = 0;
  const failures: string[] = [];
  for (let i = 0; i < 60; i++) {
    // GIVEN
    const { base, overlays } = repository(g);
    const configs = Object.keys(overlays).length ? Object.values(overlays).map((o) => deepMerge(base as YamlValue, o as YamlValue)) : [base as YamlValue];
    if (configs.some((c) => checkAsKamal(c).length > 0)) continue;
    valid++;
    const root = scratchRepo();
    write(root, 'config/deploy.yml', stringifyYaml(base));
    for (const [d, o] of Object.entries(overlays)) write(root, `config/deploy.${d}.yml`, stringifyYaml(o));
    const secrets = [...new Set(configs.flatMap((c) => secretUsesOf(c as L1.DeployConfig).map((u) => u.secret)))].sort();
    write(root, '.kamal/secrets-common', secrets.map((s) => `${s}=$${s}\n`).join(''));

    // WHEN
    const result = planImport(root, ENV);

    // THEN: a base Kamal also deploys without -d can't be one family of destinations: refused, nothing else
    const deploysAlone = Object.keys(overlays).length > 0 && base.require_destination !== true && checkAsKamal(base, { withoutDestination: true }).length === 0;
    if (deploysAlone) {
      refused++;
      if (result.errors.length !== 1 || !result.errors[0].startsWith('config/deploy.yml is deployed without -d as well as with -d')) failures.push(`case ${i}: not refused: ${result.errors.join('; ')}`);
      continue;
    }
    if (result.plan.deploys.some((d) => d.accessories.some((a) => a.postgres))) postgres++;
    const synthesis = synthesize(buildPlan(result.plan).app);
    const out = path.join(root, 'imported-out');
    for (const f of synthesis.files) write(out, f.path, f.content);

    if (result.errors.length > 0 || synthesis.errors.length > 0) {
      failures.push(`case ${i}: ${[...result.errors, ...synthesis.errors.map((e) => e.message)].join('; ')}`);
      continue;
    }
    const before = merged(root);
    const after = merged(out);
    if (!deepEqual(after as YamlValue, before as YamlValue)) failures.push(`case ${i}: merged configs differ:\n${JSON.stringify({ before, after }, null, 1)}`);
  }
  expect(failures).toEqual([]);
  expect(valid).toBeGreaterThanOrEqual(30);
  expect(refused).toBeGreaterThan(0);
  expect(valid - refused).toBeGreaterThanOrEqual(30);
  // Both kinds of accessory were round-tripped.
  expect(postgres).toBeGreaterThan(0);
});

test('ERB references are told apart across files: the same tag keeps its text in each file, another never takes its place', () => {
  // GIVEN: deploy.yml reads PUBLIC_IP, then PRIVATE_IP; the overlay reads PRIVATE_IP first (a real repository's shape)
  const root = scratchRepo();
  write(root, 'config/deploy.yml', [
    'require_destination: true', 'service: app', 'image: acme/app', 'registry: { server: localhost:5555 }', 'builder: { arch: amd64 }',
    'servers: [ "<%= ENV.fetch("PUBLIC_IP") %>" ]', 'env: { clear: { REDIS_URL: redis://<%= ENV.fetch("PRIVATE_IP") %>:6380/0 } }', '',
  ].join('\n'));
  write(root, 'config/deploy.staging.yml', 'env: { clear: { REDIS_URL: redis://<%= ENV.fetch("PRIVATE_IP") %>:6380/1 } }\n');
  const env = { PUBLIC_IP: '203.0.113.5', PRIVATE_IP: '10.0.0.3' };

  // WHEN
  const result = planImport(root, env);
  const staging = buildPlan(result.plan).deploys[0].effectiveConfig('staging') as L1.DeployConfig;

  // THEN
  expect(result.errors).toEqual([]);
  expect((staging.env as L1.EnvComplex).clear!.REDIS_URL).toBe('redis://<%= ENV.fetch("PRIVATE_IP") %>:6380/1');
  expect(staging.servers).toEqual(['<%= ENV.fetch("PUBLIC_IP") %>']);
});

test('an adapter secret whose key is quoted (a 1Password field with spaces) stays an adapter secret, its key quoted again', () => {
  // GIVEN
  const root = scratchRepo();
  write(root, 'config/deploy.yml', 'service: app\nimage: acme/app\nregistry: { server: ghcr.io, username: u, password: [KAMAL_REGISTRY_PASSWORD] }\nbuilder: { arch: amd64 }\nservers: [192.0.2.10]\n');
  write(root, '.kamal/secrets', [
    'SECRETS=$(kamal secrets fetch --adapter 1password --account acme --from Infra/app "Container Registry Password")',
    'KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract "Container Registry Password" $SECRETS)',
    '',
  ].join('\n'));

  // WHEN
  const result = planImport(root, ENV);
  const files = synthesize(buildPlan(result.plan).app).files;

  // THEN
  expect(result.warnings.filter((w) => w.message.includes('KAMAL_REGISTRY_PASSWORD'))).toEqual([]);
  expect(result.plan.secrets[0].withoutDestination.KAMAL_REGISTRY_PASSWORD).toEqual({ source: 'adapter', adapter: '1password', account: 'acme', from: 'Infra/app', key: 'Container Registry Password' });
  expect(files.find((f) => f.path === '.kamal/secrets')!.content).toContain("KAMAL_REGISTRY_PASSWORD=$(kamal secrets extract 'Container Registry Password' $SECRETS)");
});

test('a clear env value whose ERB gives a number stays ERB (the container env is text), other typed ERB is imported as its value with a warning', () => {
  // GIVEN
  const root = scratchRepo();
  write(root, 'config/deploy.yml', [
    'service: app', 'image: acme/app', 'registry: { server: localhost:5555 }', 'builder: { arch: amd64 }', 'servers: [192.0.2.10]',
    'ssh: { port: <%= ENV.fetch("DEPLOY_SSH_PORT", 22) %> }', 'env: { clear: { MAINTENANCE: <%= ENV.fetch("MAINTENANCE", "0") %> } }', '',
  ].join('\n'));

  // WHEN
  const result = planImport(root, ENV);
  const config = buildPlan(result.plan).deploys[0].effectiveConfig() as L1.DeployConfig;

  // THEN
  expect((config.env as L1.EnvComplex).clear!.MAINTENANCE).toBe('<%= ENV.fetch("MAINTENANCE", "0") %>');
  expect(config.ssh!.port).toBe(22);
  expect(result.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^ssh\/port: <%= ENV\.fetch\("DEPLOY_SSH_PORT", 22\) %> is imported as its value with this environment, 22/)]);
});
