import * as path from 'path';
import { Construct } from 'constructs';
import { Expression } from './expression';
import * as L1 from './l1';
import { GitHubWorkflow } from './workflow';

/** Props of DocsDeployWorkflow: the Pages project, the site's folder and the tool versions. */
export interface DocsDeployWorkflowProps {
  /**
   * The Cloudflare Pages project the site is published to (served at `<project>.pages.dev`):
   * lowercase letters, digits and '-', at most 58 characters.
   */
  readonly projectName: string;
  /** The branch whose pushes publish the site; deployed as that Pages branch. @default 'main' */
  readonly branch?: string;
  /** The site's folder in the repository: only pushes touching it deploy, and the build runs in it. @default 'docs' */
  readonly directory?: string;
  /** The build's output folder, relative to `directory`. @default 'dist' - Astro's */
  readonly outputDirectory?: string;
  /** The workflow's file name in `.github/workflows/`. @default 'deploy-docs.yml' */
  readonly fileName?: string;
  /** The workflow's name in the Actions tab. @default 'Deploy docs' */
  readonly name?: string;
  /** Node.js major the site is built with. @default '22' - current LTS; Astro 5 supports it */
  readonly nodeVersion?: string;
  /**
   * The pnpm version pnpm/action-setup installs. If `<directory>/package.json` pins pnpm in its
   * `packageManager` field, give that version: the action refuses two different ones.
   * @default '10'
   */
  readonly pnpmVersion?: string;
  /** The wrangler major `npx` runs, so a new major can't change the deploy unannounced. @default '4' */
  readonly wranglerVersion?: string;
}

/**
 * The docs site, deployed apart from the app: on every push to the branch that touches the site's
 * folder, `pnpm run build` in that folder, then `wrangler pages deploy <output>` to Cloudflare
 * Pages. Wrangler authenticates from the CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID
 * environment variables, which come from GitHub secrets of those names and reach that one step only.
 */
export class DocsDeployWorkflow extends Construct {
  /** The environment variables wrangler reads its credentials from; the GitHub secrets have the same names. */
  public static readonly CLOUDFLARE_SECRETS = ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_API_TOKEN'] as const;

  /** The generated workflow file. */
  public readonly file: GitHubWorkflow;
  /** The Cloudflare Pages project published to. */
  public readonly projectName: string;
  /** The branch whose pushes publish the site. */
  public readonly branch: string;
  /** The site's folder in the repository. */
  public readonly directory: string;
  /** The build's output folder, relative to `directory`. */
  public readonly outputDirectory: string;

  constructor(scope: Construct, id: string, props: DocsDeployWorkflowProps) {
    super(scope, id);
    const where = `[${this.node.path}]`;
    if (!/^[a-z0-9](?:[a-z0-9-]{0,56}[a-z0-9])?$/.test(props.projectName)) {
      throw new Error(`${where} '${props.projectName}' is not a Cloudflare Pages project name; use lowercase letters, digits and '-' (not first or last), at most 58 characters`);
    }
    this.projectName = props.projectName;
    this.branch = props.branch ?? 'main';
    if (!/^[^\s~^:?*[\\]+$/.test(this.branch) || this.branch.startsWith('-')) {
      throw new Error(`${where} '${this.branch}' is not a branch name`);
    }
    this.directory = relativeFolder(props.directory ?? 'docs', 'directory', where);
    this.outputDirectory = relativeFolder(props.outputDirectory ?? 'dist', 'outputDirectory', where);
    for (const [k, v] of [['nodeVersion', props.nodeVersion], ['pnpmVersion', props.pnpmVersion], ['wranglerVersion', props.wranglerVersion]]) {
      if (v !== undefined && !/^[0-9][0-9A-Za-z.+-]*$/.test(v)) throw new Error(`${where} ${k} '${v}' is not a version`);
    }
    const nodeVersion = props.nodeVersion ?? '22';
    const pnpmVersion = props.pnpmVersion ?? '10';
    const wranglerVersion = props.wranglerVersion ?? '4';

    const workflow: L1.Workflow = {
      name: props.name ?? 'Deploy docs',
      // The page: a push to main that changes docs/** publishes the site.
      on: { push: { branches: [this.branch], paths: [`${this.directory}/**`] } },
      permissions: { contents: 'read' },
      // One deploy at a time; a newer pending push replaces an older pending one, and a running
      // upload is never cut off (Pages switches to a deployment only once it is complete).
      concurrency: { group: `deploy-docs-${this.projectName}`, 'cancel-in-progress': false },
      jobs: {
        deploy: {
          'runs-on': 'ubuntu-latest',
          'timeout-minutes': 15,
          defaults: { run: { 'working-directory': this.directory } },
          steps: [
            { name: 'Check out', uses: 'actions/checkout@v4' },
            // Before setup-node, whose pnpm cache needs pnpm on the PATH.
            { name: 'Set up pnpm', uses: 'pnpm/action-setup@v4', with: { version: pnpmVersion } },
            {
              name: 'Set up Node.js',
              uses: 'actions/setup-node@v4',
              with: { 'node-version': nodeVersion, cache: 'pnpm', 'cache-dependency-path': `${this.directory}/pnpm-lock.yaml` },
            },
            { name: 'Install dependencies', run: 'pnpm install --frozen-lockfile' },
            { name: 'Build', run: 'pnpm run build' },
            {
              id: 'deploy',
              name: 'Deploy to Cloudflare Pages',
              run: `npx --yes wrangler@${wranglerVersion} pages deploy ${this.outputDirectory} --project-name=${this.projectName} --branch=${this.branch}`,
              env: Object.fromEntries(DocsDeployWorkflow.CLOUDFLARE_SECRETS.map((n) => [n, Expression.secret(n)])),
            },
          ],
        },
      },
    };
    this.file = new GitHubWorkflow(this, 'File', { fileName: props.fileName ?? 'deploy-docs.yml', workflow });
  }
}

function relativeFolder(p: string, what: string, where: string): string {
  const normal = path.posix.normalize(p).replace(/\/+$/, '');
  if (!p.trim() || path.posix.isAbsolute(p) || normal === '.' || normal.split('/').includes('..') || /[\s*?[\]!]/.test(normal)) {
    throw new Error(`${where} ${what} '${p}' must be a folder inside the repository, relative to its root, without spaces or glob characters`);
  }
  return normal;
}
