/**
 * `npm run config`: the offline `kamal config`, run as users run it (the launcher, a child process).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { deepMerge, YamlValue } from '../../constructs/kamal';
import { parseYaml } from '../../src';

const ROOT = path.join(__dirname, '..', '..');

function config(...args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, 'scripts', 'kamal-config.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

const read = (p: string) => parseYaml(fs.readFileSync(path.join(ROOT, 'out', p), 'utf8')) as YamlValue;

test('prints for -d staging exactly what Kamal merges from deploy.yml and deploy.staging.yml', () => {
  // WHEN
  const r = config('-d', 'staging');
  // THEN
  expect(r.status).toBe(0);
  expect(parseYaml(r.stdout)).toEqual(deepMerge(read('config/deploy.yml'), read('config/deploy.staging.yml')));
});

test('prints a standalone config given with -c', () => {
  // WHEN
  const r = config('-c', 'config/deploy.observability.yml');
  // THEN
  expect(r.status).toBe(0);
  expect(parseYaml(r.stdout)).toEqual(read('config/deploy.observability.yml'));
});

test('a config with destinations needs -d: exit 1 naming them', () => {
  // WHEN
  const r = config();
  // THEN
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('config/deploy.yml has destinations (production, staging); give one with -d');
});

test('an unknown argument is a usage error: exit 64', () => {
  // WHEN
  const r = config('--bogus');
  // THEN
  expect(r.status).toBe(64);
  expect(r.stderr).toContain("unknown argument '--bogus'");
});
