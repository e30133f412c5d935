/**
 * The `kamal-cdk` command: reads kamal-cdk.json and the command line, type-checks and runs the
 * estate program, and writes, checks or diffs its output folder. Everything that prints or sets
 * an exit code lives here; the engine's App takes props only.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'util';
import type { App } from '../src/app';
import type { Synthesis, SynthesizeOptions } from '../src/synthesizer';
import { configCommand, effectiveDiff } from './config';
import { ExitCode } from './exit-codes';
import { loadEntry } from './load';
import { packageRoot } from './package-root';
import { findProject, Project, ProjectError } from './project';
import { displayDir, reportSynthesis, SynthMode } from './report';
import { typeCheck } from './typecheck';
import { ADOPT_FLAGS, IMPORT_HELP, VALIDATE_HELP } from './adopt/command';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { projectRootOf } = require('../src/bundle-cache.js') as { projectRootOf(dir: string): string };

export { ExitCode } from './exit-codes';
export { synthApp } from './report';
export type { SynthOutcome, SynthRunOptions } from './report';

/** Where the command prints. */
export interface CliIO {
  /** Prints one line of output (written files, diffs, merged configs). */
  readonly stdout: (line: string) => void;
  /** Prints one line of diagnostics (errors, warnings, usage). */
  readonly stderr: (line: string) => void;
  /** The working directory. @default process.cwd() */
  readonly cwd?: string;
}

export const COMMANDS = ['synth', 'check', 'diff', 'config', 'init', 'watch', 'validate', 'import'] as const;
type Command = (typeof COMMANDS)[number];

const USAGE = `usage: kamal-cdk <command> [options]

commands:
  synth       validate the estate, render every file, write the output folder
  check       compare a fresh synth with the output folder; exit 2 and print the patch on drift
  diff        print what synth would change (exit 0); --effective: the merged configs Kamal sees
  config      print the merged config Kamal sees for a config file and destination
  init [DIR]  create a new estate project (never overwrites a file)
  watch       synth again whenever a file the estate is built from changes
  validate    check an existing Kamal repository as Kamal 2.12 would, every problem at once
  import      turn an existing Kamal repository into a kamal-cdk project

run 'kamal-cdk <command> --help' for a command's options; 'kamal-cdk --version' prints the version.
exit codes: 0 ok, 1 errors (nothing written), 2 drift, 3 interrupted write found, 64 usage, 75 locked`;

const COMMON = `  --app FILE     the estate's entry (default: kamal-cdk.json "app", else synth.ts)
  --outdir DIR   the output folder (default: kamal-cdk.json "outdir", else out)
  --strict       unacknowledged warnings are errors
  --quiet        print errors only
  --verbose      print stack traces of construction errors
  -h, --help     this help`;

const HELP: Record<Command, string> = {
  synth: `usage: kamal-cdk synth [options]\n\nvalidate, render and write the output folder; one line per file (written / unchanged / removed)\n\n${COMMON}\n  --force        write into a non-empty folder that has no manifest`,
  check: `usage: kamal-cdk check [options]\n\ncompare a fresh synth with the output folder byte for byte; exit 2 and print a unified diff on drift\n\n${COMMON}`,
  diff: `usage: kamal-cdk diff [--effective] [options]\n\nprint what synth would change, file by file (exit 0)\n\n  --effective    per config and destination, how the merged config Kamal sees would change\n${COMMON}`,
  config: `usage: kamal-cdk config [-c FILE] [-d DEST] [options]\n\nprint the config Kamal sees for a config file and destination (an offline 'kamal config')\n\n  -c, --config-file FILE   the config file (default: config/deploy.yml)\n  -d, --destination DEST   the destination (needed when the config has destinations)\n${COMMON}`,
  init: `usage: kamal-cdk init [DIR] [--no-install]\n\ncreate a new estate project in DIR (default: the current folder): package.json (or extend the\nexisting one), kamal-cdk.json, synth.ts, tsconfig.json, jest config and test, a CI workflow\nand a README, then npm install. Never overwrites a file.\n\n  --no-install   do not run npm install\n  -h, --help     this help`,
  watch: `usage: kamal-cdk watch [options]\n\nsynth now, then again whenever a file the estate is built from changes (Ctrl-C to stop)\n\n${COMMON}`,
  validate: VALIDATE_HELP,
  import: IMPORT_HELP,
};

interface Options {
  app?: string;
  outdir?: string;
  strict?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  force?: boolean;
  effective?: boolean;
  'config-file'?: string;
  destination?: string;
  help?: boolean;
  'no-install'?: boolean;
  root?: string;
  out?: string;
}

class UsageError extends Error {}

