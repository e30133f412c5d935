'use strict';
/**
 * Loads a CommonJS file with V8's code cache. The bytecode of the functions that ran is saved to
 * `<file>.v8cache` when the process exits, and handed back to V8 on the next run, which then skips
 * parsing and compiling them (Node 20 has no module compile cache of its own). Plain JavaScript so
 * that scripts/run.js, which has no TypeScript runner yet, can use it too.
 *
 * A cache holds only what ran in the process that wrote it. A caller whose runs take different
 * paths through the file (the command's `--help`, `init`, `synth`) names the path with a `tag`:
 * the first run of each tag writes the cache again, with what it ran added to what the cache
 * held, and the tags it covers are kept in it. Without that, a first run of `--help` would leave
 * every later `synth` compiling most of its code.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');
const { statStamp, unchangedSince } = require('./bundle-cache.js');

/**
 * Runs `file` as module `mod` (a fresh one unless given) and returns its exports.
 * @param {string} file
 * @param {{ exports: unknown, filename?: string } & Record<string, unknown>} [mod]
 * @param {string} [cacheFile] where the code cache is kept (default: beside the file)
 * @param {(base: NodeJS.Require) => NodeJS.Require} [wrapRequire] the require the module gets, made from its own
 * @param {string} [tag] which path through the file this run takes (see above): a word, no spaces or commas
 */
function loadWithCodeCache(file, mod, cacheFile = `${file}.v8cache`, wrapRequire = undefined, tag = undefined) {
  // The file's identity before it is read: a change after the stat gives it another stamp, except
  // a change within the same tick of the kernel's file clock as the one before it (see below).
  const statAt = Date.now();
  const stamp = stampOf(file);
  const source = fs.readFileSync(file, 'utf8');
  const cached = readCache(cacheFile, stamp, source);
  const script = compile(file, source, cached);
  const fresh = !cached || script.cachedDataRejected;
  const tags = fresh ? [] : cached.tags;
  // A cache that had to record its text's hash is written again once the file has settled.
  if (fresh || (tag !== undefined && !tags.includes(tag)) || cached.hashed) {
    process.once('exit', () => {
      try {
        writeCache(cacheFile, script, { file, source, stamp, statAt }, tag === undefined ? tags : [...tags, tag]);
      } catch {
        // No cache: the next run compiles again.
      }
    });
  }
  const m = mod || { exports: {} };
  const filename = m.filename || file;
  const req = createRequire(filename);
  try {
    req.main = process.mainModule;
  } catch {
    // A require whose main can't be set (a test runner's): it keeps its own.
  }
  script.runInThisContext().call(m.exports, m.exports, wrapRequire ? wrapRequire(req) : req, m, filename, path.dirname(filename));
  return m.exports;
}

/** `file`'s text as a CommonJS module's function, compiled with `cached`'s code when it has one. */
function compile(file, source, cached) {
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  return new vm.Script(wrapper, { filename: file, cachedData: cached && cached.data });
}

/**
 * Writes the code `script` holds now as the cache of the file it was compiled from (`from`: its
 * path, text, stamp, and when that was taken), covering `tags`.
 */
function writeCache(cacheFile, script, from, tags) {
  const covers = [...new Set(tags)].sort();
  // A file changed shortly before the stat (a bundle just made) could change again and keep its
  // stamp: its cache also records the hash of the text it was made from, which the next run checks.
  const check = unchangedSince(from.file, from.statAt) ? '-' : sha1(from.source);
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  // One file: the stamp and the tags are never those of another write of the cache.
  fs.writeFileSync(tmp, Buffer.concat([Buffer.from(`${MAGIC} ${from.stamp} ${check} ${covers.join(',')}\n`, 'latin1'), script.createCachedData()]));
  fs.renameSync(tmp, cacheFile);
}

/**
 * Compiles `file` without running it and saves what that compiled (its top level, and what V8
 * learned about every function in it) as its code cache, covering no tag, unless it has a cache
 * already: a first run then skips parsing the whole file (measured on the command's bundle: 41 ->
 * 6 ms), and still writes the cache again with what it ran. Returns whether it wrote one.
 */
function primeCodeCache(file, cacheFile = `${file}.v8cache`) {
  const statAt = Date.now();
  const stamp = stampOf(file);
  const source = fs.readFileSync(file, 'utf8');
  if (readCache(cacheFile, stamp, source)) return false;
  writeCache(cacheFile, compile(file, source, undefined), { file, source, stamp, statAt }, []);
  return true;
}

const MAGIC = 'kamal-cdk-code-cache-3';

/**
 * A file's identity as the file system keeps it (src/bundle-cache.js statStamp). V8 checks only a
 * source's length against a code cache; a file rewritten with the same length would otherwise
 * run the old file's compiled functions.
 */
function stampOf(file) {
  return statStamp(fs.statSync(file, { bigint: true }));
}

function sha1(text) {
  return crypto.createHash('sha1').update(text).digest('hex');
}

/**
 * The code cache of a file with this stamp and text, and the tags it covers; undefined when there
 * is none (or it was made from another file, or by an older version of this loader).
 */
function readCache(cacheFile, stamp, source) {
  let buf;
  try {
    buf = fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const nl = buf.indexOf(10);
  if (nl < 0) return undefined;
  const [magic, madeFrom, check, tags = ''] = buf.toString('latin1', 0, nl).split(' ');
  if (magic !== MAGIC || madeFrom !== stamp || (check !== '-' && check !== sha1(source))) return undefined;
  return { data: buf.subarray(nl + 1), tags: tags.split(',').filter(Boolean), hashed: check !== '-' };
}

module.exports = { loadWithCodeCache, primeCodeCache };
