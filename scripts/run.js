#!/usr/bin/env node
/**
 * Runs a TypeScript entry point (synth.ts, a script) fast: esbuild bundles it with its imports into
 * one CommonJS file, cached under node_modules/.cache/kamal-cdk/bundles and keyed by the path,
 * size and mtime of every TypeScript source and by esbuild's version. A warm run loads one file
 * instead of transpiling and resolving a few hundred modules (measured: 1.1 s → see npm run bench).
 *
 *   node scripts/run.js synth.ts [args...]
 *
 * Plain JavaScript on purpose: the launcher itself needs no transpiling.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { loadWithCodeCache } = require('../src/code-cache.js');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'kamal-cdk', 'bundles');
const SOURCE_DIRS = ['src', 'constructs', 'scripts'];

/** Every .ts source that a bundle may include, with size and mtime: the cache key. */
function sourceStamp(entry) {
  const h = crypto.createHash('sha256');
  h.update(`${process.version}\0${entry}\0`);
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) {
        const st = fs.statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\0`);
      }
    }
  };
  for (const d of SOURCE_DIRS) walk(path.join(ROOT, d));
  const top = fs.statSync(path.join(ROOT, 'synth.ts'));
  h.update(`synth.ts\0${top.size}\0${top.mtimeMs}\0`);
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) h.update(String(fs.statSync(lock).mtimeMs));
  return h.digest('hex').slice(0, 32);
}

function bundle(entry, outfile) {
  const esbuild = require('esbuild');
  return esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ajv is only needed to compile a schema that is not cached yet: keep it out of the bundle.
    external: ['ajv', 'ajv/*'],
    logLevel: 'error',
    plugins: [
      {
        // Bundling would make every module's __dirname and __filename the bundle's; give our
        // sources their own (the bundle is a local cache, so absolute paths are fine here).
        name: 'own-dirname',
        setup(build) {
          build.onLoad({ filter: /\.ts$/ }, (args) => {
            const text = fs.readFileSync(args.path, 'utf8');
            const contents = text
              .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path)))
              .replace(/\b__filename\b/g, JSON.stringify(args.path));
            return { contents, loader: 'ts' };
          });
        },
      },
    ],
  });
}

async function main() {
  const [entryArg, ...args] = process.argv.slice(2);
  if (!entryArg) {
    process.stderr.write('usage: node scripts/run.js ENTRY.ts [args...]\n');
    process.exitCode = 64;
    return;
  }
  const entry = path.resolve(entryArg);
  const name = path.relative(ROOT, entry).replace(/[^A-Za-z0-9]+/g, '_');
  const outfile = path.join(CACHE, `${name}-${sourceStamp(entry)}.js`);
  if (!fs.existsSync(outfile)) {
    fs.mkdirSync(CACHE, { recursive: true });
    for (const old of fs.readdirSync(CACHE)) if (old.startsWith(`${name}-`)) fs.rmSync(path.join(CACHE, old), { force: true });
    const tmp = `${outfile}.${process.pid}.tmp.js`;
    await bundle(entry, tmp);
    fs.renameSync(tmp, outfile);
  }
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

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
