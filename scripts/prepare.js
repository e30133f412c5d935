#!/usr/bin/env node
'use strict';
/**
 * `npm ci` and `npm install` in a checkout of kamal-cdk run this (the prepare script): it bundles
 * the command's TypeScript sources, as bin/kamal-cdk.js would on its first run, and compiles the
 * bundle once for its code cache, so that a fresh clone's first `npm run synth` or `check` finds
 * its command made and parsed. (npm does not run it where the package is installed as a
 * dependency: there the first run bundles lib/cli.) It only fills caches: the bundle is checked
 * against its sources, and the code cache against the bundle, on every run, and made again when
 * they changed. If it can't be made here, install goes on and the first command makes it.
 */
const { cliBundle, engineModule } = require('../bin/cli-bundle.js');

let bundle;
try {
  bundle = cliBundle();
  process.stdout.write(`prepare: the kamal-cdk command is ${bundle.cached ? 'already bundled' : 'bundled'}\n`);
} catch (e) {
  process.stderr.write(`prepare: could not bundle the kamal-cdk command now (${firstLine(e)}); its first run will\n`);
}
if (bundle) {
  try {
    engineModule('code-cache.js').primeCodeCache(bundle.file);
  } catch (e) {
    process.stderr.write(`prepare: could not save the command's code cache now (${firstLine(e)}); its first run will\n`);
  }
}

function firstLine(e) {
  return e && e.message ? e.message.split('\n')[0] : String(e);
}
