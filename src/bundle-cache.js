'use strict';
/**
 * One CommonJS file for a TypeScript entry point and everything it imports, bundled by esbuild and
 * cached under node_modules/.cache/kamal-cdk/bundles. The cache key is the path, size and mtime of
 * every TypeScript source of the project, the Node version and the lockfile, so an edit anywhere
 * makes a new bundle. Used by scripts/run.js (the launcher) and by the render worker, which needs
 * a file it can load without a TypeScript runner. Plain JavaScript for the same reason.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

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
  const top = path.join(ROOT, 'synth.ts');
  if (fs.existsSync(top)) {
    const st = fs.statSync(top);
    h.update(`synth.ts\0${st.size}\0${st.mtimeMs}\0`);
  }
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) h.update(String(fs.statSync(lock).mtimeMs));
  return h.digest('hex').slice(0, 32);
}

function bundle(entry, outfile) {
  const esbuild = require('esbuild');
  esbuild.buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ajv is only needed to compile a schema that is not cached yet; esbuild is a native binary.
    external: ['ajv', 'ajv/*', 'esbuild'],
    logLevel: 'error',
    // Module comments in the bundle are then relative to the project, whatever the cwd.
    absWorkingDir: ROOT,
  });
  // Bundling would make every module's __dirname and __filename the bundle's; give our sources
  // their own (the bundle is a local cache, so absolute paths are fine here). esbuild's sync API
  // takes no plugins, so the bundle marks each source's region and the names are fixed here.
  const text = fs.readFileSync(outfile, 'utf8');
  fs.writeFileSync(outfile, ownDirnames(text));
}

/**
 * esbuild starts each bundled module with a `// <path relative to the working directory>` line;
 * within a module's region `__dirname` and `__filename` become that module's own.
 */
function ownDirnames(text) {
  const out = [];
  let file;
  for (const line of text.split('\n')) {
    const m = /^\/\/ (\S+\.[cm]?[jt]s)$/.exec(line);
    if (m) file = path.resolve(ROOT, m[1]);
    if (file && file.endsWith('.ts') && !file.includes(`${path.sep}node_modules${path.sep}`)) {
      out.push(
        line
          .replace(/\b__dirname\b/g, JSON.stringify(path.dirname(file)))
          .replace(/\b__filename\b/g, JSON.stringify(file)),
      );
    } else {
      out.push(line);
    }
  }
  return out.join('\n');
}

/** The path of the cached bundle of `entry` (absolute), bundling it first if needed. */
function bundledFile(entry) {
  const name = path.relative(ROOT, entry).replace(/[^A-Za-z0-9]+/g, '_');
  const stamped = `${name}-${sourceStamp(entry)}`;
  const outfile = path.join(CACHE, `${stamped}.js`);
  if (!fs.existsSync(outfile)) {
    fs.mkdirSync(CACHE, { recursive: true });
    // Bundles of older sources go; files of this stamp may be another process's work in flight.
    for (const old of fs.readdirSync(CACHE)) {
      if (old.startsWith(`${name}-`) && !old.startsWith(stamped)) fs.rmSync(path.join(CACHE, old), { force: true });
    }
    const tmp = `${outfile}.${process.pid}.tmp.js`;
    bundle(entry, tmp);
    fs.renameSync(tmp, outfile);
  }
  return outfile;
}

module.exports = { bundledFile };
