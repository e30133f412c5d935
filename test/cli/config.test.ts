/**
 * `kamal-cdk config`: the offline `kamal config` of this repository's estate, run as users run it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deepMerge, YamlValue } from '../../constructs/kamal';
import { parseYaml } from '../../src';
import { kamalCdk, project, REPO } from './helpers';

jest.setTimeout(120_000);

const read = (p: string) => parseYaml(fs.readFileSync(path.join(REPO, 'out', p), 'utf8')) as YamlValue;

test('prints for -d staging exactly what Kamal merges from out/config/deploy.yml and deploy.staging.yml', () => {
  // WHEN
  const r = kamalCdk(REPO, 'config', '-d', 'staging');
  // THEN
  expect(r.status).toBe(0);
  expect(parseYaml(r.stdout)).toEqual(deepMerge(read('config/deploy.yml'), read('config/deploy.staging.yml')));
});

test('prints a standalone config given with -c', () => {
  // WHEN
  const r = kamalCdk(REPO, 'config', '-c', 'config/deploy.observability.yml');
  // THEN
  expect(r.status).toBe(0);
  expect(parseYaml(r.stdout)).toEqual(read('config/deploy.observability.yml'));
});

test('a config with destinations needs -d, and an unknown destination is named: exit 1', () => {
  // WHEN
  const none = kamalCdk(REPO, 'config');
  const unknown = kamalCdk(REPO, 'config', '-d', 'qa');
  // THEN
  expect(none.status).toBe(1);
  expect(none.stderr).toContain('config/deploy.yml has destinations (production, staging); give one with -d');
  expect(unknown.status).toBe(1);
  expect(unknown.stderr).toContain("config/deploy.yml has no destination 'qa'; it has production, staging");
});

test('an invalid estate prints its errors, not a merged config: exit 1', () => {
  // GIVEN
  const dir = project({
    'synth.ts': `import { App } from '@kamal-cdk/src';
import { KamalDeploy } from '@kamal-cdk/constructs/kamal';
const app = new App();
const shop = new KamalDeploy(app, 'shop', { service: 'shop', image: 'acme/shop', roles: { web: { hosts: ['192.0.2.1'] } } });
shop.addOverride('proxy.bogus', true);
app.synth();
`,
  });
  // WHEN
  const r = kamalCdk(dir, 'config');
  // THEN
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n')[0]).toBe('Validation failed with the following errors (the estate is invalid, so no merged config is printed):');
});
