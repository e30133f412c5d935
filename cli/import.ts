/**
 * `kamal-cdk import`: an existing Kamal repository as a kamal-cdk project (kamal-cdk.json and
 * synth.ts) whose synth writes the same files, merging to the same configs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ImportResult, planImport } from './adopt/importer';
import { emitTypeScript } from './adopt/plan';
import { ExitCode } from './exit-codes';
import { displayDir } from './report';
import { printFindings, validateRepository } from './validate';

/** Where to import from and to. */
export interface ImportOptions {
  /** The app repository. */
  readonly root: string;
  /** Where the project is written. */
  readonly out: string;
  /** The environment ERB reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

interface Out {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** The files import writes (never over an existing one). */
export const IMPORTED_FILES = ['kamal-cdk.json', 'synth.ts'];

/** The command: validates, plans, proves and writes; returns the exit code. */
export function importCommand(options: ImportOptions, io: Out): number {
  if (!fs.existsSync(options.root) || !fs.statSync(options.root).isDirectory()) {
    io.stderr(`error: --root ${options.root} is not a folder`);
    return ExitCode.USAGE;
  }
  const env = options.env ?? process.env;
  const report = validateRepository({ root: options.root, env });
  if (report.families.length === 0) {
    io.stderr(`error: no Kamal config found: ${path.join(options.root, 'config')} has no deploy*.yml`);
    return ExitCode.USAGE;
  }
  const errors = report.findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    printFindings(report.findings, io);
    io.stderr(`import: the repository is invalid as Kamal 2.12 loads it (${errors.length} error(s)); fix it first (kamal-cdk validate shows the same)`);
    return ExitCode.VALIDATION_FAILED;
  }
  const existing = IMPORTED_FILES.filter((f) => fs.existsSync(path.join(options.out, f)));
  if (existing.length > 0) {
    io.stderr(`error: ${existing.map((f) => displayDir(path.join(options.out, f))).join(', ')} already exist${existing.length === 1 ? 's' : ''}; import never overwrites a file (choose another --out)`);
    return ExitCode.VALIDATION_FAILED;
  }
  let result: ImportResult;
  try {
    result = planImport(options.root, env);
  } catch (e) {
    // The model refused something the typed props and overrides could not get around.
    io.stderr(`error: the repository can't be imported: ${(e as Error).message}`);
    io.stderr('import: nothing was written');
    return ExitCode.VALIDATION_FAILED;
  }
  printFindings(report.findings, io);
  for (const w of result.warnings) io.stdout(`${w.line !== undefined ? `${w.file}:${w.line}` : w.file}: warning: ${w.message}`);
  if (result.errors.length > 0) {
    for (const e of result.errors) io.stderr(`error: ${e}`);
    io.stderr('import: nothing was written');
    return ExitCode.VALIDATION_FAILED;
  }
  const source = emitTypeScript(result.plan, [
    `Imported by kamal-cdk import from ${result.targets.length} config(s) of an existing Kamal repository.`,
    'Run kamal-cdk synth: it writes the same config and secrets files into the output folder.',
  ]);
  fs.mkdirSync(options.out, { recursive: true });
  fs.writeFileSync(path.join(options.out, 'kamal-cdk.json'), `${JSON.stringify({ app: 'synth.ts', outdir: 'out' }, null, 2)}\n`);
  fs.writeFileSync(path.join(options.out, 'synth.ts'), source);
  for (const f of IMPORTED_FILES) io.stdout(`written   ${displayDir(path.join(options.out, f))}`);
  const runs = result.targets.map((t) => `${t.file}${t.destination ? ` -d ${t.destination}` : ''}`);
  io.stdout(`import: ${result.plan.deploys.length} config(s), ${runs.length} merged config(s) reproduced (${runs.join(', ')})`);
  return ExitCode.OK;
}
