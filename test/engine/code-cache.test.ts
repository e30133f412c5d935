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

/** Lets the kernel's file clock move past the files just written (a cache of a file changed just before is written with its hash). */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60);
}

/** The header line of a code cache: MAGIC, the source's stamp, '-' or its hash, the tags. */
function header(cache: string): { stamp: string; check: string; tags: string } {
  const buf = fs.readFileSync(cache);
  const [, stamp, check, tags = ''] = buf.toString('latin1', 0, buf.indexOf(10)).split(' ');
  return { stamp, check, tags };
}

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
  settle();
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
  const { tags, check } = header(cache);

  // THEN
  expect(sameTag).toBe(first); // not written again
  expect(otherTag).not.toBe(first); // written again (a new file renamed into place) ...
  expect(Number(otherTag.split(':')[1])).toBeGreaterThan(Number(first.split(':')[1])); // ... holding b as well
  expect(again).toBe(otherTag);
  expect(tags).toBe('init,synth');
  expect(check).toBe('-'); // a settled file: its stamp alone identifies the text
});

test('a primed cache (compiled, not run) covers no tag, is accepted by V8, and a first run of a tag writes it again', () => {
  // GIVEN
  const { dir, run, cache } = setUp();
  const mod = path.join(dir, 'mod.js');
   
  const { primeCodeCache } = require('../../src/code-cache.js') as typeof import('../../src/code-cache');

  // WHEN
  const primed = primeCodeCache(mod);
  const stat = () => fs.statSync(cache, { bigint: true }).ino;
  const ino = stat();
  const again = primeCodeCache(mod);

  // THEN: written once, for no tag, and V8 takes it for the module's text
  expect([primed, again, stat()]).toEqual([true, false, ino]);
  expect(header(cache).tags).toBe('');
  const buf = fs.readFileSync(cache);
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${fs.readFileSync(mod, 'utf8')}\n})`;
   
  const script = new (require('vm') as typeof import('vm')).Script(wrapper, { filename: mod, cachedData: buf.subarray(buf.indexOf(10) + 1) });
  expect(script.cachedDataRejected).toBe(false);

  // AND: the first run of a command adds what it ran
  settle();
  run('a', 'synth');
  expect(stat()).not.toBe(ino);
  expect(header(cache).tags).toBe('synth');
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

test('a file rewritten with the same length runs its new code, not the cached old one, and the cache is replaced with its tags', () => {
  // GIVEN: a cache of a module whose function returns 1 (V8 itself checks only the length)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-code-cache-'));
  const mod = path.join(dir, 'mod.js');
  fs.writeFileSync(mod, 'exports.v = function () { return 1; };\n');
  const driver = `const { loadWithCodeCache } = require(${JSON.stringify(path.join(ROOT, 'src', 'code-cache.js'))}); process.stdout.write(String(loadWithCodeCache(${JSON.stringify(mod)}, undefined, undefined, undefined, process.argv[1]).v()));`;
  const run = (tag: string) => spawnSync(process.execPath, ['-e', driver, tag], { encoding: 'utf8' }).stdout;
  settle();
  expect(run('synth')).toBe('1');
  expect(header(`${mod}.v8cache`).tags).toBe('synth');

  // WHEN: the same length, another value
  fs.writeFileSync(mod, 'exports.v = function () { return 2; };\n');
  settle();
  const after = run('init');

  // THEN
  expect(after).toBe('2');
  expect(header(`${mod}.v8cache`).tags).toBe('init'); // a new cache: the old one's tags went with it
});

test('a cache of a file changed just before it was read records the text\'s hash, is checked by it, and is written again once the file has settled', () => {
  // GIVEN: a module the process writes just before it loads it (as a bundle made by this run)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-code-cache-'));
  const mod = path.join(dir, 'mod.js');
  // The clock of this process reads the file's change time: however slow the machine, the load
  // comes "just after" the write.
  const write = `require('fs').writeFileSync(${JSON.stringify(mod)}, 'exports.v = function () { return 1; };\\n'); Date.now = () => Math.floor(require('fs').statSync(${JSON.stringify(mod)}).ctimeMs);`;
  const loader = `const { loadWithCodeCache } = require(${JSON.stringify(path.join(ROOT, 'src', 'code-cache.js'))});`;
  const load = `process.stdout.write(String(loadWithCodeCache(${JSON.stringify(mod)}).v()));`;
  const run = (first = '') => spawnSync(process.execPath, ['-e', loader + first + load], { encoding: 'utf8' }).stdout;
  const cache = `${mod}.v8cache`;

  // WHEN / THEN
  expect(run(write)).toBe('1');
  expect(header(cache).check).toMatch(/^[0-9a-f]{40}$/);
  // A hash that does not match the text: the cache is not used, and a new one replaces it
  const bad = fs.readFileSync(cache);
  const line = bad.toString('latin1', 0, bad.indexOf(10)).split(' ');
  line[2] = '0'.repeat(40);
  fs.writeFileSync(cache, Buffer.concat([Buffer.from(line.join(' '), 'latin1'), bad.subarray(bad.indexOf(10))]));
  settle();
  expect(run()).toBe('1');
  expect(header(cache).check).toBe('-');
  const settled = fs.statSync(cache).ino;
  expect(run()).toBe('1');
  expect(fs.statSync(cache).ino).toBe(settled); // settled: not written again
});

test('the command tags its code cache with the commands of cli/index.ts', () => {
  // GIVEN: bin/kamal-cdk.js can't import the command's list (it runs before it is loaded)
  const bin = fs.readFileSync(path.join(ROOT, 'bin', 'kamal-cdk.js'), 'utf8');
  const listed = /const COMMANDS = (\[[^\]]*\]);/.exec(bin)![1].replace(/'/g, '"');

  // THEN
  expect(JSON.parse(listed)).toEqual([...COMMANDS]);
});
