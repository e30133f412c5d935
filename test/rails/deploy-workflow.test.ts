import * as fs from 'fs';
import * as path from 'path';
import { KamalSecrets, SecretSource } from '../../constructs/kamal';
import { DeployWorkflow, KamalDeployScripts } from '../../constructs/rails';
import { App, Erb, JsonPatch, parseYaml, Testing } from '../../src';
import { synthIn, tempDir } from '../engine/helpers';
import { guideEstate, toolsDeploy } from './deploy-fixture';

function stagingWorkflow(app: App = Testing.app()) {
  const e = guideEstate(app);
  const scripts = new KamalDeployScripts(e.estate, 'staging-scripts', { destination: e.staging });
  const workflow = new DeployWorkflow(e.estate, 'staging-workflow', { scripts, secrets: e.secrets, triggers: { pushBranches: ['main'], manual: true } });
  return { ...e, scripts, workflow };
}

/** Overrides the deploy step the way a user would: overrides address maps, so the whole steps list is replaced. */
function editDeployStep(workflow: DeployWorkflow, edit: (step: any) => void): void {
  const steps = structuredClone(workflow.file.workflow().jobs.deploy.steps!);
  edit(steps.find((s) => s.id === 'deploy'));
  workflow.file.addOverride('jobs.deploy.steps', steps);
}

const readWorkflow = (app: App, file = 'deploy-staging.yml'): any => parseYaml(Testing.synth(app)[`.github/workflows/${file}`]);
const deployStep = (doc: any) => doc.jobs.deploy.steps.find((s: any) => s.id === 'deploy');

test('staging deploys on pushes to main and by hand; production only by hand', () => {
  // GIVEN
  const { app, estate, production, secrets } = stagingWorkflow();
  const scripts = new KamalDeployScripts(estate, 'production-scripts', { destination: production });
  new DeployWorkflow(estate, 'production-workflow', { scripts, secrets, triggers: { manual: true } });

  // WHEN
  const staging = readWorkflow(app);
  const prod = readWorkflow(app, 'deploy-production.yml');

  // THEN
  expect(staging.on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: {} });
  expect(prod.on).toEqual({ workflow_dispatch: {} });
  expect(staging.name).toBe('Deploy staging');
  expect(prod.name).toBe('Deploy production');
});

test('the job follows the page: checkout, Ruby with the bundle, SSH key, Docker Buildx, then the deploy script', () => {
  // GIVEN
  const { app } = stagingWorkflow();

  // WHEN
  const text = Testing.synth(app)['.github/workflows/deploy-staging.yml'];
  const steps = (parseYaml(text) as any).jobs.deploy.steps;

  // THEN
  expect(steps.map((s: any) => s.uses ?? s.id ?? s.run)).toEqual([
    'actions/checkout@v4',
    'ruby/setup-ruby@v1',
    'webfactory/ssh-agent@v0.9.1',
    'pin-host-keys',
    'docker/setup-buildx-action@v3',
    'deploy',
  ]);
  expect(steps[1].with).toEqual({ 'bundler-cache': true });
  expect(steps[2].with).toEqual({ 'ssh-private-key': '${{ secrets.SSH_PRIVATE_KEY }}' });
  expect(text).toMatchSnapshot();
});

test('one deploy per destination at a time, never cancelled midway; read-only token; a timeout', () => {
  // GIVEN
  const { app } = stagingWorkflow();

  // WHEN
  const doc = readWorkflow(app);

  // THEN
  expect(doc.concurrency).toEqual({ group: 'deploy-staging', 'cancel-in-progress': false });
  expect(doc.permissions).toEqual({ contents: 'read' });
  expect(doc.jobs.deploy['timeout-minutes']).toBe(30);
});

test('the job runs in the destination\'s GitHub environment, with the URL of the config\'s proxy host', () => {
  // GIVEN
  const { app } = stagingWorkflow();

  // WHEN
  const doc = readWorkflow(app);

  // THEN
  expect(doc.jobs.deploy.environment).toEqual({ name: 'staging', url: 'https://guide-stg.example.com' });
});

