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
 * held, and the tags it covers are kept beside it (`<cache>.tags`). Without that, a first run of
 * `--help` would leave every later `synth` compiling most of its code.
 */
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');

/**
 * Runs `file` as module `mod` (a fresh one unless given) and returns its exports.
 * @param {string} file
 * @param {{ exports: unknown, filename?: string } & Record<string, unknown>} [mod]
 * @param {string} [cacheFile] where the code cache is kept (default: beside the file)
 * @param {(base: NodeJS.Require) => NodeJS.Require} [wrapRequire] the require the module gets, made from its own
 * @param {string} [tag] which path through the file this run takes (see above)
 */
function loadWithCodeCache(file, mod, cacheFile = `${file}.v8cache`, wrapRequire = undefined, tag = undefined) {
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  const fresh = cachedData === undefined || script.cachedDataRejected;
  const tags = fresh ? [] : readTags(cacheFile);
  if (fresh || (tag !== undefined && !tags.includes(tag))) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(tmp, script.createCachedData());
        // The cache before its tags (and a replaced cache's tags gone before it): a cache is never
        // believed to cover a path it does not; a crash in between only costs one more write.
        if (fresh) fs.rmSync(`${cacheFile}.tags`, { force: true });
        fs.renameSync(tmp, cacheFile);
        writeTags(cacheFile, tag === undefined ? tags : [...tags, tag].sort());
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

/** The tags a cache covers (none when unknown). */
function readTags(cacheFile) {
  try {
    return fs.readFileSync(`${cacheFile}.tags`, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

function writeTags(cacheFile, tags) {
  const tmp = `${cacheFile}.tags.${process.pid}.tmp`;
  fs.writeFileSync(tmp, tags.map((t) => `${t}\n`).join(''));
  fs.renameSync(tmp, `${cacheFile}.tags`);
}

module.exports = { loadWithCodeCache };
