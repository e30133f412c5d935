/**
 * src/code-cache.js: a V8 code cache written when the process exits, and written again the first
 * time a run takes another path through the file (its tag).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { COMMANDS } from '../../cli/index';

const ROOT = path.resolve(__dirname, '..', '..');

/** A module with two large functions, of which a run calls one (`which`), loaded with `tag`. */
function setUp(): { dir: string; run: (which: 'a' | 'b', tag?: string) => string; cache: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-code-cache-'));
  const body = (name: string) => `exports.${name} = function () { let x = 0; ${Array.from({ length: 400 }, (_, i) => `x += ${i} * (x % 7);`).join(' ')} return x; };\n`;
  fs.writeFileSync(path.join(dir, 'mod.js'), body('a') + body('b'));
  fs.writeFileSync(
    path.join(dir, 'driver.js'),
    `const { loadWithCodeCache } = require(${JSON.stringify(path.join(ROOT, 'src', 'code-cache.js'))});\n` +
      `const [which, tag] = process.argv.slice(2);\n` +
      `const m = loadWithCodeCache(${JSON.stringify(path.join(dir, 'mod.js'))}, undefined, undefined, undefined, tag || undefined);\n` +
      `m[which]();\n`,
  );
  const cache = path.join(dir, 'mod.js.v8cache');
  const run = (which: 'a' | 'b', tag?: string) => {
    const r = spawnSync(process.execPath, [path.join(dir, 'driver.js'), which, tag ?? ''], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const st = fs.statSync(cache, { bigint: true });
    return `${st.ino}:${st.size}`;
  };
  return { dir, run, cache };
}

test('the first run of each tag writes the cache again, with what it ran added; a tag seen before leaves it', () => {
  // GIVEN
  const { run, cache } = setUp();

  // WHEN
  const first = run('a', 'synth');
  const sameTag = run('a', 'synth');
  const otherTag = run('b', 'init');
  const again = run('b', 'init');
  const tags = fs.readFileSync(`${cache}.tags`, 'utf8');

  // THEN
  expect(sameTag).toBe(first); // not written again
  expect(otherTag).not.toBe(first); // written again (a new file renamed into place) ...
  expect(Number(otherTag.split(':')[1])).toBeGreaterThan(Number(first.split(':')[1])); // ... holding b as well
  expect(again).toBe(otherTag);
  expect(tags).toBe('init\nsynth\n');
});

test('without a tag, a cache is written once, when there is none', () => {
  // GIVEN
  const { run } = setUp();

  // WHEN
  const first = run('a');
  const other = run('b');

  // THEN
  expect(other).toBe(first);
});

test('a cache V8 rejects is replaced, and the tags of the old one go with it', () => {
  // GIVEN: a cache and its tags, then the file changes (V8 rejects a cache of another source)
  const { dir, run, cache } = setUp();
  run('a', 'synth');
  fs.appendFileSync(path.join(dir, 'mod.js'), 'exports.c = 1;\n');

  // WHEN
  run('a', 'init');

  // THEN
  expect(fs.readFileSync(`${cache}.tags`, 'utf8')).toBe('init\n');
});

test('the command tags its code cache with the commands of cli/index.ts', () => {
  // GIVEN: bin/kamal-cdk.js can't import the command's list (it runs before it is loaded)
  const bin = fs.readFileSync(path.join(ROOT, 'bin', 'kamal-cdk.js'), 'utf8');
  const listed = /const COMMANDS = (\[[^\]]*\]);/.exec(bin)![1].replace(/'/g, '"');

  // THEN
  expect(JSON.parse(listed)).toEqual([...COMMANDS]);
});
