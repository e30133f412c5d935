import { spawn, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, ExitCode, SynthOutcome, WriterFaults } from '../../src';

/** The repository root, where node_modules lives. */
export const REPO = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'engine');
export const TEMPLATES = path.join(FIXTURES, 'templates');
const SUCRASE = path.join(REPO, 'node_modules', 'sucrase', 'register');

const created: string[] = [];
afterAll(() => {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system temp dir, removed after the test file; never the repository's out/. */
export function tempDir(prefix = 'kamal-cdk-engine-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}

export interface Run {
  readonly exitCode: ExitCode;
  readonly outcome: SynthOutcome;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SynthInOptions {
  readonly faults?: WriterFaults;
}

/**
 * Builds an App writing to `outdir` (absolute; `--outdir` in `argv` overrides it), adds constructs
 * with `build`, and runs `synth()` with `argv`. Refuses any output folder inside the repository, so
 * a test can never touch the committed out/. Restores `process.exitCode`.
 */
export function synthIn(outdir: string, argv: string[], build: (app: App) => void, options: SynthInOptions = {}): Run {
  if (!path.isAbsolute(outdir)) throw new Error(`synthIn needs an absolute outdir, got ${outdir}`);
  const out: string[] = [];
  const err: string[] = [];
  const saved = process.exitCode;
  try {
    const app = new App({ argv, outdir, stdout: (l) => out.push(l), stderr: (l) => err.push(l), faults: options.faults });
    if (app.outdir === REPO || app.outdir.startsWith(`${REPO}${path.sep}`)) {
      throw new Error(`refusing to synth into ${app.outdir}, inside the repository`);
    }
    build(app);
    const outcome = app.synth();
    return { exitCode: outcome.exitCode, outcome, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    process.exitCode = saved;
  }
}

/** Every regular file below `dir` (symlinks too, as `-> target`), with its text. */
export function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, r);
      if (e.isDirectory()) walk(r);
      else if (e.isSymbolicLink()) tree[r] = `-> ${fs.readlinkSync(abs)}`;
      else tree[r] = fs.readFileSync(abs, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk('');
  return tree;
}

/** Inode, modification time and mode of every file below `dir`. */
export function statTree(dir: string): Record<string, { ino: number; mtimeMs: number; mode: number }> {
  const out: Record<string, { ino: number; mtimeMs: number; mode: number }> = {};
  for (const rel of Object.keys(readTree(dir))) {
    const st = fs.lstatSync(path.join(dir, rel));
    out[rel] = { ino: st.ino, mtimeMs: st.mtimeMs, mode: st.mode & 0o777 };
  }
  return out;
}

/** The sibling folders the writer uses (`.out.kamal-cdk-new`, `.out.kamal-cdk-old`) that exist. */
export function swapLeftovers(outdir: string): string[] {
  const parent = path.dirname(outdir);
  return fs.readdirSync(parent).filter((n) => n.startsWith(`.${path.basename(outdir)}.kamal-cdk-`));
}

export interface ChildEnv {
  readonly [name: string]: string | undefined;
}

/**
 * Runs a fixture estate in a child process, from `cwd`, with only the environment given (plus PATH
 * and HOME), so TZ and locale variables are exactly those the test sets.
 */
export function runFixture(fixture: string, cwd: string, args: string[], env: ChildEnv = {}, timeoutMs = 60_000): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, ['-r', SUCRASE, path.join(FIXTURES, fixture), ...args], {
    cwd,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  return r;
}

/**
 * Starts a fixture estate and kills it with SIGKILL `delayMs` after it prints `marker` on stderr
 * (or lets it finish). Resolves with how it ended; rejects if it outlives `timeoutMs`.
 */
export function runFixtureAndKill(
  fixture: string,
  cwd: string,
  env: ChildEnv,
  marker: string,
  delayMs: number,
  timeoutMs = 60_000,
): Promise<{ killed: boolean; code: number | null; markerAt?: number; endedAt: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['-r', SUCRASE, path.join(FIXTURES, fixture), '--quiet'], { cwd, env: cleanEnv(env) });
    let markerAt: number | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let stderr = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${fixture} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (markerAt === undefined && stderr.includes(`${marker}\n`)) {
        markerAt = Date.now();
        killTimer = setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (killTimer) clearTimeout(killTimer);
      resolve({ killed: signal === 'SIGKILL', code, markerAt: markerAt === undefined ? undefined : markerAt - started, endedAt: Date.now() - started });
    });
  });
}

function cleanEnv(env: ChildEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
