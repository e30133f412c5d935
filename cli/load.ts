import * as fs from 'fs';
import * as path from 'path';
import type { App, SynthHost } from '../src/app';
import { loadWithCodeCache } from '../src/code-cache';
import type { Synthesis, SynthesizeOptions } from '../src/synthesizer';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { bundleEntry, requireLending } = require('../src/bundle-cache.js') as {
  bundleEntry(
    entry: string,
    options?: BundleOptions,
  ): { file: string; root: string; inputs: Array<[string, string]>; cached: boolean; sourceMap(): string | undefined };
  requireLending(bundleFile: string, lend: Map<string, () => unknown>, base: NodeJS.Require): NodeJS.Require;
};

type BundleOptions = { root?: string; shared?: string[]; library?: { files: string[]; dirs: string[] }; sourcemap?: boolean };

/**
 * The packages this command loads itself, which the estate's bundle borrows instead of carrying
 * and loading a second copy: by the file Node resolves each to from here (from a checkout, the
 * file esbuild put into the command's own bundle). An estate whose imports resolve to another copy
 * bundles that copy. Loaded on first use.
 */
function lentPackages(): Map<string, () => unknown> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const loaders: Array<[string, () => unknown]> = [
    ['constructs', () => require('constructs')],
    ['yaml', () => require('yaml')],
    ['handlebars', () => require('handlebars')],
    ['ini', () => require('ini')],
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  const lend = new Map<string, () => unknown>();
  for (const [name, load] of loaders) {
    let file: string;
    try {
      file = require.resolve(name);
    } catch {
      continue;
    }
    let loaded: { value: unknown } | undefined;
    lend.set(file, () => (loaded ??= { value: load() }).value);
  }
  return lend;
}

/**
 * kamal-cdk itself, lent to the estate like the packages above: each entry point of the package
 * (`kamal-cdk`, `kamal-cdk/kamal`, ..., and the engine's src/index) by the file this command's
 * copy was built from (from a checkout, the TypeScript source; installed, lib/). The estate's
 * bundle then holds only the estate: nothing of the library is bundled, compiled or run a second
 * time. Lent whole or not at all (see bundle-cache's `library`): an estate that imports a module
 * of the library by a deeper path bundles its own copy of all of it, as before.
 */
function lentLibrary(): { loaders: Map<string, () => unknown>; dirs: string[] } {
  // By its real path, as esbuild resolves the estate's imports (a checkout reached through a
  // symlink, a command run with --preserve-symlinks).
  const root = fs.realpathSync(path.resolve(__dirname, '..'));
  const ext = path.extname(__filename) === '.ts' ? '.ts' : '.js';
  // Written out one by one: the command's bundle must hold each of them, and esbuild follows only
  // a require of a literal path.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const loaders: Array<[string, () => unknown]> = [
    ['src', () => require('../src')],
    ['constructs', () => require('../constructs')],
    ['constructs/kamal', () => require('../constructs/kamal')],
    ['constructs/registry', () => require('../constructs/registry')],
    ['constructs/observability', () => require('../constructs/observability')],
    ['constructs/rails', () => require('../constructs/rails')],
    ['constructs/github', () => require('../constructs/github')],
    ['constructs/estate', () => require('../constructs/estate')],
    ['constructs/docs', () => require('../constructs/docs')],
  ];
  /* eslint-enable @typescript-eslint/no-require-imports */
  const lend = new Map<string, () => unknown>();
  for (const [dir, load] of loaders) {
    const file = path.join(root, dir, `index${ext}`);
    if (!fs.existsSync(file)) return { loaders: new Map(), dirs: [] };
    lend.set(file, load);
  }
  return { loaders: lend, dirs: [path.join(root, 'src'), path.join(root, 'constructs')] };
}

const HOST_SYMBOL = Symbol.for('kamal-cdk.host');

/** What loading an estate's entry came to. */
export interface LoadedEntry {
  /** The bundle that ran, and every file that went into it (relative to the project root). */
  readonly inputs: string[];
  /** The value `host.synth` returned for each App the entry synthesized, in order. */
  readonly results: unknown[];
  /** An error thrown while the entry ran (a construction error), in the user's terms. */
  readonly error?: EntryError;
}

/** An exception thrown by the estate program, with the place in the user's own file that led to it. */
export interface EntryError {
  /** The error's message. */
  readonly message: string;
  /** `synth.ts:12:7`, through the bundle's source map, when the stack reaches a user file. */
  readonly location?: string;
  /** The stack trace, for `--verbose`; undefined when a non-Error was thrown. */
  readonly stack?: string;
}

