import * as path from 'path';
import { App } from '../src/app';
import { Diagnostic, formatDiagnostic } from '../src/annotations';
import { findDrift } from '../src/drift';
import { messageOf, synthesize, Synthesis } from '../src/synthesizer';
import { WriteError, writeTree, WriterFaults } from '../src/writer';
import { ExitCode } from './exit-codes';

/**
 * What a run does with the synthesis: write the output folder, check it for drift, or print the diff.
 */
export type SynthMode = 'write' | 'check' | 'diff';

/** How one synthesis is written, checked or diffed, and where the report goes. */
export interface SynthRunOptions {
  /** Write, check or diff. */
  readonly mode: SynthMode;
  /** The output folder (absolute). @default - the App's own */
  readonly outdir?: string;
  /**
   * Unacknowledged warnings fail the run.
   * @default - the App's `strict`
   */
  readonly strict?: boolean;
  /**
   * Print only errors, drift and diffs: no warnings, file list or summary.
   * @default false
   */
  readonly quiet?: boolean;
  /**
   * Write into a non-empty folder without a manifest.
   * @default false - a non-empty folder without a manifest is refused
   */
  readonly force?: boolean;
  /**
   * The project root, which is never a valid output folder.
   * @default - none; only `/` and the home folder (and what holds them) are refused
   */
  readonly projectRoot?: string;
  /** Receives report lines: the files written, drift patches, summaries. */
  readonly stdout: (line: string) => void;
  /** Receives errors, warnings and notes. */
  readonly stderr: (line: string) => void;
  /** Crash points for the writer's atomicity tests. @default - none */
  readonly faults?: WriterFaults;
}

/** What a run came to. */
export interface SynthOutcome {
  /** The command's exit code. */
  readonly exitCode: ExitCode;
  /** The synthesis; undefined when synth itself crashed. */
  readonly synthesis?: Synthesis;
}

/** The output folder as shown in messages: relative to the working directory when inside it. */
export function displayDir(outdir: string): string {
  const rel = path.relative(process.cwd(), outdir);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : outdir;
}

/** Synthesizes `app` and writes, checks or diffs the output folder, printing as the command does. */
export function synthApp(app: App, options: SynthRunOptions): SynthOutcome {
  const outdir = options.outdir ?? app.outdir;
  const display = displayDir(outdir);
  let synthesis: Synthesis;
  try {
    synthesis = synthesize(app, { displayDir: display, strict: options.strict || app.strict });
  } catch (e) {
    options.stderr(`error: synth crashed: ${messageOf(e)}`);
    return { exitCode: ExitCode.VALIDATION_FAILED };
  }
  return { exitCode: reportSynthesis(synthesis, { ...options, outdir }), synthesis };
}

/** Writes, checks or diffs a finished synthesis; returns the exit code. */
export function reportSynthesis(synthesis: Synthesis, options: SynthRunOptions & { outdir: string }): ExitCode {
  const { outdir, stdout, stderr } = options;
  const display = displayDir(outdir);
  if (synthesis.errors.length > 0) {
    reportErrors(synthesis.errors, display, options.mode, stderr);
    return ExitCode.VALIDATION_FAILED;
  }
  if (!options.quiet) {
    for (const w of synthesis.warnings) stderr(formatDiagnostic(w));
    for (const w of synthesis.acknowledged) stderr(formatDiagnostic(w));
  }

  if (options.mode === 'write') {
    let report;
    try {
      report = writeTree(outdir, synthesis.files, { faults: options.faults, force: options.force, projectRoot: options.projectRoot, display });
    } catch (e) {
      return writeFailed(e, display, stderr);
    }
    if (report.recovered) stderr(`note: ${display}/ held a write that a crash interrupted; it was ${report.recovered === 'rolled-forward' ? 'finished' : 'undone'} first`);
    if (!options.quiet) {
      for (const e of report.entries) stdout(`${e.action.padEnd(9)} ${display}/${e.path}`);
      const n = (a: string) => report.entries.filter((e) => e.action === a).length;
      stdout(`synth: ${n('written')} written, ${n('unchanged')} unchanged, ${n('removed')} removed`);
    }
    // The new files are in place: the write succeeded, and what is left over is said as it is.
    for (const p of report.afterCommitProblems) stderr(`warning: ${display}/ was written, but ${p}`);
    return ExitCode.OK;
  }

  let drift;
  try {
    drift = findDrift(outdir, synthesis.files, { display });
  } catch (e) {
    return writeFailed(e, display, stderr);
  }
  for (const d of drift) {
    stdout(`${d.kind.padEnd(10)} ${display}/${d.path}`);
    stdout(d.patch.replace(/\n$/, ''));
  }
  if (drift.length === 0) {
    if (!options.quiet) stdout(`${display}/ is up to date (${synthesis.files.length} files)`);
    return ExitCode.OK;
  }
  const summary = `${drift.length} file(s) differ from a fresh synth`;
  if (options.mode === 'check') {
    stderr(`drift: ${summary}; run kamal-cdk synth and commit ${display}/`);
    return ExitCode.DRIFT;
  }
  stdout(`diff: ${summary}`);
  return ExitCode.OK;
}

/** A writer or reader error as its exit code: locked, interrupted, or nothing changed. */
function writeFailed(e: unknown, display: string, stderr: (line: string) => void): ExitCode {
  if (e instanceof WriteError) {
    if (e.recovered) stderr(`note: ${display}/ held a write that a crash interrupted; it was ${e.recovered === 'rolled-forward' ? 'finished' : 'undone'} first`);
    stderr(`error: ${e.message}`);
    if (e.code === 'locked') return ExitCode.LOCKED;
    if (e.code === 'interrupted') return ExitCode.INTERRUPTED;
    return ExitCode.VALIDATION_FAILED;
  }
  stderr(`error: could not write ${display}/: ${messageOf(e)} (nothing was changed)`);
  return ExitCode.VALIDATION_FAILED;
}

function reportErrors(errors: Diagnostic[], display: string, mode: SynthMode, stderr: (line: string) => void): void {
  const what = mode === 'write' ? `nothing was written to ${display}/` : `${display}/ was not compared`;
  stderr(`Validation failed with the following errors (${what}):`);
  for (const e of errors) stderr(`  ${formatDiagnostic(e)}`);
  stderr(`${errors.length} error(s)`);
}
