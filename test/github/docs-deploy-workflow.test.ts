import { DocsDeployWorkflow } from '../../constructs/github';
import { parseYaml, Testing } from '../../src';

function docsWorkflow(props: Partial<ConstructorParameters<typeof DocsDeployWorkflow>[2]> = {}) {
  const app = Testing.app();
  const docs = new DocsDeployWorkflow(app, 'docs', { projectName: 'guide-docs', ...props });
  return { app, docs };
}

test('the docs deploy on pushes to main that touch docs/**, and only then', () => {
  // GIVEN
  const { app } = docsWorkflow();

  // WHEN
  const doc = parseYaml(Testing.synth(app)['.github/workflows/deploy-docs.yml']) as any;

  // THEN
  expect(doc.on).toEqual({ push: { branches: ['main'], paths: ['docs/**'] } });
  expect(doc.permissions).toEqual({ contents: 'read' });
  expect(doc.concurrency).toEqual({ group: 'deploy-docs-guide-docs', 'cancel-in-progress': false });
});

test('the site is built with pnpm in its folder, then deployed with wrangler pages deploy to the Pages project', () => {
  // GIVEN
  const { app } = docsWorkflow();

  // WHEN
  const text = Testing.synth(app)['.github/workflows/deploy-docs.yml'];
  const job = (parseYaml(text) as any).jobs.deploy;

  // THEN
  expect(job.defaults).toEqual({ run: { 'working-directory': 'docs' } });
  expect(job.steps.map((s: any) => s.uses ?? s.run)).toEqual([
    'actions/checkout@v4',
    'pnpm/action-setup@v4',
    'actions/setup-node@v4',
    'pnpm install --frozen-lockfile',
    'pnpm run build',
    'npx --yes wrangler@4 pages deploy dist --project-name=guide-docs --branch=main',
  ]);
  expect(job.steps[2].with).toEqual({ cache: 'pnpm', 'cache-dependency-path': 'docs/pnpm-lock.yaml', 'node-version': '22' });
  expect(text).toMatchSnapshot();
});

test('wrangler gets its Cloudflare credentials from GitHub secrets, in the deploy step only', () => {
  // GIVEN
  const { app } = docsWorkflow();

  // WHEN
  const job = (parseYaml(Testing.synth(app)['.github/workflows/deploy-docs.yml']) as any).jobs.deploy;

  // THEN
  expect(job.steps[5].env).toEqual({
    CLOUDFLARE_ACCOUNT_ID: '${{ secrets.CLOUDFLARE_ACCOUNT_ID }}',
    CLOUDFLARE_API_TOKEN: '${{ secrets.CLOUDFLARE_API_TOKEN }}',
  });
  expect(job.steps.slice(0, 5).every((s: any) => s.env === undefined)).toBe(true);
  expect(job.env).toBeUndefined();
});

test('folder, output, branch and tool versions follow the props, and the path filter follows the folder', () => {
  // GIVEN
  const { app } = docsWorkflow({ directory: './site/', outputDirectory: 'build', branch: 'release', nodeVersion: '20', pnpmVersion: '9.15.0', wranglerVersion: '3', fileName: 'docs.yml' });

  // WHEN
  const doc = parseYaml(Testing.synth(app)['.github/workflows/docs.yml']) as any;

  // THEN
  expect(doc.on.push).toEqual({ branches: ['release'], paths: ['site/**'] });
  expect(doc.jobs.deploy.steps[1].with).toEqual({ version: '9.15.0' });
  expect(doc.jobs.deploy.steps[2].with['cache-dependency-path']).toBe('site/pnpm-lock.yaml');
  expect(doc.jobs.deploy.steps[5].run).toBe('npx --yes wrangler@3 pages deploy build --project-name=guide-docs --branch=release');
});

test.each(['Guide-Docs', 'guide_docs', '-guide', 'guide-', 'a'.repeat(59), ''])('%p is refused as a Cloudflare Pages project name', (projectName) => {
  // GIVEN / WHEN
  const make = () => docsWorkflow({ projectName });

  // THEN
  expect(make).toThrow(/^\[docs\] '.*' is not a Cloudflare Pages project name; use lowercase letters, digits and '-'/);
});

test.each([['directory', '/docs'], ['directory', '../docs'], ['directory', '.'], ['outputDirectory', 'di st'], ['directory', 'docs/*']])('%s %p is refused: it must be a plain folder inside the repository', (key, value) => {
  // GIVEN / WHEN
  const make = () => docsWorkflow({ [key]: value });

  // THEN
  expect(make).toThrow(`[docs] ${key} '${value}' must be a folder inside the repository`);
});

test('a tool version that is not a version, or a branch that is not a branch name, is refused', () => {
  // GIVEN / WHEN / THEN
  expect(() => docsWorkflow({ nodeVersion: 'lts/*' })).toThrow("[docs] nodeVersion 'lts/*' is not a version");
  expect(() => docsWorkflow({ branch: 'main branch' })).toThrow("[docs] 'main branch' is not a branch name");
});
