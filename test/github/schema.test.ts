import { WORKFLOW_VALIDATOR } from '../../constructs/github';

/** A minimal valid workflow; `edit` changes a deep copy. */
function workflow(edit: (w: any) => void = () => undefined): any {
  const w: any = {
    name: 'Deploy',
    on: { push: { branches: ['main'] }, workflow_dispatch: {} },
    permissions: { contents: 'read' },
    concurrency: { group: 'deploy', 'cancel-in-progress': false },
    jobs: {
      deploy: {
        'runs-on': 'ubuntu-latest',
        environment: { name: 'staging', url: 'https://staging.example.com' },
        'timeout-minutes': 30,
        steps: [
          { name: 'Check out', uses: 'actions/checkout@v4' },
          { id: 'deploy', run: './deploy.sh', env: { TOKEN: '${{ secrets.TOKEN }}' } },
        ],
      },
    },
  };
  edit(w);
  return w;
}

const problems = (doc: unknown) => WORKFLOW_VALIDATOR.validate(doc);

test('a complete deploy workflow passes the schema and the rules', () => {
  // GIVEN
  const doc = workflow();

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([]);
});

test.each([
  ['the workflow', (w: any) => { w.nmae = 'typo'; }, '/nmae'],
  ['on', (w: any) => { w.on.pusj = {}; }, '/on/pusj'],
  ['on.push', (w: any) => { w.on.push.branch = ['main']; }, '/on/push/branch'],
  ['on.workflow_dispatch', (w: any) => { w.on.workflow_dispatch.input = {}; }, '/on/workflow_dispatch/input'],
  ['an activity event', (w: any) => { w.on.release = { type: ['published'] }; }, '/on/release/type'],
  ['concurrency', (w: any) => { w.concurrency.cancel = true; }, '/concurrency/cancel'],
  ['permissions', (w: any) => { w.permissions.content = 'read'; }, '/permissions/content'],
  ['a job', (w: any) => { w.jobs.deploy['run-on'] = 'ubuntu-latest'; }, '/jobs/deploy/run-on'],
  ['a job environment', (w: any) => { w.jobs.deploy.environment.link = 'x'; }, '/jobs/deploy/environment/link'],
  ['job defaults', (w: any) => { w.jobs.deploy.defaults = { run: { workdir: 'docs' } }; }, '/jobs/deploy/defaults/run/workdir'],
  ['a step', (w: any) => { w.jobs.deploy.steps[1].environment = {}; }, '/jobs/deploy/steps/1/environment'],
  ['a container', (w: any) => { w.jobs.deploy.container = { image: 'ruby:3', ports: [], entrypoint: 'x' }; }, '/jobs/deploy/container/entrypoint'],
])('an unknown key in %s is rejected at its own path', (_level, edit, pointer) => {
  // GIVEN
  const doc = workflow(edit);

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toContainEqual({ pointer, message: 'unknown key' });
});

test('on must name at least one event, and jobs at least one job', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.on = {};
    w.jobs = {};
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found.map((p) => p.pointer).sort()).toEqual(['/jobs', '/on']);
});

test('permission levels, concurrency and environment take only the forms GitHub documents', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.permissions = { contents: 'admin', 'id-token': 'read' };
    w.concurrency = { 'cancel-in-progress': true };
    w.jobs.deploy.environment = { url: 'https://x' };
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual(expect.arrayContaining([
    { pointer: '/permissions/contents', message: 'must be one of "read", "write", "none"' },
    { pointer: '/permissions/id-token', message: 'must be one of "write", "none"' },
    { pointer: '/concurrency', message: "missing required key 'group'" },
    { pointer: '/jobs/deploy/environment', message: "missing required key 'name'" },
  ]));
});

test('shorthand forms that GitHub accepts pass: read-all permissions, a concurrency group string, an environment name', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.permissions = 'read-all';
    w.concurrency = 'deploy-${{ github.ref }}';
    w.jobs.deploy.environment = 'staging';
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([]);
});