test('the deploy step gets every variable the secrets files read for the destination, plus RAILS_MASTER_KEY, from GitHub secrets', () => {
  // GIVEN
  const { app, secrets } = stagingWorkflow();

  // WHEN
  const env = deployStep(readWorkflow(app)).env;

  // THEN
  const expected = [...new Set(['RAILS_MASTER_KEY', ...secrets.envVariablesRead('staging')])].sort();
  expect(Object.keys(env)).toEqual(expected);
  expect(Object.keys(env)).toEqual(['BASIC_AUTH_PASSWORD', 'BASIC_AUTH_USERNAME', 'KAMAL_REGISTRY_PASSWORD', 'POSTGRES_PASSWORD', 'RAILS_MASTER_KEY']);
  for (const [name, value] of Object.entries(env)) expect(value).toBe(`\${{ secrets.${name} }}`);
});

test('the secrets reach the deploy step only: no workflow or job env, nothing for the actions before it', () => {
  // GIVEN
  const { app } = stagingWorkflow();

  // WHEN
  const doc = readWorkflow(app);

  // THEN
  expect(doc.env).toBeUndefined();
  expect(doc.jobs.deploy.env).toBeUndefined();
  expect(doc.jobs.deploy.steps.filter((s: any) => s.uses).every((s: any) => s.env === undefined)).toBe(true);
  expect(doc.jobs.deploy.steps.find((s: any) => s.id === 'pin-host-keys').env).toEqual({ SSH_KNOWN_HOSTS: '${{ vars.SSH_KNOWN_HOSTS }}' });
});

describe('the host keys are pinned before any SSH', () => {
  const pinStep = (doc: any) => doc.jobs.deploy.steps.find((s: any) => s.id === 'pin-host-keys');

  test('known_hosts comes from a variable, is checked, added, and StrictHostKeyChecking is put first in ~/.ssh/config', () => {
    // GIVEN
    const { app } = stagingWorkflow();

    // WHEN
    const doc = readWorkflow(app);
    const steps = doc.jobs.deploy.steps;
    const run: string = pinStep(doc).run;

    // THEN
    expect(steps.findIndex((s: any) => s.id === 'pin-host-keys')).toBeLessThan(steps.findIndex((s: any) => s.id === 'deploy'));
    expect(run).toContain('test -n "$SSH_KNOWN_HOSTS" || { echo "::error::the variable SSH_KNOWN_HOSTS is empty');
    expect(run).toContain('ssh-keygen -l -f "$RUNNER_TEMP/known_hosts" > /dev/null || {');
    expect(run).toContain('cat "$RUNNER_TEMP/known_hosts" >> ~/.ssh/known_hosts');
    expect(run).toContain("{ printf 'Host *\\n  StrictHostKeyChecking yes\\n\\n'; cat ~/.ssh/config 2> /dev/null || true; }");
  });

  test('a secret can hold them instead', () => {
    // GIVEN
    const app = Testing.app();
    const e = guideEstate(app);
    const scripts = new KamalDeployScripts(e.estate, 'staging-scripts', { destination: e.staging });
    new DeployWorkflow(e.estate, 'staging-workflow', { scripts, secrets: e.secrets, triggers: { manual: true }, knownHosts: { secret: 'STAGING_HOST_KEYS' } });

    // THEN
    expect(pinStep(readWorkflow(app)).env).toEqual({ SSH_KNOWN_HOSTS: '${{ secrets.STAGING_HOST_KEYS }}' });
    expect(() => new DeployWorkflow(e.estate, 'other', { scripts, secrets: e.secrets, triggers: { manual: true }, fileName: 'x.yml', knownHosts: { variable: 'GITHUB_KEYS' } })).toThrow(
      "[estate/other] knownHosts 'GITHUB_KEYS' can't be a GitHub variable name: names starting with GITHUB_ are reserved by GitHub",
    );
  });

  test.each([
    ['removing the pin step', (w: DeployWorkflow) => editSteps(w, (steps) => steps.filter((s: any) => s.id !== 'pin-host-keys')), "does not pin the hosts' SSH keys before the deploy step (step 'pin-host-keys'), so Kamal would trust whatever key answers; remove the override that changed it"],
    ['moving it after the deploy', (w: DeployWorkflow) => editSteps(w, (steps) => [...steps.filter((s: any) => s.id !== 'pin-host-keys'), steps.find((s: any) => s.id === 'pin-host-keys')]), "does not pin the hosts' SSH keys before the deploy step"],
    ['emptying its known_hosts', (w: DeployWorkflow) => w.file.addOverride('jobs.deploy.steps.3.env.SSH_KNOWN_HOSTS', ''), "step 'pin-host-keys' reads no known_hosts lines (SSH_KNOWN_HOSTS is not set)"],
    ['turning checking off', (w: DeployWorkflow) => w.file.addJsonPatch(JsonPatch.add('/jobs/deploy/steps/4', { name: 'relax', run: 'echo "StrictHostKeyChecking no" >> ~/.ssh/config' })), 'step relax turns SSH host key checking off'],
    ['scanning keys at deploy time', (w: DeployWorkflow) => w.file.addOverride('jobs.deploy.steps.4', { id: 'scan', run: 'ssh-keyscan 10.0.0.1 >> ~/.ssh/known_hosts' }), 'step scan scans host keys at deploy time, trusting whatever key answers'],
  ])('%s through an override fails synth', (_name, edit, message) => {
    // GIVEN
    const { app, workflow } = stagingWorkflow();

    // WHEN
    edit(workflow);

    // THEN
    expect(Testing.errors(app)).toContainEqual(expect.stringContaining(`error [estate/staging-workflow] .github/workflows/deploy-staging.yml ${message}`));
  });

  test("a config that keeps Kamal from reading ~/.ssh/config fails synth: the pin would not apply", () => {
    // GIVEN
    const { app, rails } = stagingWorkflow();

    // WHEN
    rails.deploy.addOverride('ssh.config', false, 'staging');

    // THEN
    expect(Testing.errors(app)).toContainEqual(
      expect.stringContaining('sets ssh.config to false, so Kamal does not read ~/.ssh/config, where .github/workflows/deploy-staging.yml turns on StrictHostKeyChecking; remove ssh.config or include ~/.ssh/config'),
    );
  });
});

