import * as path from 'path';
import { Construct, IConstruct } from 'constructs';
import { Diagnostic, formatDiagnostic } from './annotations';
import { findDrift } from './drift';
import { messageOf, synthesize, Synthesis } from './synthesizer';
import { writeTree, WriterFaults } from './writer';

/** Exit codes of `npm run synth` / `check` / `diff`. */
export enum ExitCode {
  OK = 0,
  /** Validation errors (or warnings under `--strict`); nothing was written. */
  VALIDATION_FAILED = 1,
  /** `--check` found the output folder differs from a fresh synth. */
  DRIFT = 2,
  /** Bad command line (unknown flag, missing value). */
  USAGE = 64,
}

export type SynthMode = 'write' | 'check' | 'diff';

export interface AppProps {
  /**
   * Command-line arguments to read flags from.
   * @default process.argv.slice(2)
   */
  readonly argv?: readonly string[];
  /**
   * Output folder, relative to the working directory. `--outdir` overrides it.
   * @default 'out'
   */
  readonly outdir?: string;
  /** Where reports go. @default process.stdout / process.stderr */
  readonly stdout?: (line: string) => void;
  readonly stderr?: (line: string) => void;
  /** Crash points for the writer's atomicity tests. @default - none */
  readonly faults?: WriterFaults;
}

export interface SynthOutcome {
  readonly exitCode: ExitCode;
  readonly synthesis?: Synthesis;
}

const USAGE = `usage: synth.ts [--check | --diff] [--outdir DIR] [--strict] [--quiet]
  (no flag)     validate, then write the output folder
  --check       compare a fresh synth with the output folder; exit 2 and print the patch on drift
  --diff        print what would change, exit 0
  --outdir DIR  output folder (default: out)
  --strict      unacknowledged warnings are errors
  --quiet       print errors only`;

const APP_SYMBOL = Symbol.for('kamal-cdk.App');

/**
 * The root of an estate. `synth()` validates the whole tree, renders every file, and then writes,
 * checks or diffs the output folder as the command line asks.
 */
export class App extends Construct {
  /** The App at the root of `scope`'s tree. */
  public static of(scope: IConstruct): App {
    const root = scope.node.root;
    if (!App.isApp(root)) throw new Error(`[${scope.node.path}] is not in an App; create it under new App()`);
    return root;
  }

  public static isApp(x: unknown): x is App {
    return typeof x === 'object' && x !== null && APP_SYMBOL in x;
  }

  /** The output folder (absolute). */
  public readonly outdir: string;
  public readonly mode: SynthMode;
  public readonly strict: boolean;
  public readonly quiet: boolean;
  private readonly usageError?: string;
  private readonly help: boolean;
  private readonly out: (line: string) => void;
  private readonly err: (line: string) => void;
  private readonly faults?: WriterFaults;

  constructor(props: AppProps = {}) {
    super(undefined as any, '');
    Object.defineProperty(this, APP_SYMBOL, { value: true });
    const flags = parseFlags(props.argv ?? process.argv.slice(2));
    this.usageError = flags.error;
    this.help = flags.help;
    this.mode = flags.mode;
    this.strict = flags.strict;
    this.quiet = flags.quiet;
    this.outdir = path.resolve(flags.outdir ?? props.outdir ?? 'out');
    this.out = props.stdout ?? ((l) => process.stdout.write(`${l}\n`));
    this.err = props.stderr ?? ((l) => process.stderr.write(`${l}\n`));
    this.faults = props.faults;
  }

  /** The output folder as shown in messages: relative to the working directory when inside it. */
  public get displayDir(): string {
    const rel = path.relative(process.cwd(), this.outdir);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : this.outdir;
  }

  /**
   * Validates, renders and writes (or checks, or diffs) the output folder. Sets
   * `process.exitCode` and returns the outcome; never writes anything when there are errors.
   */
  public synth(): SynthOutcome {
    const outcome = this.run();
    process.exitCode = outcome.exitCode;
    return outcome;
  }