test('a job id, an env name, a cron line and an action reference must have their documented shapes', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs['1deploy'] = w.jobs.deploy;
    w.env = { 'BAD-NAME': 'x' };
    w.on.schedule = [{ cron: '0 3 * *' }];
    w.jobs.deploy.steps[0].uses = 'actions/checkout';
  });

  // WHEN
  const pointers = problems(doc).map((p) => p.pointer);

  // THEN
  expect(pointers).toEqual(expect.arrayContaining(['/jobs', '/env', '/on/schedule/0/cron', '/jobs/deploy/steps/0/uses']));
});

test('a step has exactly one of uses and run, and with, shell and working-directory only where they apply', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs.deploy.steps.push({ name: 'both', uses: 'actions/checkout@v4', run: 'ls' });
    w.jobs.deploy.steps.push({ name: 'neither' });
    w.jobs.deploy.steps.push({ run: 'ls', with: { x: 1 } });
    w.jobs.deploy.steps.push({ uses: 'actions/checkout@v4', shell: 'bash', 'working-directory': 'docs' });
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([
    { pointer: '/jobs/deploy/steps/2', message: 'a step has exactly one of uses (an action) and run (a command)' },
    { pointer: '/jobs/deploy/steps/3', message: 'a step has exactly one of uses (an action) and run (a command)' },
    { pointer: '/jobs/deploy/steps/4/with', message: 'with passes inputs to an action; this step runs no action (no uses)' },
    { pointer: '/jobs/deploy/steps/5/shell', message: 'shell applies to run steps; this step has no run' },
    { pointer: '/jobs/deploy/steps/5/working-directory', message: 'working-directory applies to run steps; this step has no run' },
  ]);
});

test('needs must name other jobs of the workflow', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs.deploy.needs = ['build', 'deploy'];
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([
    { pointer: '/jobs/deploy/needs', message: "needs 'build', which is not a job of this workflow (deploy)" },
    { pointer: '/jobs/deploy/needs', message: 'a job cannot need itself' },
  ]);
});

test('secrets cannot be read in if, for jobs or steps', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs.deploy.if = "secrets.TOKEN != ''";
    w.jobs.deploy.steps[1].if = "${{ secrets['TOKEN'] }}";
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found.map((p) => p.pointer)).toEqual(['/jobs/deploy/if', '/jobs/deploy/steps/1/if']);
  expect(found[0].message).toBe('secrets cannot be read in if; put the secret in env and test env instead');
});

test('a filter and its -ignore twin cannot both filter one event', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.on.push = { branches: ['main'], 'branches-ignore': ['wip'], paths: ['docs/**'], 'paths-ignore': ['docs/drafts/**'] };
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([
    { pointer: '/on/push', message: "branches and branches-ignore can't both filter one event; use branches with '!' patterns" },
    { pointer: '/on/push', message: "paths and paths-ignore can't both filter one event; use paths with '!' patterns" },
  ]);
});

test('a job runs steps on a runner or calls a reusable workflow, never both', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs.call = { uses: './.github/workflows/deploy.yml', 'runs-on': 'ubuntu-latest', secrets: 'inherit' };
    w.jobs.bare = { 'runs-on': 'ubuntu-latest', with: { x: 1 } };
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([
    { pointer: '/jobs/call/runs-on', message: 'a job that calls a reusable workflow (uses) has no runs-on' },
    { pointer: '/jobs/bare', message: "missing required key 'steps' (or uses, for a reusable workflow)" },
    { pointer: '/jobs/bare/with', message: 'with passes inputs to a reusable workflow; this job calls none (no uses)' },
  ]);
});

test('step ids are unique within a job, and a choice input lists its options', () => {
  // GIVEN
  const doc = workflow((w) => {
    w.jobs.deploy.steps[0].id = 'deploy';
    w.on.workflow_dispatch = { inputs: { target: { type: 'choice' } } };
  });

  // WHEN
  const found = problems(doc);

  // THEN
  expect(found).toEqual([
    { pointer: '/on/workflow_dispatch/inputs/target', message: 'a choice input needs its options' },
    { pointer: '/jobs/deploy/steps/1/id', message: "step id 'deploy' is used twice in job deploy" },
  ]);
});
