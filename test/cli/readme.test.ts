/**
 * The README's code sample is a working estate: extracted, synthesized and checked as a user
 * would run it (with `kamal-cdk` pointing at this checkout).
 */
import * as fs from 'fs';
import * as path from 'path';
import { kamalCdk, project, REPO } from './helpers';

jest.setTimeout(120_000);

/** The TypeScript block that follows the marker comment naming this test. */
function sample(): string {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const marker = readme.indexOf('test/cli/readme.test.ts');
  expect(marker).toBeGreaterThan(0);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(marker));
  return block![1];
}

test('the sample under "Constructs in a few lines" synthesizes with no error or warning, and check then passes', () => {
  // GIVEN
  const code = sample().replace("from 'kamal-cdk'", "from '@kamal-cdk/constructs'");
  const dir = project({ 'synth.ts': code });

  // WHEN
  const synth = kamalCdk(dir, 'synth');
  const check = kamalCdk(dir, 'check');

  // THEN
  expect(synth.stderr).toBe('');
  expect(synth.status).toBe(0);
  expect(check.status).toBe(0);
  // One destination: everything it has is shared, so it sits in deploy.yml and the overlay is empty.
  expect(fs.readFileSync(path.join(dir, 'out/config/deploy.yml'), 'utf8')).toContain('DB_HOST: shop-postgres');
  expect(fs.readFileSync(path.join(dir, 'out/config/deploy.production.yml'), 'utf8')).toMatch(/\n\{\}\n$/);
  expect(fs.readFileSync(path.join(dir, 'out/.kamal/secrets-common'), 'utf8')).toContain('POSTGRES_PASSWORD=$POSTGRES_PASSWORD');
});