  private run(): SynthOutcome {
    if (this.usageError) {
      this.err(`error: ${this.usageError}\n${USAGE}`);
      return { exitCode: ExitCode.USAGE };
    }
    if (this.help) {
      this.out(USAGE);
      return { exitCode: ExitCode.OK };
    }
    let synthesis: Synthesis;
    try {
      synthesis = synthesize(this, { displayDir: this.displayDir, strict: this.strict });
    } catch (e) {
      this.err(`error: synth crashed: ${messageOf(e)}`);
      return { exitCode: ExitCode.VALIDATION_FAILED };
    }
    if (synthesis.errors.length > 0) {
      this.reportErrors(synthesis.errors);
      return { exitCode: ExitCode.VALIDATION_FAILED, synthesis };
    }
    if (!this.quiet) this.reportWarnings(synthesis);

    if (this.mode === 'write') {
      let report;
      try {
        report = writeTree(this.outdir, synthesis.files, this.faults);
      } catch (e) {
        this.err(`error: could not write ${this.displayDir}/: ${messageOf(e)}`);
        return { exitCode: ExitCode.VALIDATION_FAILED, synthesis };
      }
      if (!this.quiet) {
        for (const e of report.entries) this.out(`${e.action.padEnd(9)} ${this.displayDir}/${e.path}`);
        const n = (a: string) => report.entries.filter((e) => e.action === a).length;
        this.out(`synth: ${n('written')} written, ${n('unchanged')} unchanged, ${n('removed')} removed`);
      }
      return { exitCode: ExitCode.OK, synthesis };
    }

    let drift;
    try {
      drift = findDrift(this.outdir, synthesis.files, this.displayDir);
    } catch (e) {
      this.err(`error: could not read ${this.displayDir}/: ${messageOf(e)}`);
      return { exitCode: ExitCode.VALIDATION_FAILED, synthesis };
    }
    for (const d of drift) {
      this.out(`${d.kind.padEnd(10)} ${this.displayDir}/${d.path}`);
      this.out(d.patch.replace(/\n$/, ''));
    }
    if (drift.length === 0) {
      if (!this.quiet) this.out(`${this.displayDir}/ is up to date (${synthesis.files.length} files)`);
      return { exitCode: ExitCode.OK, synthesis };
    }
    const summary = `${drift.length} file(s) differ from a fresh synth`;
    if (this.mode === 'check') {
      this.err(`drift: ${summary}; run npm run synth and commit ${this.displayDir}/`);
      return { exitCode: ExitCode.DRIFT, synthesis };
    }
    this.out(`diff: ${summary}`);
    return { exitCode: ExitCode.OK, synthesis };
  }

  private reportErrors(errors: Diagnostic[]): void {
    this.err(`Validation failed with the following errors (nothing was written to ${this.displayDir}/):`);
    for (const e of errors) this.err(`  ${formatDiagnostic(e)}`);
    this.err(`${errors.length} error(s)`);
  }

  private reportWarnings(s: Synthesis): void {
    for (const w of s.warnings) this.err(formatDiagnostic(w));
    for (const w of s.acknowledged) this.err(formatDiagnostic(w));
  }
}

interface Flags {
  mode: SynthMode;
  outdir?: string;
  strict: boolean;
  quiet: boolean;
  help: boolean;
  error?: string;
}

export function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { mode: 'write', strict: false, quiet: false, help: false };
  const setMode = (m: SynthMode) => {
    if (flags.mode !== 'write' && flags.mode !== m) flags.error = `--check and --diff can't be combined`;
    flags.mode = m;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') setMode('check');
    else if (a === '--diff') setMode('diff');
    else if (a === '--strict') flags.strict = true;
    else if (a === '--quiet' || a === '-q') flags.quiet = true;
    else if (a === '--help' || a === '-h') flags.help = true;
    else if (a === '--outdir' || a.startsWith('--outdir=')) {
      const v = a === '--outdir' ? argv[++i] : a.slice('--outdir='.length);
      if (!v || v.startsWith('--')) flags.error = '--outdir needs a folder';
      else flags.outdir = v;
    } else {
      flags.error = `unknown argument '${a}'`;
    }
    if (flags.error) break;
  }
  return flags;
}
