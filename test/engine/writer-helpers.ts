import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { generationTree, MANIFEST } from '../fixtures/engine/generations';
import { FIXTURES, readTree, tempDir } from './helpers';

let bundled: string | undefined;

/**
 * writer-child.ts bundled once per test file with esbuild, so that each of the many child
 * processes starts in a few tens of milliseconds instead of compiling the sources again.
 */
function childScript(): string {
  if (!bundled) {
    const outfile = path.join(tempDir('kamal-cdk-writer-child-'), 'writer-child.js');
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({ entryPoints: [path.join(FIXTURES, 'writer-child.ts')], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'error' });
    bundled = outfile;
  }
  return bundled;
}

export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly pid: number;
}

/**
 * Starts `writer-child.ts` with `env` (see its header); resolves when it ends. `onLine` sees each
 * stdout line as it comes (to start a second writer once the first holds the lock); `wrapper` is a
 * command that runs it (its arguments end with node and the script).
 */
export function spawnWriter(env: Record<string, string>, onLine?: (line: string) => void, wrapper: string[] = []): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const [command, ...args] = [...wrapper, process.execPath, childScript()];
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const l of lines) onLine?.(l);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid! }));
  });
}

/**
 * Which generation `dir` wholly is ('a' or 'b', see generations.ts); fails the test if it is
 * anything else: a mix, a gap, or anything left over by the writer (lock, journal, temporary files).
 */
export function generationOf(dir: string, n: number): 'a' | 'b' {
  const tree = readTree(dir);
  const gen = tree['only-a/deep/x.txt'] !== undefined ? 'a' : 'b';
  const want = generationTree(gen, n);
  const wrong = [...new Set([...Object.keys(want), ...Object.keys(tree)])].filter((p) => tree[p] !== want[p]).sort();
  const wantFolders = [...new Set(Object.keys(want).flatMap(parents))].sort();
  expect({ gen, wrong, folders: folders(dir) }).toEqual({ gen, wrong: [], folders: wantFolders });
  return gen;
}

/** Every folder below `dir`, relative, sorted (links not followed). */
export function folders(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    out.push(r, ...folders(dir, r));
  }
  return out.sort();
}

function parents(p: string): string[] {
  const parts = p.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** What the writer leaves in a folder besides generated files: lock, journal, temporary files and backups. */
export function writerLeftovers(dir: string): string[] {
  return Object.keys(readTree(dir)).filter((p) => p.startsWith('.kamal-cdk/') ? p !== MANIFEST : /(^|\/)\.kamal-cdk-/.test(p));
}
