/**
 * Reviewing and iterating: `kamal-cdk diff --effective` and `kamal-cdk watch`, as users run them.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, kamalCdk, project, REPO, writeProjectFile } from './helpers';

jest.setTimeout(180_000);

/** A config family with a production and a staging destination; `extra` goes before synth. */
function family(extra = ''): string {
  return `import { App } from '@kamal-cdk/src';
import { Estate } from '@kamal-cdk/constructs/estate';
import { KamalDeploy } from '@kamal-cdk/constructs/kamal';
import { SETTINGS } from './settings';
const app = new App();
const shop = new KamalDeploy(new Estate(app, 'estate'), 'shop', {
  service: 'shop', image: 'acme/shop', builder: { arch: 'amd64' },
  registry: { server: 'localhost:5555' },
  roles: { web: { hosts: ['192.0.2.10'], proxy: false } },
  env: { clear: { LOG_LEVEL: SETTINGS.logLevel } },
});
shop.addDestination('production', { env: { clear: { WORKERS: SETTINGS.productionWorkers } } });
shop.addDestination('staging', { env: { clear: { WORKERS: '1' } } });
${extra}
app.synth();
`;
}

describe('diff --effective', () => {
  test('a change to deploy.yml is listed under every destination it reaches; an overlay change under its own only', () => {
    // GIVEN
    const dir = project({ 'synth.ts': family(), 'settings.ts': "export const SETTINGS = { logLevel: 'info', productionWorkers: '4' };\n" });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);
    const clean = kamalCdk(dir, 'diff', '--effective');

    // WHEN
    fs.writeFileSync(path.join(dir, 'settings.ts'), "export const SETTINGS = { logLevel: 'debug', productionWorkers: '8' };\n");
    const r = kamalCdk(dir, 'diff', '--effective');

    // THEN
    expect(clean.status).toBe(0);
    expect(clean.stdout).toBe('diff --effective: no merged config changes (2 config/destination pairs)\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('changed    config/deploy.yml -d production');
    expect(r.stdout).toContain('changed    config/deploy.yml -d staging');
    const production = r.stdout.slice(r.stdout.indexOf('-d production'), r.stdout.indexOf('changed    config/deploy.yml -d staging'));
    const staging = r.stdout.slice(r.stdout.indexOf('changed    config/deploy.yml -d staging'));
    expect(production.split('\n')).toEqual(expect.arrayContaining(['-    LOG_LEVEL: info', '+    LOG_LEVEL: debug', '-    WORKERS: "4"', '+    WORKERS: "8"']));
    expect(staging.split('\n')).toEqual(expect.arrayContaining(['-    LOG_LEVEL: info', '+    LOG_LEVEL: debug']));
    expect(staging).not.toMatch(/^[-+].*WORKERS/m);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('diff --effective: 2 of 2 merged configs change');
  });

  test('a change that moves a key between deploy.yml and the overlays, but that Kamal merges to the same config, shows as none', () => {
    // GIVEN: both destinations share WORKERS=1, so it sits in deploy.yml
    const dir = project({ 'synth.ts': family(), 'settings.ts': "export const SETTINGS = { logLevel: 'info', productionWorkers: '1' };\n" });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);
    const before = fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8');

    // WHEN: the same effective configs, written through an override of each destination
    writeProjectFile(dir, 'synth.ts', family("shop.addOverride('env.clear.WORKERS', '1', 'production');"));
    const files = kamalCdk(dir, 'diff');
    const effective = kamalCdk(dir, 'diff', '--effective');

    // THEN
    expect(before).toContain('WORKERS: "1"');
    expect([files.status, files.stderr]).toEqual([0, '']);
    expect(effective.stdout).toBe('diff --effective: no merged config changes (2 config/destination pairs)\n');
  });
});

describe('diff --effective on what is there', () => {
  test("this repository's up-to-date out/ shows no merged config change (key order is not a change)", () => {
    // WHEN
    const r = kamalCdk(REPO, 'diff', '--effective');
    // THEN
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('diff --effective: no merged config changes (4 config/destination pairs)\n');
  });

  test('a link planted at a generated path is not followed: what it points at is never printed', () => {
    // GIVEN
    const dir = project({ 'synth.ts': family(), 'settings.ts': "export const SETTINGS = { logLevel: 'info', productionWorkers: '4' };\n" });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);
    fs.writeFileSync(path.join(dir, 'elsewhere.yml'), 'service: shop\nSECRET_TOKEN: not-a-real-token\n');
    fs.rmSync(path.join(dir, 'out/config/deploy.staging.yml'));
    fs.symlinkSync(path.join(dir, 'elsewhere.yml'), path.join(dir, 'out/config/deploy.staging.yml'));

    // WHEN
    const r = kamalCdk(dir, 'diff', '--effective');

    // THEN
    expect(`${r.stdout}${r.stderr}`).not.toContain('not-a-real-token');
  });
});

