#!/usr/bin/env node
'use strict';
/**
 * Builds the package: lib/ with JavaScript and declarations from src/, constructs/ and cli/
 * (tsc -p tsconfig.build.json), plus the files that are not TypeScript (the launcher's plain
 * JavaScript, templates). Run by `npm pack` (prepack) and `npm run build`.
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');

fs.rmSync(LIB, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
if (tsc.status !== 0) {
  process.exitCode = tsc.status || 1;
  return;
}
// Every file of the library that tsc does not emit: plain JavaScript and templates.
const walk = (dir) => {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) walk(rel);
    else if (!/\.ts$/.test(e.name) && !/\.md$/.test(e.name)) {
      fs.mkdirSync(path.dirname(path.join(LIB, rel)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, rel), path.join(LIB, rel));
    }
  }
};
for (const dir of ['src', 'constructs', 'cli']) walk(dir);
process.stdout.write(`build: ${path.relative(process.cwd(), LIB) || 'lib'}/ written\n`);
