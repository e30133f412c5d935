#!/usr/bin/env node
'use strict';
/**
 * The kamal-cdk command. From the installed package it runs the compiled CLI (lib/cli); from a
 * checkout of kamal-cdk itself it bundles the CLI's TypeScript sources first (cached by content,
 * like every bundle; see src/bundle-cache.js). Plain JavaScript: it runs before anything can
 * transpile TypeScript.
 */
const { cliBundle, SOURCE } = require('./cli-bundle.js');

function loadCli() {
  const bundle = cliBundle();
  if (bundle) {
    const { loadWithCodeCache } = require('../src/code-cache.js');
    // Run as the source file itself, so that its require() of packages left out of the bundle
    // resolves from the checkout, wherever the cache folder is.
    return loadWithCodeCache(bundle.file, { exports: {}, filename: SOURCE });
  }
  return require('../lib/cli/index.js');
}

// A reader that goes away (`kamal-cdk validate | head -1`) ends the output, not the command: what
// is left to print is dropped, and the command still finishes and exits with its own code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (!e || e.code !== 'EPIPE') throw e;
    stream.write = () => true;
  });
}

loadCli()
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    process.stderr.write(`error: kamal-cdk crashed: ${e && e.stack ? e.stack : e}\n`);
    process.exitCode = 1;
  });
