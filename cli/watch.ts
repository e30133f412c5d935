import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { CliIO, RunSettings } from './index';
import { ExitCode } from './exit-codes';
import { packageRoot } from './package-root';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheDirOf, cacheName, changedSince, projectRootOf } = require('../src/bundle-cache.js') as {
  cacheDirOf(root: string): string;
  changedSince(file: string, started: number): boolean | undefined;
  cacheName(root: string, entry: string): string;
  projectRootOf(dir: string): string;
};

const DEBOUNCE_MS = 150;

/**
 * `kamal-cdk watch`: a synth now, and another whenever a file the estate is built from changes
 * (every file of the last bundle, the tsconfig, kamal-cdk.json and package.json). Each synth runs
 * as its own `kamal-cdk synth` process, which takes the writer's lock like any other; changes
 * that arrive while one runs start exactly one more after it. The folders are watched again only
 * when a synth has ended (its bundle names the inputs), so an input changed or removed after a
 * synth started, and before the watch saw it, also starts one more. Ctrl-C lets a running synth
 * finish, then exits 0.
 */
export function watchCommand(run: RunSettings, io: CliIO): Promise<number> {
  const root = run.project.root;
  // The bundle, and so its list of inputs, belongs to the entry's own package (as in runEntry).
  const codeRoot = projectRootOf(path.dirname(run.entry));
  const bin = path.join(packageRoot(), 'bin', 'kamal-cdk.js');
  const args = ['synth', '--app', run.entry, ...(run.outdir ? ['--outdir', run.outdir] : []), ...(run.strict ? ['--strict'] : []), ...(run.quiet ? ['--quiet'] : []), ...(run.force ? ['--force'] : [])];
  const watchers = new Map<string, fs.FSWatcher>();
  let watched = new Set<string>();
  let child: ChildProcess | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  // When the running synth started, and which inputs were there then.
  let started = 0;
  let present = new Set<string>();

  return new Promise<number>((resolve) => {
    const finish = () => {
      for (const w of watchers.values()) w.close();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      io.stdout('watch: stopped');
      resolve(ExitCode.OK);
    };
    const onSignal = () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (!child) finish();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const rewatch = () => {
      watched = inputsOf(root, codeRoot, run.entry);
      const dirs = new Set([...watched].map((f) => path.dirname(f)));
      for (const [dir, w] of watchers) {
        if (!dirs.has(dir)) {
          w.close();
          watchers.delete(dir);
        }
      }
      for (const dir of dirs) {
        if (watchers.has(dir)) continue;
        try {
          // A folder, not the files: editors save by renaming a new file over the old one.
          const w = fs.watch(dir, (_event, name) => name && watched.has(path.join(dir, name.toString())) && schedule());
          // A folder that goes away (or a watch the system refuses) is dropped; the next synth decides again.
          w.on('error', () => {
            w.close();
            watchers.delete(dir);
          });
          watchers.set(dir, w);
        } catch {
          // a folder that went away; the next synth's inputs decide again
        }
      }
    };
    const synth = () => {
      timer = undefined;
      if (child) {
        again = true;
        return;
      }
      started = Date.now();
      present = new Set([...watched].filter((f) => fs.existsSync(f)));
      io.stdout(`watch: synth (${new Date().toISOString().slice(11, 19)})`);
      // Its own process group: the terminal's Ctrl-C reaches watch, which lets a running synth
      // finish its write instead of killing it half-way.
      child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => io.stdout(l)));
      child.stderr!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => io.stderr(l)));
      child.on('close', (code) => {
        child = undefined;
        // Watch first, then look for what changed since the start: a change after this is seen
        // by a watcher, one before it by changedSince, so none falls between the two.
        rewatch();
        const missed = [...watched].filter((f) => changedSince(f, started) ?? present.has(f));
        io.stdout(`watch: exit ${code ?? 'signal'}; waiting for changes (Ctrl-C to stop)`);
        if (stopping) finish();
        else if (again) {
          again = false;
          synth();
        } else if (missed.length > 0) {
          io.stdout(`watch: changed while the synth ran: ${missed.map((f) => path.relative(root, f)).join(', ')}`);
          schedule();
        }
      });
    };
    const schedule = () => {
      if (stopping) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(synth, DEBOUNCE_MS);
    };
    synth();
  });
}

/** The files the last bundle of `entry` was made from, and the project's settings files. */
function inputsOf(root: string, codeRoot: string, entry: string): Set<string> {
  const files = new Set<string>([entry, ...['tsconfig.json', 'package.json'].map((f) => path.resolve(codeRoot, f)), path.resolve(root, 'kamal-cdk.json')]);
  const name = cacheName(codeRoot, entry);
  try {
    const index = JSON.parse(fs.readFileSync(path.join(cacheDirOf(codeRoot), 'bundles', `${name}.index.json`), 'utf8')) as { inputs: Array<[string, string]> };
    for (const [rel] of index.inputs) if (!rel.split('/').includes('node_modules')) files.add(path.resolve(codeRoot, rel));
  } catch {
    // no bundle yet (the first synth failed before bundling): the entry and settings are watched
  }
  return files;
}