/** Replaces the steps list with an edited copy, the way a user would. */
function editSteps(workflow: DeployWorkflow, edit: (steps: any[]) => any[]): void {
  workflow.file.addOverride('jobs.deploy.steps', edit(structuredClone(workflow.file.workflow().jobs.deploy.steps!)));
}

test('the server address is not a workflow secret: the script reads it from the credentials', () => {
  // GIVEN
  const { app, scripts } = stagingWorkflow();

  // WHEN
  const env = deployStep(readWorkflow(app)).env;

  // THEN
  expect(scripts.serverAddresses()).toEqual([{ variable: 'KAMAL_SERVER_IP_ADDRESS', credential: 'kamal.server_ip' }]);
  expect(env).not.toHaveProperty('KAMAL_SERVER_IP_ADDRESS');
  expect(env.RAILS_MASTER_KEY).toBe('${{ secrets.RAILS_MASTER_KEY }}');
});

/** config/deploy.tools.yml (no destinations) on the hosts given, its scripts and workflow, and secrets files reading only SMTP_PASSWORD. */
function toolsWorkflow(hosts: { readonly web: string; readonly jobs: string }, serverAddressCredentials?: Record<string, string>) {
  const app = Testing.app();
  const deploy = toolsDeploy(app, hosts);
  const secrets = new KamalSecrets(app, 'secrets', { withoutDestination: { SMTP_PASSWORD: SecretSource.env() } });
  const scripts = new KamalDeployScripts(app, 'scripts', { deploy, serverAddressCredentials });
  const workflow = new DeployWorkflow(app, 'workflow', { scripts, secrets, triggers: { manual: true } });
  return { app, deploy, secrets, scripts, workflow };
}

test('for hosts written as addresses the workflow passes RAILS_MASTER_KEY only when the secrets files read it: nothing reads the credentials', () => {
  // GIVEN
  const { app, scripts, secrets } = toolsWorkflow({ web: '192.0.2.10', jobs: '192.0.2.11' });

  // WHEN
  const before = deployStep(readWorkflow(app, 'deploy-tools.yml')).env;
  secrets.addWithoutDestination('RAILS_MASTER_KEY', SecretSource.env());
  const after = deployStep(readWorkflow(app, 'deploy-tools.yml')).env;

  // THEN
  expect(scripts.serverAddresses()).toEqual([]);
  expect(secrets.envVariablesRead()).toEqual(['RAILS_MASTER_KEY', 'SMTP_PASSWORD']);
  expect(Object.keys(before)).toEqual(['SMTP_PASSWORD']);
  expect(Object.keys(after)).toEqual(['RAILS_MASTER_KEY', 'SMTP_PASSWORD']);
  expect(Testing.errors(app)).toEqual([]);
});

