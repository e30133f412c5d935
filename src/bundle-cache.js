'use strict';
/**
 * One CommonJS file for a TypeScript entry point and everything it imports, bundled by esbuild and
 * cached under the project's node_modules/.cache/kamal-cdk/bundles.
 *
 * The cache is keyed by content: esbuild's metafile lists every file that went into a bundle, and
 * the index kept beside the bundle records a hash of each one, plus the versions of Node, esbuild
 * and this file. A bundle is reused only when every one of those files still has the same bytes,
 * wherever it lives (a helper outside src/, a package in node_modules, another entry file). Used by
 * the kamal-cdk command (for the estate's entry, and for its own sources when run from a checkout)
 * and by scripts/run.js. Plain JavaScript: it runs before anything can transpile TypeScript.
 *
 * A caller that has packages loaded already can lend them to the bundle (`shared`): a file listed
 * there is left out of the bundle wherever an import resolves to exactly that file, and the bundle
 * is run with requireLending, which hands it the caller's instance. An import that resolves to
 * any other copy (another version, nested in another node_modules) is bundled as usual.
 *
 * A library is lent whole or not at all (`library`): its entry files are left out only when no
 * other file of its folders would go into the bundle. An estate that imports one of its modules
 * by a deeper path gets the library bundled, entry files and all, so no module of it ever runs
 * twice (two copies of one class fail every instanceof between them).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const INDEX_VERSION = 6;

/** The folder of the nearest package.json at or above `dir` (the project the entry belongs to). */
function projectRootOf(dir) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir);
  }
}

/** Where kamal-cdk keeps its caches for a project: `KAMAL_CDK_CACHE_DIR`, or node_modules/.cache/kamal-cdk. */
function cacheDirOf(root) {
  return process.env.KAMAL_CDK_CACHE_DIR ? path.resolve(process.env.KAMAL_CDK_CACHE_DIR) : path.join(root, 'node_modules', '.cache', 'kamal-cdk');
}

/**
 * Where the kamal-cdk package at `pkg` keeps its own caches (the command's bundle, the code caches
 * of its validators): `KAMAL_CDK_CACHE_DIR`; installed, in the .cache/kamal-cdk of the
 * node_modules folder it sits in (also under an @scope), where the project's caches are; else (a
 * checkout) in its own node_modules/.cache/kamal-cdk.
 */
function packageCacheDir(pkg) {
  if (process.env.KAMAL_CDK_CACHE_DIR) return path.resolve(process.env.KAMAL_CDK_CACHE_DIR);
  const parent = path.dirname(pkg);
  const modules = path.basename(parent).startsWith('@') ? path.dirname(parent) : parent;
  return path.basename(modules) === 'node_modules' ? path.join(modules, '.cache', 'kamal-cdk') : cacheDirOf(pkg);
}

