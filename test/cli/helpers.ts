import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const REPO = path.resolve(__dirname, '..', '..');
export const BIN = path.join(REPO, 'bin', 'kamal-cdk.js');
/** Projects live inside the repository's node_modules, so that their imports resolve as a user's would. */
const PLAYGROUND = path.join(REPO, 'node_modules', '.cache', 'kamal-cdk-test-projects');

/**
 * One cache for every test project: the type checker's incremental state then carries over from
 * one project to the next (they share src/ and the declaration files), which keeps each check short.
 */
const SHARED_CACHE = path.join(REPO, 'node_modules', '.cache', 'kamal-cdk-test-cache');

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * A small estate project: a package.json, a tsconfig, and the files given (paths relative to the
 * project). `@kamal-cdk/src` in a file's text is replaced by the repository's src/ folder.
 */
export function project(files: Record<string, string>): string {
  fs.mkdirSync(PLAYGROUND, { recursive: true });
  const dir = fs.mkdtempSync(path.join(PLAYGROUND, 'p-'));
  made.push(dir);
  const all: Record<string, string> = {
    'package.json': '{ "name": "estate", "private": true }\n',
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', esModuleInterop: true, skipLibCheck: true, types: ['node'] } }),
    ...files,
  };
  for (const [rel, text] of Object.entries(all)) writeProjectFile(dir, rel, text);
  return dir;
}

/** Writes a file of a test project, with `@kamal-cdk/src` and `@kamal-cdk/constructs` pointing at this repository. */
export function writeProjectFile(dir: string, rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text.split('@kamal-cdk/src').join(path.join(REPO, 'src')).split('@kamal-cdk/constructs').join(path.join(REPO, 'constructs')));
}

/** Runs `kamal-cdk ...args` in `cwd`, as a user's shell would. */
export function kamalCdk(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, KAMAL_CDK_CACHE_DIR: SHARED_CACHE } });
  if (r.error) throw r.error;
  return r;
}

/**
 * Runs `kamal-cdk ...args` in `cwd` with its standard output piped into `reader` (a shell command,
 * such as `true`, which exits without reading), and returns the command's own exit status and
 * standard error.
 */
export function kamalCdkPipedTo(reader: string, cwd: string, ...args: string[]): { status: number; stderr: string } {
  const quoted = [BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('bash', ['-c', `'${process.execPath}' ${quoted} | ${reader}; echo "kamal-cdk exited \${PIPESTATUS[0]}" >&2`], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, KAMAL_CDK_CACHE_DIR: SHARED_CACHE },
  });
  if (r.error) throw r.error;
  const lines = r.stderr.trimEnd().split('\n');
  const status = Number(/^kamal-cdk exited (\d+)$/.exec(lines.pop() ?? '')?.[1]);
  return { status, stderr: lines.join('\n') };
}

/** A one-file estate: `lines` become a.txt. */
export function textEstate(lines: string[], extra = ''): string {
  return `import { App, TextFile } from '@kamal-cdk/src';
const app = new App();
new TextFile(app, 'a', { path: 'a.txt', lines: ${JSON.stringify(lines)} });
${extra}
app.synth();
`;
}