test('every variable the scripts export counts as set; another ERB variable must still be set by the workflow', () => {
  // GIVEN
  const { app, deploy, scripts } = toolsWorkflow({ web: Erb.env('WEB_HOST'), jobs: Erb.env('JOBS_HOST') }, { WEB_HOST: 'kamal.web_ip', JOBS_HOST: 'kamal.jobs_ip' });

  // WHEN
  const env = deployStep(readWorkflow(app, 'deploy-tools.yml')).env;
  const before = Testing.errors(app);
  deploy.addOverride('labels.release', Erb.env('RELEASE_NAME'));
  const after = Testing.errors(app);

  // THEN
  expect(scripts.serverAddresses().map((a) => a.variable)).toEqual(['JOBS_HOST', 'WEB_HOST']);
  expect(Object.keys(env)).toEqual(['RAILS_MASTER_KEY', 'SMTP_PASSWORD']);
  expect(before).toEqual([]);
  expect(after).toEqual([
    "error [workflow] config/deploy.tools.yml reads RELEASE_NAME through ERB (/labels/release), but neither ./deploy_tools.sh nor .github/workflows/deploy-tools.yml sets it, so Kamal would render it empty; set it in the workflow's env or stop reading it",
  ]);
});

test('a secret added to the secrets files after the workflow is declared appears in its env', () => {
  // GIVEN
  const { app, secrets } = stagingWorkflow();
  secrets.addCommon('SMTP_PASSWORD', SecretSource.env());
  secrets.addForDestination('staging', 'SENTRY_DSN', SecretSource.env('STAGING_SENTRY_DSN'));
  secrets.addForDestination('production', 'ONLY_IN_PRODUCTION', SecretSource.env());
  secrets.addCommon('FROM_A_FILE', SecretSource.command('cat config/some.key'));

  // WHEN
  const env = deployStep(readWorkflow(app)).env;

  // THEN
  expect(env.SMTP_PASSWORD).toBe('${{ secrets.SMTP_PASSWORD }}');
  expect(env.STAGING_SENTRY_DSN).toBe('${{ secrets.STAGING_SENTRY_DSN }}');
  expect(env).not.toHaveProperty('SENTRY_DSN');
  expect(env).not.toHaveProperty('ONLY_IN_PRODUCTION');
  expect(env).not.toHaveProperty('FROM_A_FILE');
});

test('a workflow env missing a secret the secrets files read fails synth, naming the workflow and the secret, and writes nothing', () => {
  // GIVEN
  const outdir = path.join(tempDir('kamal-cdk-deploy-workflow-'), 'out');

  // WHEN
  const run = synthIn(outdir, [], (app) => {
    const { workflow } = stagingWorkflow(app);
    editDeployStep(workflow, (step) => delete step.env.POSTGRES_PASSWORD);
  });

  // THEN
  expect(run.exitCode).toBe(1);
  expect(run.stderr).toContain(
    'error [estate/staging-workflow] .github/workflows/deploy-staging.yml does not pass POSTGRES_PASSWORD to ./deploy_staging.sh, ' +
    'but .kamal/secrets-common and .kamal/secrets.staging read it, and Kamal would deploy it empty; pass it as ${{ secrets.POSTGRES_PASSWORD }}',
  );
  expect(fs.existsSync(outdir)).toBe(false);
});

