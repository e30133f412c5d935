/**
 * The generated deploy scripts, checked by the real ShellCheck (Debian's shellcheck, installed by
 * npm test): what bash will run is free of the mistakes ShellCheck knows.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from '../../src';
import { buildEstate } from '../../synth';
import { requireTool } from '../support/real-tools';

const SHELLCHECK = '/usr/bin/shellcheck';

test('every generated shell script passes ShellCheck with no finding at all', () => {
  // GIVEN
  requireTool(SHELLCHECK, 'shellcheck');
  const app = Testing.app();
  buildEstate(app);
  const scripts = Testing.synthesize(app).files.filter((f) => f.executable);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-shellcheck-'));
  // WHEN
  const results = scripts.map((f) => {
    const file = path.join(dir, path.basename(f.path));
    fs.writeFileSync(file, f.content, { mode: 0o755 });
    const r = spawnSync(SHELLCHECK, ['--severity=style', '--format=gcc', file], { encoding: 'utf8', timeout: 30_000 });
    return { path: f.path, status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
  });
  fs.rmSync(dir, { recursive: true, force: true });
  // THEN
  expect(scripts.map((f) => f.path).sort()).toEqual(['deploy_production.sh', 'deploy_staging.sh', 'setup_production.sh', 'setup_staging.sh']);
  expect(results).toEqual(results.map((r) => ({ path: r.path, status: 0, output: '' })));
});

test('ShellCheck really reports a broken script (the check above can fail)', () => {
  // GIVEN
  requireTool(SHELLCHECK, 'shellcheck');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-shellcheck-'));
  const file = path.join(dir, 'bad.sh');
  fs.writeFileSync(file, '#!/usr/bin/env bash\nexport X=$(false)\necho $X\n', { mode: 0o755 });
  // WHEN
  const r = spawnSync(SHELLCHECK, ['--severity=style', '--format=gcc', file], { encoding: 'utf8', timeout: 30_000 });
  fs.rmSync(dir, { recursive: true, force: true });
  // THEN
  expect(r.status).not.toBe(0);
  expect(r.stdout).toContain('SC2155');
});
