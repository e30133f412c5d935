#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (synth.ts, a script) fast: esbuild bundles it with its imports into
 * one CommonJS file, cached under node_modules/.cache/kamal-cdk/bundles and keyed by the path,
 * size and mtime of every TypeScript source (src/bundle-cache.js). A warm run loads one file
 * instead of transpiling and resolving a few hundred modules (measured: 1.1 s → see npm run bench).
 *
 *   node scripts/run.js synth.ts [args...]
 *
 * Plain JavaScript on purpose: the launcher itself needs no transpiling.
 */
'use strict';
const path = require('path');
const { bundledFile } = require('../src/bundle-cache.js');
const { loadWithCodeCache } = require('../src/code-cache.js');

function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (!entryArg) {
    process.stderr.write('usage: node scripts/run.js ENTRY.ts [args...]\n');
    process.exitCode = 64;
    return;
  }
  const entry = path.resolve(entryArg);
  const outfile = bundledFile(entry);
  process.argv = [process.argv[0], entry, ...args];
  // The bundle runs as the entry itself: `require.main === module` holds inside it.
  const Module = require('module');
  const m = new Module(entry, null);
  m.filename = entry;
  m.paths = Module._nodeModulePaths(path.dirname(entry));
  process.mainModule = m;
  m.id = '.';
  m.loaded = false;
  loadWithCodeCache(outfile, m);
  m.loaded = true;
}

try {
  main();
} catch (e) {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
}