/**
 * Bundles `entry` (cached by content), registers `onSynth` as the host that every `app.synth()`
 * in it calls, and runs it as the main module. The entry sees `require.main === module` and
 * `process.argv[1]` as its own path, as when node runs it directly.
 */
export function loadEntry(
  entry: string,
  root: string,
  onSynth: (app: App, run: (o: SynthesizeOptions) => Synthesis) => unknown,
  libraryDirs: string[],
  entryLabel = path.relative(root, entry).split(path.sep).join('/'),
): LoadedEntry {
  const packages = lentPackages();
  const library = lentLibrary();
  const lend = new Map([...packages, ...library.loaders]);
  // No source map until an error needs one (bundle.sourceMap()): a third of the bundling saved.
  const bundle = bundleEntry(entry, { root, shared: [...packages.keys()], library: { files: [...library.loaders.keys()], dirs: library.dirs }, sourcemap: false });
  const results: unknown[] = [];
  const host: SynthHost = {
    entry: entryLabel,
    synth(app, run) {
      const r = onSynth(app, run);
      results.push(r);
      return (r as { synthesis?: Synthesis })?.synthesis ?? (undefined as unknown as Synthesis);
    },
  };
  const g = globalThis as { [HOST_SYMBOL]?: SynthHost };
  const saved = { host: g[HOST_SYMBOL], argv: process.argv };
  g[HOST_SYMBOL] = host;
  // By its real path, as the bundle names its modules (and as Node names a main module): an entry
  // reached through a symlink still finds `process.argv[1] === __filename`.
  const self = fs.realpathSync(entry);
  process.argv = [process.argv[0], self];
  let error: EntryError | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('module');
    const m = new Module(self, null);
    m.filename = self;
    m.paths = Module._nodeModulePaths(path.dirname(self));
    m.id = '.';
    process.mainModule = m;
    loadWithCodeCache(bundle.file, m, undefined, (base) => requireLending(bundle.file, lend, base));
    m.loaded = true;
  } catch (e) {
    error = entryError(e, bundle, root, libraryDirs);
  } finally {
    // An app.synth() that runs after the entry returned (from an async function, a timer) is too
    // late: the command has already acted. It must not write out/ on its own either.
    g[HOST_SYMBOL] = saved.host ?? lateHost(entryLabel);
    process.argv = saved.argv;
  }
  return { inputs: bundle.inputs.map(([rel]) => rel), results, error };
}

/** The host in place once the entry has returned: any later synth is an error. */
function lateHost(entry: string): SynthHost {
  return {
    entry,
    synth() {
      process.exitCode = 1;
      throw new Error(`app.synth() ran after ${entry} had returned; the kamal-cdk command runs an estate synchronously: build the App and call app.synth() at the top level of the entry (no await before it)`);
    },
  };
}

/** The message of an exception, and the first place in the user's own sources on its stack. */
function entryError(e: unknown, bundle: { file: string; sourceMap(): string | undefined }, root: string, libraryDirs: string[]): EntryError {
  const message = e instanceof Error ? (e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message) : String(e);
  const stack = e instanceof Error ? e.stack : undefined;
  return { message, location: stack ? userLocation(stack, bundle, root, libraryDirs) : undefined, stack };
}

function userLocation(stack: string, bundle: { file: string; sourceMap(): string | undefined }, root: string, libraryDirs: string[]): string | undefined {
  const bundleFile = bundle.file;
  const escaped = bundleFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`);
  // The map is made on demand (a second bundling): only for a stack that passes through the bundle.
  if (!frame.test(stack)) return undefined;
  let map: { findEntry(line: number, column: number): { originalSource?: string; originalLine?: number; originalColumn?: number } } | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SourceMap } = require('module') as { SourceMap: new (payload: object) => NonNullable<typeof map> };
    const file = bundle.sourceMap();
    if (file === undefined) return undefined;
    map = new SourceMap(JSON.parse(fs.readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
  for (const line of stack.split('\n')) {
    const m = frame.exec(line);
    if (!m) continue;
    const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1);
    if (!entry?.originalSource) continue;
    const source = path.resolve(path.dirname(bundleFile), entry.originalSource.replace(/^file:\/\//, ''));
    // A package's code, wherever the project itself sits.
    if (path.relative(root, source).split(path.sep).includes('node_modules')) continue;
    if (libraryDirs.some((d) => source === d || source.startsWith(`${d}${path.sep}`))) continue;
    const shown = path.relative(process.cwd(), source).split(path.sep).join('/');
    return `${shown}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
  }
  return undefined;
}
