#!/usr/bin/env node
'use strict';
/**
 * `npm ci` and `npm install` in a checkout of kamal-cdk run this (the prepare script): it bundles
 * the command's TypeScript sources, as bin/kamal-cdk.js would on its first run, so that a fresh
 * clone's first `npm run synth` or `check` finds its command made. (npm does not run it where the
 * package is installed as a dependency: there the first run bundles lib/cli.) It only fills a
 * cache: the bundle is checked against its sources on every run and made again when they changed.
 * If it can't be made here, install goes on and the first command makes it.
 */
const { cliBundle } = require('../bin/cli-bundle.js');

try {
  const bundle = cliBundle();
  if (bundle) process.stdout.write(`prepare: the kamal-cdk command is ${bundle.cached ? 'already bundled' : 'bundled'}\n`);
} catch (e) {
  process.stderr.write(`prepare: could not bundle the kamal-cdk command now (${e && e.message ? e.message.split('\n')[0] : e}); its first run will\n`);
}