test('RAILS_MASTER_KEY reaches the script even when the secrets files take the master key from another variable', () => {
  // GIVEN
  const app = Testing.app();
  const e = guideEstate(app);
  // The secrets files read MASTER_KEY for Kamal's RAILS_MASTER_KEY secret; bin/rails still reads RAILS_MASTER_KEY.
  e.secrets.addCommon('RAILS_MASTER_KEY', SecretSource.env('MASTER_KEY'));
  const scripts = new KamalDeployScripts(e.estate, 'scripts', { destination: e.production });
  const workflow = new DeployWorkflow(e.estate, 'workflow', { scripts, secrets: e.secrets, triggers: { manual: true } });

  // WHEN
  const env = deployStep(readWorkflow(app, 'deploy-production.yml')).env;
  editDeployStep(workflow, (step) => delete step.env.RAILS_MASTER_KEY);
  const errors = Testing.errors(app);

  // THEN
  expect(Object.keys(env)).toEqual(['KAMAL_REGISTRY_PASSWORD', 'MASTER_KEY', 'POSTGRES_PASSWORD', 'RAILS_MASTER_KEY']);
  expect(errors).toEqual([
    'error [estate/workflow] .github/workflows/deploy-production.yml does not pass RAILS_MASTER_KEY to ./deploy_production.sh, but bin/rails reads the credentials with it; pass it as ${{ secrets.RAILS_MASTER_KEY }}',
  ]);
});

test('a secret set to a value written in the workflow fails synth: values come from GitHub\'s secret store', () => {
  // GIVEN
  const { app, workflow } = stagingWorkflow();
  workflow.file.addOverride('jobs.deploy.env.BASIC_AUTH_USERNAME', 'admin');
  editDeployStep(workflow, (step) => delete step.env.BASIC_AUTH_USERNAME);

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [estate/staging-workflow] .github/workflows/deploy-staging.yml sets BASIC_AUTH_USERNAME to a value written in the file; a secret\'s value comes from GitHub\'s secret store: ${{ secrets.BASIC_AUTH_USERNAME }}',
  ]);
});

test('a secret moved to job env by an override still reaches the script, and passes', () => {
  // GIVEN
  const { app, workflow } = stagingWorkflow();
  workflow.file.addOverride('jobs.deploy.env.POSTGRES_PASSWORD', '${{ secrets.STAGING_POSTGRES_PASSWORD }}');
  editDeployStep(workflow, (step) => delete step.env.POSTGRES_PASSWORD);

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([]);
});

test('an override that drops the deploy step fails synth: nothing would run the script', () => {
  // GIVEN
  const { app, workflow } = stagingWorkflow();
  editDeployStep(workflow, (step) => {
    step.run = 'bin/kamal deploy -d staging';
  });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    "error [estate/staging-workflow] .github/workflows/deploy-staging.yml has no step 'deploy' in job 'deploy' that runs ./deploy_staging.sh; remove the override that changed it",
  ]);
});

test('the secrets files of another secrets_path fail synth: the workflow would pass the wrong variables', () => {
  // GIVEN
  const app = Testing.app();
  const e = guideEstate(app);
  const registrySecrets = new KamalSecrets(e.estate, 'registry-secrets', { path: '.kamal/registry-secrets', withoutDestination: { HASH: SecretSource.env() } });
  const scripts = new KamalDeployScripts(e.estate, 'scripts', { destination: e.staging });
  new DeployWorkflow(e.estate, 'workflow', { scripts, secrets: registrySecrets, triggers: { manual: true } });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [estate/workflow] .github/workflows/deploy-staging.yml is given the secrets files of .kamal/registry-secrets [estate/registry-secrets], but config/deploy.yml -d staging reads .kamal/secrets; pass the KamalSecrets for .kamal/secrets',
  ]);
});

test("a destination with a secrets_path of its own is deployed with that path's secrets files, and its script names them", () => {
  // GIVEN: staging reads config/staging-secrets* (an override of its merged config)
  const app = Testing.app();
  const e = guideEstate(app);
  e.rails.deploy.addOverride('secrets_path', 'config/staging-secrets', 'staging');
  const stagingSecrets = new KamalSecrets(e.estate, 'staging-secrets', {
    path: 'config/staging-secrets',
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env('STG_KRP'), RAILS_MASTER_KEY: SecretSource.env('STG_RMK'), POSTGRES_PASSWORD: SecretSource.env('STG_PG') },
    destinations: { staging: { BASIC_AUTH_USERNAME: SecretSource.env(), BASIC_AUTH_PASSWORD: SecretSource.env() } },
  });
  const scripts = new KamalDeployScripts(e.estate, 'scripts', { destination: e.staging });
  new DeployWorkflow(e.estate, 'workflow', { scripts, secrets: stagingSecrets, triggers: { manual: true } });

  // WHEN
  const files = Testing.synth(app);

  // THEN: the workflow passes the variables those files read, and the script names the files
  expect(files['.github/workflows/deploy-staging.yml']).toContain('STG_KRP: ${{ secrets.STG_KRP }}');
  expect(files['deploy_staging.sh']).toContain('config/staging-secrets-common and config/staging-secrets.staging');
  expect(files['deploy_staging.sh']).not.toContain('.kamal/secrets');
});

