import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { CliIO, RunSettings } from './index';
import { ExitCode } from './exit-codes';
import { packageRoot } from './package-root';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheDirOf, cacheName, hashFile, projectRootOf } = require('../src/bundle-cache.js') as {
  cacheDirOf(root: string): string;
  cacheName(root: string, entry: string): string;
  hashFile(file: string): string | undefined;
  projectRootOf(dir: string): string;
};

const DEBOUNCE_MS = 150;

/**
 * `kamal-cdk watch`: a synth now, and another whenever a file the estate is built from changes
 * (every file of the last bundle, the tsconfig, kamal-cdk.json and package.json). Each synth runs
 * as its own `kamal-cdk synth` process, which takes the writer's lock like any other; changes
 * that arrive while one runs start exactly one more after it. The folders are watched again only
 * when a synth has ended (its bundle names the inputs), so an input whose bytes differ from those
 * the synth read (as its bundle recorded them, or as they were when it started) also starts one
 * more. Ctrl-C lets a running synth finish, then exits 0.
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
  // The inputs' hashes when the running synth started (undefined: no such file), and its bundle's index then.
  let atStart = new Map<string, string | undefined>();
  let indexAtStart: string | undefined;

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

    let bundled = new Map<string, string | undefined>();
    let index: string | undefined;
    const rewatch = () => {
      const inputs = inputsOf(root, codeRoot, run.entry);
      watched = inputs.files;
      bundled = inputs.bundled;
      index = inputs.index;
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
      atStart = new Map([...watched].map((f) => [f, hashFile(f)]));
      indexAtStart = index;
      io.stdout(`watch: synth (${new Date().toISOString().slice(11, 19)})`);
      // Its own process group: the terminal's Ctrl-C reaches watch, which lets a running synth
      // finish its write instead of killing it half-way.
      child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      child.stdout!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => io.stdout(l)));
      child.stderr!.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => io.stderr(l)));
      child.on('close', (code) => {
        child = undefined;
        // Watch first, then compare: a change after this is seen by a watcher, one before it by
        // its bytes, so none falls between the two. What the synth read is what the bundle it made
        // recorded (an input the bundle could not vouch for, written while esbuild read it, counts
        // as changed); when it made none (a cached bundle, or it stopped before bundling, at a
        // type error), what was there when it started.
        rewatch();
        const made = index !== indexAtStart;
        const missed = [...watched].filter((f) => {
          if (made && bundled.has(f)) return bundled.get(f) === UNSETTLED || hashFile(f) !== bundled.get(f);
          return atStart.has(f) && hashFile(f) !== atStart.get(f);
        });
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
    rewatch();
    synth();
  });
}

/**
 * Every file of kamal-cdk's own folders when the bundle borrowed the library from the command
 * instead of holding it (cli/load.ts lentLibrary): in a checkout of kamal-cdk, an edit to the
 * library changes what the next synth builds. Not for an installed package, whose node_modules is
 * not watched (as for the bundle's other inputs).
 */
export function lentLibraryFiles(index: { shared?: string[]; offered?: { library?: { files: string[]; dirs: string[] } } }): string[] {
  const library = index.offered?.library;
  if (!library || !library.files.some((f) => index.shared?.includes(f))) return [];
  const out: string[] = [];
  for (const dir of library.dirs) {
    if (dir.split(path.sep).includes('node_modules')) continue;
    let entries: string[];
    try {
      entries = fs.readdirSync(dir, { recursive: true }).map(String);
    } catch {
      continue;
    }
    for (const rel of entries) {
      const file = path.join(dir, rel);
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) out.push(file);
    }
  }
  return out;
}

/** The hash of an input whose bundle is unsettled: matches no content. */
const UNSETTLED = '\0unsettled';

/**
 * The files the last bundle of `entry` was made from, and the project's settings files; for the
 * bundle's files, the hash each was bundled with (UNSETTLED when the bundle can't vouch for it);
 * and the index's text, which tells whether a synth made a new bundle.
 */
function inputsOf(root: string, codeRoot: string, entry: string): { files: Set<string>; bundled: Map<string, string | undefined>; index?: string } {
  const files = new Set<string>([entry, ...['tsconfig.json', 'package.json'].map((f) => path.resolve(codeRoot, f)), path.resolve(root, 'kamal-cdk.json')]);
  const bundled = new Map<string, string | undefined>();
  const name = cacheName(codeRoot, entry);
  let text: string | undefined;
  try {
    text = fs.readFileSync(path.join(cacheDirOf(codeRoot), 'bundles', `${name}.index.json`), 'utf8');
    const index = JSON.parse(text) as { settled?: boolean; inputs: Array<[string, string | undefined]>; shared?: string[]; offered?: { library?: { files: string[]; dirs: string[] } } };
    // Relative to the project's real folder, as bundleEntry records them.
    const base = fs.realpathSync(codeRoot);
    for (const [rel, hash] of index.inputs) {
      if (rel.split('/').includes('node_modules')) continue;
      const file = path.resolve(base, rel);
      files.add(file);
      bundled.set(file, index.settled === false ? UNSETTLED : hash);
    }
    for (const file of lentLibraryFiles(index)) files.add(file);
  } catch {
    // no bundle yet (the first synth failed before bundling): the entry and settings are watched
  }
  return { files, bundled, index: text };
}
