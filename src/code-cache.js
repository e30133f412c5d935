'use strict';
/**
 * Loads a CommonJS file with V8's code cache. The bytecode of the functions that ran is saved to
 * `<file>.v8cache` when the process exits, and handed back to V8 on the next run, which then skips
 * parsing and compiling them (Node 20 has no module compile cache of its own). Plain JavaScript so
 * that scripts/run.js, which has no TypeScript runner yet, can use it too.
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
 */
function loadWithCodeCache(file, mod, cacheFile = `${file}.v8cache`, wrapRequire = undefined) {
  const source = fs.readFileSync(file, 'utf8');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
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

module.exports = { loadWithCodeCache };