/** `kamal-cdk watch` started in `dir`: what it printed so far, a wait for a line's nth time, and Ctrl-C. */
function startWatch(dir: string): { output(): string; waitFor(text: string, count?: number): Promise<boolean>; settle(ms: number): Promise<void>; stop(): Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'watch'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const seen = (text: string) => out.split(text).length - 1;
  return {
    output: () => out,
    async waitFor(text, count = 1) {
      const deadline = Date.now() + 120_000;
      while (seen(text) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      return seen(text) >= count;
    },
    settle: (ms) => new Promise((r) => setTimeout(r, ms)),
    stop() {
      child.kill('SIGINT');
      return new Promise((resolve) => child.on('exit', (c) => resolve(c)));
    },
  };
}

const SETTINGS_INFO = "export const SETTINGS = { logLevel: 'info', productionWorkers: '4' };\n";

describe('watch', () => {
  test('synths at start and again when an imported file changes; Ctrl-C stops it with exit 0', async () => {
    // GIVEN
    const dir = project({ 'synth.ts': family(), 'settings.ts': SETTINGS_INFO });
    const watch = startWatch(dir);

    // WHEN
    const first = await watch.waitFor('waiting for changes');
    fs.writeFileSync(path.join(dir, 'settings.ts'), "export const SETTINGS = { logLevel: 'warn', productionWorkers: '4' };\n");
    const second = await watch.waitFor('waiting for changes', 2);
    const code = await watch.stop();

    // THEN
    expect(first).toBe(true);
    expect(second).toBe(true);
    expect(watch.output()).toContain('written   out/config/deploy.yml');
    expect(fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8')).toContain('LOG_LEVEL: warn');
    expect(watch.output()).toContain('watch: stopped');
    expect(code).toBe(0);
  });

  test('an estate that rewrites one of its own inputs with the same bytes each run is synthesized once, not in a loop', async () => {
    // GIVEN: synth.ts writes gen.ts (which it imports) on every run, always the same text
    const rewrite = `import * as fs from 'fs';
import { GENERATED } from './gen';
fs.writeFileSync('gen.ts', "export const GENERATED = 'same';\\n");
`;
    const dir = project({ 'synth.ts': rewrite + family().replace('LOG_LEVEL: SETTINGS.logLevel', 'LOG_LEVEL: GENERATED'), 'gen.ts': "export const GENERATED = 'same';\n", 'settings.ts': SETTINGS_INFO });
    const watch = startWatch(dir);
    await watch.waitFor('waiting for changes');

    // WHEN: time for any further synth to start
    await watch.settle(3000);
    const code = await watch.stop();

    // THEN
    expect(watch.output()).toContain('written   out/config/deploy.yml');
    expect(watch.output().split('watch: synth (').length - 1).toBe(1);
    expect(watch.output()).not.toContain('changed while the synth ran');
    expect(code).toBe(0);
  });

  test('a change that fails the type check is synthesized once: the failed synth, which made no bundle, is not taken for a missed change', async () => {
    // GIVEN
    const dir = project({ 'synth.ts': family(), 'settings.ts': SETTINGS_INFO });
    const watch = startWatch(dir);
    await watch.waitFor('waiting for changes');

    // WHEN: settings.ts gets a type error, then time for any further synth to start
    fs.writeFileSync(path.join(dir, 'settings.ts'), "export const SETTINGS: { logLevel: string; productionWorkers: string } = { logLevel: 1, productionWorkers: '4' };\n");
    await watch.waitFor('waiting for changes', 2);
    await watch.settle(3000);
    const code = await watch.stop();

    // THEN
    expect(watch.output()).toContain('watch: exit 1; waiting for changes');
    expect(watch.output().split('watch: synth (').length - 1).toBe(2);
    expect(watch.output()).not.toContain('changed while the synth ran');
    expect(code).toBe(0);
  });

  test('an input changed while the first synth runs, before any folder is watched, starts one more synth', async () => {
    // GIVEN: the estate's first run rewrites settings.ts after it was bundled, as an editor saving
    // during that synth would; no watcher exists yet, as the bundle names the inputs
    const edit = `import * as fs from 'fs';
if (!fs.existsSync('edited')) {
  fs.writeFileSync('edited', '');
  fs.writeFileSync('settings.ts', "export const SETTINGS = { logLevel: 'warn', productionWorkers: '4' };\\n");
}
`;
    const dir = project({ 'synth.ts': edit + family(), 'settings.ts': SETTINGS_INFO });
    const watch = startWatch(dir);
    await watch.waitFor('waiting for changes', 2);

    // WHEN
    const code = await watch.stop();

    // THEN: the first synth wrote LOG_LEVEL info; the change it missed brought a second one
    expect(watch.output()).toContain('watch: changed while the synth ran: settings.ts');
    expect(watch.output().split('watch: synth (').length - 1).toBe(2);
    expect(fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8')).toContain('LOG_LEVEL: warn');
    expect(code).toBe(0);
  });
});