function parse(command: Command, args: string[]): { options: Options; positionals: string[] } {
  const flags = {
    app: { type: 'string' },
    outdir: { type: 'string' },
    strict: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    verbose: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } as const;
  const extra =
    command === 'synth'
      ? { force: { type: 'boolean' } }
      : command === 'diff'
        ? { effective: { type: 'boolean' } }
        : command === 'config'
          ? { 'config-file': { type: 'string', short: 'c' }, destination: { type: 'string', short: 'd' } }
          : command === 'validate' || command === 'import'
            ? ADOPT_FLAGS[command]
            : {};
  const init = { help: flags.help, 'no-install': { type: 'boolean' } };
  try {
    const { values, positionals } = parseArgs({
      args,
      options: (command === 'init' ? init : command === 'validate' || command === 'import' ? { help: flags.help, ...extra } : { ...flags, ...extra }) as Parameters<typeof parseArgs>[0] extends infer P ? P extends { options?: infer O } ? O : never : never,
      allowPositionals: command === 'init',
      strict: true,
    });
    if (command === 'init' && positionals.length > 1) throw new UsageError(`init takes one folder, got ${positionals.length}`);
    for (const [k, v] of Object.entries(values)) {
      if (typeof v === 'string' && (v === '' || v.startsWith('-'))) throw new UsageError(`--${k} needs a value`);
    }
    return { options: values as Options, positionals };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(usageMessage(e as Error & { code?: string }));
  }
}

/** node's parseArgs messages, in the command's words. */
function usageMessage(e: Error & { code?: string }): string {
  const m = /'(-{1,2}[^' ,]+)/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown argument '${m?.[1] ?? e.message}'`;
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${m?.[1] ?? 'an option'} needs a value`;
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return `unexpected argument ${/'([^']*)'/.exec(e.message)?.[1] ?? ''}`.trim();
  return e.message;
}

/**
 * A module of the command, loaded on first use. The specifier is a literal at every call, so
 * esbuild still bundles the module (its code then runs only when required).
 */
function lazy<T>(specifier: './init' | './validate' | './import' | './watch'): T {
  switch (specifier) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    case './init': return require('./init') as T;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    case './validate': return require('./validate') as T;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    case './import': return require('./import') as T;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    case './watch': return require('./watch') as T;
  }
}

/** The version of the kamal-cdk package this command runs from. */
function ownVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** Runs `kamal-cdk ...args`; resolves to the exit code. Never calls process.exit. */
export async function main(args: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  const [first, ...rest] = args;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout)(USAGE);
    return first === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout(ownVersion());
    return ExitCode.OK;
  }
  if (!(COMMANDS as readonly string[]).includes(first)) {
    io.stderr(`error: unknown command '${first}'\n${USAGE}`);
    return ExitCode.USAGE;
  }
  const command = first as Command;
  let options: Options;
  let positionals: string[];
  try {
    ({ options, positionals } = parse(command, [...rest]));
  } catch (e) {
    io.stderr(`error: ${(e as Error).message}\n${HELP[command]}`);
    return ExitCode.USAGE;
  }
  if (options.help) {
    io.stdout(HELP[command]);
    return ExitCode.OK;
  }
  const cwd = io.cwd ?? process.cwd();
  // Each of these commands' modules is loaded when it runs: synth and check, run most often, don't load them.
  if (command === 'init') return lazy<typeof import('./init')>('./init').initCommand(path.resolve(cwd, positionals[0] ?? '.'), io, { install: !options['no-install'] });
  if (command === 'validate') return lazy<typeof import('./validate')>('./validate').validateCommand({ root: path.resolve(cwd, options.root ?? '.'), configFile: options['config-file'], destination: options.destination }, io);
  if (command === 'import') return lazy<typeof import('./import')>('./import').importCommand({ root: path.resolve(cwd, options.root ?? '.'), out: path.resolve(cwd, options.out ?? '.') }, io);

  let project: Project;
  try {
    project = findProject(cwd);
  } catch (e) {
    if (!(e instanceof ProjectError)) throw e;
    io.stderr(`error: ${e.message}`);
    return ExitCode.USAGE;
  }
  const entry = path.resolve(options.app !== undefined ? cwd : project.root, options.app ?? project.settings.app);
  if (!fs.existsSync(entry)) {
    const where = options.app !== undefined ? '--app' : project.file ? `"app" in ${displayDir(project.file)}` : 'the default entry';
    io.stderr(`error: ${displayDir(entry)} (${where}) does not exist; create it with 'kamal-cdk init' or point --app at your estate`);
    return ExitCode.USAGE;
  }
  const outdir = options.outdir !== undefined ? path.resolve(cwd, options.outdir) : project.file ? path.resolve(project.root, project.settings.outdir) : undefined;
  const run: RunSettings = { project, entry, outdir, strict: !!options.strict || project.settings.strict, quiet: !!options.quiet, verbose: !!options.verbose, force: !!options.force };

  if (command === 'watch') return lazy<typeof import('./watch')>('./watch').watchCommand(run, io);
  if (command === 'config') return runEntry(run, io, (app, synthesis) => configCommand(app, synthesis, options['config-file'] ?? 'config/deploy.yml', options.destination, io));
  if (command === 'diff' && options.effective) return runEntry(run, io, (app, synthesis) => effectiveDiff(app, synthesis, resolvedOutdir(run, app), io));
  const mode: SynthMode = command === 'synth' ? 'write' : (command as SynthMode);
  return runEntry(run, io, (app, synthesis) => {
    const out = resolvedOutdir(run, app);
    return reportSynthesis(synthesis, { mode, outdir: out, strict: run.strict, quiet: run.quiet, force: run.force, projectRoot: run.project.root, stdout: io.stdout, stderr: io.stderr });
  });
}

