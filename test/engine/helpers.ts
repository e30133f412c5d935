import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ExitCode, synthApp, SynthOutcome } from '../../cli';
import { App, WriterFaults } from '../../src';

/** The repository root, where node_modules lives. */
export const REPO = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'engine');
export const TEMPLATES = path.join(FIXTURES, 'templates');
/** The kamal-cdk command, as a fresh clone runs it. */
export const BIN = path.join(REPO, 'bin', 'kamal-cdk.js');

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
  const flags = commandFlags(argv);
  const target = flags.outdir ? path.resolve(flags.outdir) : outdir;
  if (target === REPO || target.startsWith(`${REPO}${path.sep}`)) {
    throw new Error(`refusing to synth into ${target}, inside the repository`);
  }
  const app = new App({ outdir });
  build(app);
  const outcome = synthApp(app, { ...flags, outdir: target, stdout: (l) => out.push(l), stderr: (l) => err.push(l), faults: options.faults });
  return { exitCode: outcome.exitCode, outcome, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** The flags of `kamal-cdk synth | check | diff` in argv form (`--check`, `--strict`, `--outdir DIR`), as synthApp's options. */
function commandFlags(argv: string[]): { mode: 'write' | 'check' | 'diff'; strict: boolean; quiet: boolean; force: boolean; outdir?: string } {
  const flags = { mode: 'write' as 'write' | 'check' | 'diff', strict: false, quiet: false, force: false, outdir: undefined as string | undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') flags.mode = 'check';
    else if (a === '--diff') flags.mode = 'diff';
    else if (a === '--strict') flags.strict = true;
    else if (a === '--quiet') flags.quiet = true;
    else if (a === '--force') flags.force = true;
    else if (a === '--outdir') flags.outdir = argv[++i];
    else throw new Error(`synthIn: unknown flag ${a}`);
  }
  return flags;
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

export interface ChildEnv {
  readonly [name: string]: string | undefined;
}

/**
 * Runs a fixture estate in a child process, from `cwd`, with only the environment given (plus PATH
 * and HOME), so TZ and locale variables are exactly those the test sets.
 */
export function runFixture(fixture: string, cwd: string, args: string[], env: ChildEnv = {}, timeoutMs = 60_000): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [BIN, ...commandLine(fixture, args)], {
    cwd,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (r.error) throw r.error;
  return r;
}

/** `kamal-cdk <command> --app <fixture> ...` for a fixture run with the old-style flags (`--check`, `--diff`). */
function commandLine(fixture: string, args: string[]): string[] {
  const command = args.includes('--check') ? 'check' : args.includes('--diff') ? 'diff' : 'synth';
  return [command, '--app', path.join(FIXTURES, fixture), ...args.filter((a) => a !== '--check' && a !== '--diff')];
}

function cleanEnv(env: ChildEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * `load()` run with fresh module instances (jest.isolateModules) and KAMAL_CDK_CACHE_DIR set to
 * `cacheDir` (modules read it when they load): a module's caches then start where the test says.
 */
export function loadWithCacheDir<T>(cacheDir: string, load: () => T): T {
  const before = process.env.KAMAL_CDK_CACHE_DIR;
  process.env.KAMAL_CDK_CACHE_DIR = cacheDir;
  try {
    let out: { value: T } | undefined;
    jest.isolateModules(() => {
      out = { value: load() };
    });
    return out!.value;
  } finally {
    if (before === undefined) delete process.env.KAMAL_CDK_CACHE_DIR;
    else process.env.KAMAL_CDK_CACHE_DIR = before;
  }
}