test("scripts for a destination the config lacks are the scripts' one error: the workflow adds none", () => {
  // GIVEN
  const app = Testing.app();
  const e = guideEstate(app);
  const scripts = new KamalDeployScripts(e.estate, 'scripts', { deploy: e.rails.deploy, destination: 'qa' });
  new DeployWorkflow(e.estate, 'workflow', { scripts, secrets: e.secrets, triggers: { manual: true } });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual(["error [estate/scripts] config/deploy.yml has no destination 'qa' (it has production, staging); add it, or deploy one it has"]);
});

test('a variable GitHub cannot hold as a secret (GITHUB_ prefix) fails synth, naming the workflow and the variable', () => {
  // GIVEN
  const { app, secrets } = stagingWorkflow();
  secrets.addForDestination('staging', 'REPO_TOKEN', SecretSource.env('GITHUB_REPO_TOKEN'));

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    "error [estate/staging-workflow] .github/workflows/deploy-staging.yml can't pass GITHUB_REPO_TOKEN (read by .kamal/secrets-common and .kamal/secrets.staging) from a GitHub secret: names starting with GITHUB_ are reserved by GitHub; read the secret from another variable, SecretSource.env('OTHER_NAME')",
  ]);
});

test('an ERB variable the config reads besides the server address must be set by the workflow', () => {
  // GIVEN
  const { app, rails, workflow } = stagingWorkflow();
  rails.deploy.addOverride('labels.release', Erb.env('RELEASE_NAME'), 'staging');

  // WHEN
  const before = Testing.errors(app);
  workflow.file.addOverride('jobs.deploy.env.RELEASE_NAME', '${{ github.sha }}');
  const after = Testing.errors(app);

  // THEN
  expect(before).toEqual([
    "error [estate/staging-workflow] config/deploy.yml -d staging reads RELEASE_NAME through ERB (/labels/release), but neither ./deploy_staging.sh nor .github/workflows/deploy-staging.yml sets it, so Kamal would render it empty; set it in the workflow's env or stop reading it",
  ]);
  expect(after).toEqual([]);
});

test('a workflow that could never run, a bad SSH key secret name or timeout is refused at once', () => {
  // GIVEN
  const { estate, secrets, staging } = guideEstate();
  const scripts = new KamalDeployScripts(estate, 'scripts', { destination: staging });

  // WHEN / THEN
  expect(() => new DeployWorkflow(estate, 'a', { scripts, secrets, triggers: { manual: false } })).toThrow('[estate/a] the workflow would never run; give pushBranches, or leave manual on');
  expect(() => new DeployWorkflow(estate, 'b', { scripts, secrets, triggers: {}, sshPrivateKeySecret: 'GITHUB_SSH' })).toThrow("'GITHUB_SSH' can't be a GitHub secret name");
  expect(() => new DeployWorkflow(estate, 'c', { scripts, secrets, triggers: {}, timeoutMinutes: 0 })).toThrow('[estate/c] timeoutMinutes must be a whole number from 1 to 360');
});

test('file name, name, runner, SSH secret and environment follow the props', () => {
  // GIVEN
  const { app, estate, secrets, production } = guideEstate();
  const scripts = new KamalDeployScripts(estate, 'scripts', { destination: production });
  new DeployWorkflow(estate, 'wf', { scripts, secrets, triggers: {}, fileName: 'prod.yml', name: 'Ship it', runsOn: 'ubuntu-24.04', sshPrivateKeySecret: 'DEPLOY_KEY', environment: false });

  // WHEN
  const doc = readWorkflow(app, 'prod.yml');

  // THEN
  expect(doc.name).toBe('Ship it');
  expect(doc.jobs.deploy['runs-on']).toBe('ubuntu-24.04');
  expect(doc.jobs.deploy.environment).toBeUndefined();
  expect(doc.jobs.deploy.steps[2].with['ssh-private-key']).toBe('${{ secrets.DEPLOY_KEY }}');
});