function sha(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/** The content hash of a file, or undefined when it can't be read (deleted, renamed). */
function hashFile(file) {
  try {
    return sha(fs.readFileSync(file));
  } catch {
    return undefined;
  }
}

let toolStampMemo;
/** What else decides a bundle's bytes: Node, esbuild, and this bundler's own code. */
function toolStamp() {
  if (!toolStampMemo) {
    const esbuildVersion = require('esbuild/package.json').version;
    toolStampMemo = `${process.version}\0${esbuildVersion}\0${hashFile(__filename)}\0${INDEX_VERSION}`;
  }
  return toolStampMemo;
}

function readIndex(file) {
  try {
    const index = JSON.parse(fs.readFileSync(file, 'utf8'));
    return index && index.version === INDEX_VERSION && Array.isArray(index.inputs) ? index : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A file's identity as the file system keeps it: inode, size, and modification and change times
 * in nanoseconds. Writing a file always moves its change time, which no user can set back (unlike
 * the modification time), so an equal stamp means the bytes are the ones hashed under it, as git's
 * index relies on.
 */
function statStamp(st) {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The content hash of `file`, trusting `known` ([hash, stamp] recorded earlier) only while the
 * file's stamp is unchanged and was taken after the file last changed (a stamp taken in the same
 * instant as a write may describe either version, so such a file is hashed again).
 */
function contentHash(file, known) {
  let st;
  try {
    st = fs.statSync(file, { bigint: true });
  } catch {
    return undefined;
  }
  if (known && known[1] === statStamp(st) && !known[2]) return known[0];
  return hashFile(file);
}

/** [hash, stamp, racy] of a file as it is now; racy when it changed less than a second before `now`. */
function recordFile(file, now) {
  const hash = hashFile(file);
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (hash === undefined || !st) return [hash, '', true];
  const racy = Number(st.ctimeNs / 1000000n) >= now - 1000;
  return [hash, statStamp(st), racy];
}

/**
 * Whether a file read by a run that started at `started` (ms) may be recorded with `hash`: it was
 * hashed, and it has not changed since the run started. One written while it was read may have
 * been read in one version and hashed in another. The change time decides, as nobody can set it
 * back (a copy with -p can set the modification time).
 */
function settledSince(file, hash, started) {
  return hash !== undefined && unchangedSince(file, started);
}

/** Whether `file` was last changed before a run that started at `started` (ms), by its change time. */
function unchangedSince(file, started) {
  const st = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
  if (!st) return false;
  // A change time in whole seconds is taken for a file system that keeps no more (a write up to a
  // second after `started` may carry it).
  const slack = st.ctimeNs % 1000000000n === 0n ? 1000 : CLOCK_SLACK_MS;
  return Number(st.ctimeNs / 1000000n) < started - slack;
}

/**
 * The kernel stamps files from a clock that is read once a tick, so a file written just after
 * Date.now() may carry a change time a few milliseconds before it; 20 ms covers any tick rate.
 */
const CLOCK_SLACK_MS = 20;

/** Whether every input the index lists still has the hash it was bundled from, in folders whose entries did not change. */
function inputsUnchanged(root, index) {
  for (const [rel, hash, stamp, racy] of index.inputs) {
    if (contentHash(path.resolve(root, rel), [hash, stamp, racy]) !== hash) return false;
  }
  return foldersUnchanged(root, index.folders);
}

/**
 * A folder's stamp: adding, removing or renaming an entry in it moves its change time. A file
 * added beside an input can change what an import resolves to (lib.ts next to lib.js, a nearer
 * node_modules), so every input's folder is part of the key.
 */
function folderStamp(dir) {
  const st = fs.statSync(dir, { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.ctimeNs}` : '';
}

/** [folder, stamp] of every folder holding one of `files` (relative to `root`). */
function recordFolders(root, files) {
  const dirs = [...new Set(files.map((rel) => path.posix.dirname(rel)))].sort();
  return dirs.map((d) => [d, folderStamp(path.resolve(root, d))]);
}

function foldersUnchanged(root, folders) {
  return Array.isArray(folders) && folders.every(([d, stamp]) => folderStamp(path.resolve(root, d)) === stamp);
}

/**
 * What in the project decides how imports resolve and compile, besides the inputs themselves:
 * package.json, the lockfile, and tsconfig.json with the configs it extends (paths, jsx, ...).
 */
function settingsStamp(root) {
  const h = crypto.createHash('sha256');
  for (const f of ['package.json', 'package-lock.json']) h.update(`${f}\0${hashFile(path.join(root, f)) || ''}\0`);
  const seen = new Set();
  const config = (file) => {
    if (seen.has(file) || seen.size > 16) return;
    seen.add(file);
    h.update(`${file}\0${hashFile(file) || ''}\0`);
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    // Only the `extends` strings matter here; tsconfig allows comments, so no JSON.parse.
    for (const m of text.matchAll(/"extends"\s*:\s*(\[[^\]]*\]|"[^"]*")/g)) {
      for (const e of m[1].matchAll(/"([^"]+)"/g)) {
        let target;
        try {
          target = e[1].startsWith('.') ? path.resolve(path.dirname(file), e[1]) : require.resolve(e[1], { paths: [path.dirname(file)] });
        } catch {
          target = path.resolve(path.dirname(file), e[1]);
        }
        config(fs.existsSync(target) || target.endsWith('.json') ? target : `${target}.json`);
      }
    }
  };
  config(path.join(root, 'tsconfig.json'));
  return h.digest('hex');
}

/**
 * esbuild, loaded for its sync API without a worker thread: the worker esbuild starts for buildSync
 * pays for itself over many calls, and a command makes one or two (measured: 40-60 ms a cold run).
 * ESBUILD_WORKER_THREADS is read once, when esbuild loads; a value the user set is left alone.
 */
function loadEsbuild() {
  if (process.env.ESBUILD_WORKER_THREADS !== undefined) return require('esbuild');
  process.env.ESBUILD_WORKER_THREADS = '0';
  try {
    return require('esbuild');
  } finally {
    delete process.env.ESBUILD_WORKER_THREADS;
  }
}

function bundle(entry, outfile, root, external, sourcemap, shared) {
  const esbuild = loadEsbuild();
  const result = esbuild.buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // ajv is only needed to compile a schema that is not cached yet; esbuild and typescript are
    // big tools the command loads only when it needs them.
    // A path in `shared` matches after resolution: only an import of exactly that file stays out.
    external: ['ajv', 'ajv/*', 'esbuild', 'typescript', ...external, ...shared],
    logLevel: 'silent',
    metafile: true,
    sourcemap: sourcemap ? 'external' : false,
    // Module comments in the bundle are then relative to the project, whatever the cwd.
    absWorkingDir: root,
    // Every free reference to these names (never a word in a string or a comment, nor a local
    // of that name) becomes a marker that ownDirnames resolves module by module.
    define: { __dirname: DIRNAME_MARK, __filename: FILENAME_MARK },
  });
  // Bundling would make every module's __dirname and __filename the bundle's; give our sources
  // their own (the bundle is a local cache, so absolute paths are fine here). esbuild's sync API
  // takes no plugins, so the bundle marks each source's region and the names are fixed here.
  const inputs = Object.keys(result.metafile.inputs);
  const text = fs.readFileSync(outfile, 'utf8');
  fs.writeFileSync(outfile, ownDirnames(text, root, new Set(inputs)));
  return inputs;
}

/**
 * kamal-cdk's own modules, whose __dirname must stay their own (templates, caches): the project's
 * sources (outside any node_modules below the project root, wherever the project itself sits),
 * and the kamal-cdk package's compiled modules.
 */
function ownsDirname(file, root) {
  const inModules = path.relative(root, file).split(path.sep).includes('node_modules');
  if (!inModules) return /\.[cm]?[jt]sx?$/.test(file);
  return file.includes(`${path.sep}node_modules${path.sep}kamal-cdk${path.sep}`);
}

/**
 * What esbuild puts in place of a free `__dirname` / `__filename` (see bundle's `define`). Built,
 * not written: this file is bundled too, and the markers must appear in no bundle but as markers.
 */
const MARK = ['__kamal', 'Cdk'].join('');
const DIRNAME_MARK = `${MARK}Dirname__`;
const FILENAME_MARK = `${MARK}Filename__`;
const BUNDLE_NAMES = { dirname: '__dirname', filename: '__filename' };

/**
 * esbuild starts each bundled module with a `// <path relative to the working directory>` line;
 * within a module's region the markers of `__dirname` and `__filename` become that module's own
 * names, or the bundle's own `__dirname` and `__filename` in a package's module. Only a line that
 * names one of the bundle's `inputs` (esbuild's metafile) exactly starts a region: a path may hold
 * spaces or any extension, and a comment-like line inside a template literal names no input.
 */
function ownDirnames(text, root, inputs) {
  const out = [];
  // The names in this region, as JavaScript.
  let names = BUNDLE_NAMES;
  for (const line of text.split('\n')) {
    const m = line.startsWith('// ') && inputs.has(line.slice(3)) ? [line, line.slice(3)] : undefined;
    if (m) {
      // Decided once per module, not per line (a bundle has tens of thousands).
      const file = path.resolve(root, m[1]);
      names = ownsDirname(file, root) ? { dirname: JSON.stringify(path.dirname(file)), filename: JSON.stringify(file) } : BUNDLE_NAMES;
    }
    out.push(line.includes(MARK) ? line.split(DIRNAME_MARK).join(names.dirname).split(FILENAME_MARK).join(names.filename) : line);
  }
  return out.join('\n');
}

/**
 * The source map of a bundle, made when first asked for where the bundle was made without one
 * (maps cost a third of the bundling, and only an error shown to the user reads one): the entry
 * is bundled again with a map, which belongs to the bundle only if esbuild wrote the very same
 * code (the sources have not changed since); otherwise there is none. Returns the map's path.
 */
function sourceMapOf(entry, outfile, root, external, shared) {
  const map = `${outfile}.map`;
  if (fs.existsSync(map)) return map;
  const tmp = `${outfile.slice(0, -'.js'.length)}.${process.pid}.${Date.now()}.map.tmp.js`;
  try {
    bundle(entry, tmp, root, external, true, shared);
    if (fs.readFileSync(tmp, 'utf8') !== fs.readFileSync(outfile, 'utf8')) return undefined;
    fs.renameSync(`${tmp}.map`, map);
    return map;
  } catch {
    return undefined;
  } finally {
    rmQuietly(tmp);
    rmQuietly(`${tmp}.map`);
  }
}

/**
 * The path of the cached bundle of `entry` (absolute), bundling it first when any file that went
 * into the cached one has changed. Returns the bundle, the project root, and the inputs (relative
 * to the root) with their hashes, and `sourceMap()`, the path of its source map (made then if the
 * bundle was made without one; see sourceMapOf), and `shared`, the files it leaves to the caller
 * (options.shared, plus options.library.files when the library could be lent whole). The cache
 * folder is `options.cacheDir`, else the root's.
 */
function bundleEntry(entry, options = {}) {
  // esbuild resolves symlinks: its list of inputs is relative to the real folders, so the entry
  // and the root are taken by their real paths too (a project reached through a symlink).
  entry = realPath(entry);
  const root = realPath(options.root ? options.root : projectRootOf(path.dirname(entry)));
  const dir = path.join(options.cacheDir ? path.resolve(options.cacheDir) : cacheDirOf(root), 'bundles');
  const name = cacheName(root, entry);
  const indexFile = path.join(dir, `${name}.index.json`);
  const tools = `${toolStamp()}\0${settingsStamp(root)}`;
  const external = options.external || [];
  const lent = (files) => [...new Set((files || []).map((f) => path.resolve(f)))].sort();
  const packages = lent(options.shared);
  const library = options.library ? { files: lent(options.library.files), dirs: lent(options.library.dirs.map(realPath)) } : { files: [], dirs: [] };
  // What the caller offered decides whether a cached bundle may serve; what the bundle leaves
  // out (the packages, and the library when it could be lent whole) is recorded beside it.
  const offered = { packages, library };
  // Maps cost a third of the bundling; only bundles whose errors are shown to users need one.
  const sourcemap = options.sourcemap !== false;
  const index = readIndex(indexFile);
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  if (index && index.settled !== false && index.tools === tools && same(index.external, external) && same(index.offered, offered) && Array.isArray(index.shared) && index.sourcemap === sourcemap) {
    const outfile = path.join(dir, index.bundle);
    const shared = index.shared;
    if (fs.existsSync(outfile) && inputsUnchanged(root, index)) return { file: outfile, root, inputs: index.inputs, shared, cached: true, sourceMap: () => sourceMapOf(entry, outfile, root, external, shared) };
  }

  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `${name}.${process.pid}.${Date.now()}.tmp.js`);
  const started = Date.now();
  let inputs;
  let shared = [...packages, ...library.files].sort();
  try {
    const now = Date.now();
    let files = bundle(entry, tmp, root, external, sourcemap, shared);
    if (library.files.length > 0 && files.some((rel) => library.dirs.some((d) => isWithin(path.resolve(root, rel), d)))) {
      shared = packages;
      files = bundle(entry, tmp, root, external, sourcemap, shared);
    }
    inputs = files.map((rel) => [rel.split(path.sep).join('/'), ...recordFile(path.resolve(root, rel), now)]);
  } catch (e) {
    rmQuietly(tmp);
    rmQuietly(`${tmp}.map`);
    throw e;
  }
  inputs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const digest = sha(`${tools}\0${JSON.stringify(external)}\0${JSON.stringify(shared)}\0${sourcemap}\0${JSON.stringify(inputs.map(([rel, hash]) => [rel, hash]))}`).slice(0, 24);
  const bundleName = `${name}-${digest}.js`;
  const outfile = path.join(dir, bundleName);
  // The map names the temp file; point it at the bundle's name before the bundle is visible under
  // it, so a concurrent run never reads a half-rewritten file.
  if (sourcemap) {
    fs.writeFileSync(tmp, fs.readFileSync(tmp, 'utf8').replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${bundleName}.map\n`));
    fs.renameSync(`${tmp}.map`, `${outfile}.map`);
  }
  fs.renameSync(tmp, outfile);
  const folders = recordFolders(root, inputs.map(([rel]) => rel));
  // A bundle with an input written while esbuild read it serves this run, but its index says it
  // is unsettled: never reused (the next run bundles again), it still names the inputs (for watch).
  const settled = inputs.every(([rel, hash]) => settledSince(path.resolve(root, rel), hash, started));
  const tmpIndex = `${indexFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmpIndex, JSON.stringify({ version: INDEX_VERSION, tools, external, offered, shared, sourcemap, bundle: bundleName, settled, inputs, folders }));
  fs.renameSync(tmpIndex, indexFile);
  if (settled) {
    // Bundles of older inputs go once they are a minute old: another run may have just renamed one
    // into place and not read it yet.
    for (const old of fs.readdirSync(dir)) {
      if (!old.startsWith(`${name}-`) || old.startsWith(bundleName) || old.includes('.tmp')) continue;
      const st = fs.statSync(path.join(dir, old), { throwIfNoEntry: false });
      if (st && st.mtimeMs < Date.now() - 60_000) rmQuietly(path.join(dir, old));
    }
  }
  return { file: outfile, root, inputs, shared, cached: false, sourceMap: () => sourceMapOf(entry, outfile, root, external, shared) };
}

/**
 * The `require` to run a bundle made with `shared` files under: esbuild names a shared file by its
 * path relative to the bundle's folder, and that exact name gets the lender's instance (`lend` maps
 * the file's absolute path to a function that returns it). Every other name goes to `base`.
 */
function requireLending(bundleFile, lend, base) {
  const names = new Map();
  for (const [file, load] of lend) {
    const rel = path.relative(path.dirname(bundleFile), file).split(path.sep).join('/');
    names.set(rel.startsWith('../') ? rel : `./${rel}`, load);
  }
  const req = (id) => {
    const load = names.get(id);
    return load ? load() : base(id);
  };
  return Object.assign(req, { resolve: base.resolve, cache: base.cache, extensions: base.extensions, main: base.main });
}

/**
 * The name of an entry's cache files: its path in the project, and which project (a cache folder
 * given by KAMAL_CDK_CACHE_DIR may serve several; a bundle holds the absolute paths of its sources).
 */
function cacheName(root, entry) {
  const realRoot = realPath(root);
  return `${path.relative(realRoot, realPath(entry)).replace(/[^A-Za-z0-9]+/g, '_')}.${sha(realRoot).slice(0, 8)}`;
}

/** The path with every symlink resolved (as esbuild and Node resolve modules); as given, made absolute, when it does not exist. */
function realPath(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Whether `file` is `dir` or inside it (both absolute). */
function isWithin(file, dir) {
  const rel = path.relative(dir, file);
  return rel === '' || (rel.split(path.sep)[0] !== '..' && !path.isAbsolute(rel));
}

function rmQuietly(file) {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

/** The path of the cached bundle of `entry` (compatibility with the render worker). */
function bundledFile(entry) {
  return bundleEntry(entry).file;
}

module.exports = { bundleEntry, bundledFile, requireLending, projectRootOf, cacheDirOf, packageCacheDir, cacheName, hashFile, contentHash, recordFile, recordFolders, foldersUnchanged, settledSince, unchangedSince, statStamp };
