#!/usr/bin/env node
'use strict';
/**
 * The kamal-cdk command: its bundle (bin/cli-bundle.js), made from the compiled lib/cli in the
 * installed package and from the TypeScript sources in a checkout of kamal-cdk itself. Plain
 * JavaScript: it runs before anything can transpile TypeScript.
 */
const { cliBundle, engineModule, isCheckout, JS_SOURCE } = require('./cli-bundle.js');

/** The commands (cli/index.ts COMMANDS), each of which takes its own path through the command's code. */
const COMMANDS = ['synth', 'check', 'diff', 'config', 'init', 'watch', 'validate', 'import'];

/** Which path through the command's code this run takes, for its code cache (src/code-cache.js). */
function cacheTag(first) {
  return COMMANDS.includes(first) ? first : 'other';
}

function loadCli() {
  let bundle;
  try {
    bundle = cliBundle();
  } catch (e) {
    // The installed package can run lib/cli as it is (say, its cache folder is read-only); a
    // checkout has nothing else to run.
    if (isCheckout()) throw e;
  }
  if (!bundle) return require(JS_SOURCE);
  // Run as the entry itself, so that its require() of packages left out of the bundle resolves
  // from the package, wherever the cache folder is.
  return engineModule('code-cache.js').loadWithCodeCache(bundle.file, { exports: {}, filename: bundle.source }, undefined, undefined, cacheTag(process.argv[2]));
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
