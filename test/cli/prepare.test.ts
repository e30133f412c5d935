/**
 * scripts/prepare.js, which `npm ci` runs in a checkout: the command bundled before its first run.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BIN, REPO } from './helpers';

jest.setTimeout(120_000);

const PREPARE = path.join(REPO, 'scripts', 'prepare.js');

function run(file: string, args: string[], cache: string) {
  const r = spawnSync(process.execPath, [file, ...args], { cwd: REPO, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, KAMAL_CDK_CACHE_DIR: cache } });
  if (r.error) throw r.error;
  return r;
}

/** The command's bundle in `cache`: its file, with the inode and modification time it has now. */
function cliBundle(cache: string): { file: string; stamp: string } {
  const dir = path.join(cache, 'bundles');
  const files = fs.readdirSync(dir).filter((f) => /^cli_index_ts\..*\.js$/.test(f));
  expect(files).toHaveLength(1);
  const st = fs.statSync(path.join(dir, files[0]), { bigint: true });
  return { file: files[0], stamp: `${st.ino}:${st.mtimeNs}` };
}

test('npm ci\'s prepare step bundles the command, and its first run uses that bundle as it is', () => {
  // GIVEN: the cache folder of a fresh clone
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-prepare-'));
  expect(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).scripts.prepare).toBe('node scripts/prepare.js');

  // WHEN
  const prepared = run(PREPARE, [], cache);
  const made = cliBundle(cache);
  const cacheHeader = () => fs.readFileSync(path.join(cache, 'bundles', `${made.file}.v8cache`)).toString('latin1').split('\n')[0];
  const primed = cacheHeader();
  const first = run(BIN, ['--version'], cache);
  const again = run(PREPARE, [], cache);

  // THEN
  expect({ status: prepared.status, stdout: prepared.stdout, stderr: prepared.stderr }).toEqual({ status: 0, stdout: 'prepare: the kamal-cdk command is bundled\n', stderr: '' });
  expect(first.status).toBe(0);
  expect(cliBundle(cache)).toEqual(made); // not bundled again
  // ... and compiled once for its code cache (no command's path yet), which the first run wrote
  // again with what it ran
  expect(primed).toMatch(/^kamal-cdk-code-cache-3 \S+ \S+ $/);
  expect(cacheHeader()).toMatch(/^kamal-cdk-code-cache-3 \S+ \S+ other$/);
  expect(again.stdout).toBe('prepare: the kamal-cdk command is already bundled\n');
});

test('a prepare step that can\'t bundle lets the install go on (exit 0) and says the first run will', () => {
  // GIVEN: a cache folder that can't be made (its parent is a file)
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-prepare-')), 'a-file');
  fs.writeFileSync(file, '');

  // WHEN
  const r = run(PREPARE, [], path.join(file, 'cache'));

  // THEN
  expect(r.status).toBe(0);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/^prepare: could not bundle the kamal-cdk command now \(.*ENOTDIR.*\); its first run will\n$/);
});
