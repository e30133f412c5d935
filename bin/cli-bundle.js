'use strict';
/**
 * The kamal-cdk command's own bundle: esbuild bundles the command with its imports into one file,
 * cached by content like every bundle (see src/bundle-cache.js), which loads with a V8 code cache
 * instead of resolving and compiling a few hundred modules on every run. In a checkout of
 * kamal-cdk it is made from the TypeScript sources (cli/index.ts); in the installed package from
 * the compiled lib/cli/index.js. Used by bin/kamal-cdk.js to run the command, and by
 * scripts/prepare.js, which `npm ci` runs in a checkout. Plain JavaScript: it runs before anything
 * can transpile TypeScript.
 */
const fs = require('fs');
const path = require('path');

const PACKAGE = path.resolve(__dirname, '..');
const TS_SOURCE = path.join(PACKAGE, 'cli', 'index.ts');
const JS_SOURCE = path.join(PACKAGE, 'lib', 'cli', 'index.js');

/** Whether this is a checkout of kamal-cdk (the command's TypeScript sources are here). */
function isCheckout() {
  return fs.existsSync(TS_SOURCE);
}

/** One of the engine's plain JavaScript modules: src/ in a checkout, lib/src/ in the package. */
function engineModule(name) {
  return require(path.join(PACKAGE, isCheckout() ? 'src' : path.join('lib', 'src'), name));
}

/**
 * The bundle of the command ({ file, cached, source }): `source` is the entry it was made from,
 * which the bundle runs as. Throws when it can't be made (the cache folder can't be written).
 */
function cliBundle() {
  const source = isCheckout() ? TS_SOURCE : JS_SOURCE;
  const { bundleEntry, packageCacheDir } = engineModule('bundle-cache.js');
  // No source map: the command's own errors are reported as messages; only the estate's bundle
  // maps errors to the user's lines.
  return { ...bundleEntry(source, { root: PACKAGE, sourcemap: false, cacheDir: packageCacheDir(PACKAGE) }), source };
}

module.exports = { cliBundle, engineModule, isCheckout, JS_SOURCE };
