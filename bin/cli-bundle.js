'use strict';
/**
 * The kamal-cdk command's own bundle, when it runs from a checkout of kamal-cdk (cli/ is there as
 * TypeScript): esbuild bundles cli/index.ts once, cached by content like every bundle (see
 * src/bundle-cache.js). Used by bin/kamal-cdk.js to run the command, and by scripts/prepare.js,
 * which `npm ci` runs, so that a fresh clone's first command finds it made. The installed package
 * has lib/cli instead and never bundles. Plain JavaScript: it runs before anything can transpile
 * TypeScript.
 */
const fs = require('fs');
const path = require('path');

const PACKAGE = path.resolve(__dirname, '..');
const SOURCE = path.join(PACKAGE, 'cli', 'index.ts');

/** The bundle of the command's sources ({ file, cached }), or undefined outside a checkout. */
function cliBundle() {
  if (!fs.existsSync(SOURCE)) return undefined;
  const { bundleEntry } = require('../src/bundle-cache.js');
  // No source map: the command's own errors are reported as messages; only the estate's bundle
  // maps errors to the user's lines.
  return bundleEntry(SOURCE, { root: PACKAGE, sourcemap: false });
}

module.exports = { cliBundle, SOURCE };