/** What a command that runs the estate needs to know. */
export interface RunSettings {
  /** The project the command runs in (its folder and kamal-cdk.json). */
  readonly project: Project;
  /** The estate's entry file (absolute): --app, else kamal-cdk.json's `app`. */
  readonly entry: string;
  /**
   * The output folder (absolute), from --outdir or kamal-cdk.json.
   * @default - the App's own (its props, or out/ in the project)
   */
  readonly outdir?: string;
  /** Unacknowledged warnings are errors (--strict, or kamal-cdk.json's `strict`). */
  readonly strict: boolean;
  /** Print errors only (--quiet). */
  readonly quiet: boolean;
  /** Print the stack trace of a construction error (--verbose). */
  readonly verbose: boolean;
  /** Write into a folder without a manifest (--force). */
  readonly force: boolean;
}

function resolvedOutdir(run: RunSettings, app: App): string {
  if (run.outdir) return run.outdir;
  return app.outdirGiven ? app.outdir : path.resolve(run.project.root, 'out');
}

/** The folders of kamal-cdk's own sources, which a user's stack frame is never in. */
function libraryDirs(): string[] {
  const pkg = packageRoot();
  return ['src', 'constructs', 'cli', 'lib', 'bin'].map((d) => path.join(pkg, d));
}

/**
 * Type-checks and runs the entry, then runs `act` for its one App with the App's synthesis. The
 * entry only synthesizes in memory: nothing is written, checked or printed until it has returned
 * without an error and synthesized exactly one App.
 */
export function runEntry(run: RunSettings, io: CliIO, act: (app: App, synthesis: Synthesis) => number): number {
  // The entry's code belongs to the package it sits in (its tsconfig, its node_modules), which is
  // the project itself unless --app points elsewhere.
  const codeRoot = projectRootOf(path.dirname(run.entry));
  let checked;
  try {
    checked = typeCheck(run.entry, codeRoot);
  } catch (e) {
    io.stderr(`error: could not type-check ${displayDir(run.entry)}: ${(e as Error).message}`);
    return ExitCode.VALIDATION_FAILED;
  }
  if (checked.diagnostics.length > 0) {
    io.stderr(`Type errors (nothing was written):`);
    for (const d of checked.diagnostics) io.stderr(`  ${d}`);
    io.stderr(`${checked.diagnostics.length} error(s); fix them, then run kamal-cdk again`);
    return ExitCode.VALIDATION_FAILED;
  }
  const strict = run.strict;
  const loaded = loadEntry(
    run.entry,
    codeRoot,
    (app: App, synthesize: (o: SynthesizeOptions) => Synthesis) => {
      const synthesis = synthesize({ displayDir: displayDir(resolvedOutdir(run, app)), strict: strict || app.strict });
      return { app, synthesis };
    },
    libraryDirs(),
    entryLabel(run.entry, codeRoot),
  );
  if (loaded.error) {
    const e = loaded.error;
    io.stderr(`error ${e.message.startsWith('[') ? e.message : `[${displayDir(run.entry)}] ${e.message}`}`);
    if (e.location) io.stderr(`  at ${e.location}`);
    if (run.verbose && e.stack) io.stderr(e.stack);
    else io.stderr('  (nothing was written; --verbose prints the stack trace)');
    return ExitCode.VALIDATION_FAILED;
  }
  const results = loaded.results as Array<{ app: App; synthesis: Synthesis }>;
  if (results.length === 0) {
    io.stderr(`error: ${displayDir(run.entry)} ran, but no App was synthesized; end it with app.synth() (called before the entry returns, not later)`);
    return ExitCode.VALIDATION_FAILED;
  }
  if (results.length > 1) {
    io.stderr(`error: ${displayDir(run.entry)} synthesized ${results.length} Apps (nothing was written); an estate program has one App (put several estates in several entries, each with its own kamal-cdk.json)`);
    return ExitCode.VALIDATION_FAILED;
  }
  return act(results[0].app, results[0].synthesis);
}

/**
 * How the generated-file marker names the entry: relative to the nearest kamal-cdk.json at or
 * above it (the project that owns it), else to its package, whatever the working directory.
 */
function entryLabel(entry: string, codeRoot: string): string {
  let base = codeRoot;
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'kamal-cdk.json'))) {
      base = dir;
      break;
    }
    if (dir === codeRoot || path.dirname(dir) === dir) break;
  }
  return path.relative(base, entry).split(path.sep).join('/');
}

function defaultIO(): CliIO {
  return { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
}
