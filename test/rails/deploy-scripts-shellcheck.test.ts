/**
 * The generated deploy scripts, checked by the real ShellCheck (Debian's shellcheck, installed by
 * npm test): what bash will run is free of the mistakes ShellCheck knows.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KamalDeploy } from '../../constructs/kamal';
import { KamalDeployScripts } from '../../constructs/rails';
import { buildEstate as buildMultiHost } from '../../examples/multi-host/synth';
import { App, Erb, Testing } from '../../src';
import { buildEstate } from '../../synth';
import { requireTool } from '../support/real-tools';

const SHELLCHECK = '/usr/bin/shellcheck';

/** Every executable file of a synth, run through ShellCheck at its strictest severity. */
function shellcheckScripts(app: App): Array<{ path: string; status: number | null; output: string }> {
  const scripts = Testing.synthesize(app).files.filter((f) => f.executable);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-shellcheck-'));
  try {
    return scripts.map((f) => {
      const file = path.join(dir, path.basename(f.path));
      fs.writeFileSync(file, f.content, { mode: 0o755 });
      const r = spawnSync(SHELLCHECK, ['--severity=style', '--format=gcc', file], { encoding: 'utf8', timeout: 30_000 });
      return { path: f.path, status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('every generated shell script passes ShellCheck with no finding at all', () => {
  // GIVEN
  requireTool(SHELLCHECK, 'shellcheck');
  const app = Testing.app();
  buildEstate(app);
  // WHEN
  const results = shellcheckScripts(app);
  // THEN
  expect(results.map((r) => r.path).sort()).toEqual(['deploy_production.sh', 'deploy_staging.sh', 'setup_production.sh', 'setup_staging.sh']);
  expect(results).toEqual(results.map((r) => ({ path: r.path, status: 0, output: '' })));
});

test('the other script shapes pass ShellCheck too: hosts written as addresses (the multi-host example), and several addresses', () => {
  // GIVEN
  requireTool(SHELLCHECK, 'shellcheck');
  const multiHost = Testing.app();
  buildMultiHost(multiHost);
  const several = Testing.app();
  const deploy = new KamalDeploy(several, 'tools', {
    service: 'tools',
    file: 'config/deploy.tools.yml',
    image: 'acme/tools',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
    // ADDRESSES is the name the scripts would hold the runner's lines in: they must pick another.
    roles: { web: { hosts: [Erb.env('WEB_HOST'), Erb.env('ADDRESSES')] }, jobs: { hosts: [Erb.env('JOBS_HOST')] } },
  });
  const scripts = new KamalDeployScripts(several, 'scripts', { deploy, serverAddressCredentials: { WEB_HOST: 'kamal.web_ip', ADDRESSES: 'kamal.web2_ip', JOBS_HOST: 'servers.jobs.address' } });
  // WHEN
  const results = [...shellcheckScripts(multiHost), ...shellcheckScripts(several)];
  const text = Testing.synth(several)['deploy_tools.sh'];
  // THEN
  expect(Testing.synth(multiHost)['deploy_production.sh']).not.toContain('bin/rails');
  expect(scripts.serverAddresses().map((a) => a.variable)).toEqual(['ADDRESSES', 'JOBS_HOST', 'WEB_HOST']);
  expect(text).toContain('\n_ADDRESSES="$(bin/rails runner ');
  expect(text).toContain('\nADDRESSES="$(sed -n \'1s/^kamal-cdk://p\' <<<"${_ADDRESSES}")"\n');
  expect(results.map((r) => r.path)).toEqual(['deploy_production.sh', 'setup_production.sh', 'deploy_tools.sh', 'setup_tools.sh']);
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
