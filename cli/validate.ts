/**
 * `kamal-cdk validate`: an existing Kamal repository checked as Kamal 2.12 checks it, every
 * problem at once, Kamal's first problem first, each as `file:line: message`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type * as L1 from '../constructs/kamal/l1';
import { isHash } from '../constructs/kamal/merge';
import { KamalSecrets } from '../constructs/kamal/secrets';
import { secretUsesOf } from '../constructs/kamal/view';
import { checkAsKamal } from './adopt/kamal-check';
import { oneLine, opaqueIn } from './adopt/erb';
import { ConfigFamily, findFamilies, loadConfig, LoadedConfig, LoadError, parseSecretsFile, readConfigFile } from './adopt/repository';
import { ExitCode } from './exit-codes';
import { planImport } from './adopt/importer';
import { buildPlan } from './adopt/plan';
import { Estate } from '../constructs/estate/estate';
import { synthesize } from '../src/synthesizer';

/** What to validate. */
export interface ValidateOptions {
  /** The app repository. */
  readonly root: string;
  /** `-c`: one config file, relative to the root. @default - every family under config/ */
  readonly configFile?: string;
  /** `-d`: the destination. */
  readonly destination?: string;
  /** The environment ERB reads. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** One finding, located. */
export interface Finding {
  /** The file, relative to the root. */
  readonly file: string;
  /** The 1-based line of the YAML node, when known. */
  readonly line?: number;
  /** Kamal's words (with a note when ERB was involved). */
  readonly message: string;
  /** An error makes the repository invalid; a warning does not. */
  readonly severity: 'error' | 'warning';
  /** The `kamal` invocations it applies to (`-c FILE -d DEST`). */
  readonly runs: string[];
}

/** The outcome of validating a repository (or one invocation). */
export interface ValidationReport {
  /** Every finding, in the order met (each config's in Kamal's order). */
  readonly findings: Finding[];
  /** Every (config, destination) that would run. */
  readonly loaded: LoadedRun[];
  /** The config families checked. */
  readonly families: ConfigFamily[];
}

/** One (config, destination) that would run. */
export interface LoadedRun {
  /** Its config family. */
  readonly family: ConfigFamily;
  /** `-d`, if any. */
  readonly destination?: string;
  /** The merged config, when every file loaded. */
  readonly config?: LoadedConfig;
  /** Whether Kamal accepts it. */
  readonly valid: boolean;
}

interface Out {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/** The command: prints findings, returns the exit code. */
export function validateCommand(options: ValidateOptions, io: Out): number {
  if (!fs.existsSync(options.root) || !fs.statSync(options.root).isDirectory()) {
    io.stderr(`error: --root ${options.root} is not a folder`);
    return ExitCode.USAGE;
  }
  if (options.destination !== undefined && options.configFile === undefined) {
    // Without -c the whole repository is checked, every destination of every config.
    io.stderr('error: -d needs -c (without -c every config and destination is checked)');
    return ExitCode.USAGE;
  }
  const report = validateRepository(options);
  if (options.configFile === undefined && report.families.length === 0) {
    io.stderr(`error: no Kamal config found: ${path.join(options.root, 'config')} has no deploy*.yml; give one with -c`);
    return ExitCode.USAGE;
  }
  printFindings(report.findings, io);
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  const warnings = report.findings.length - errors;
  const runs = report.loaded.length;
  io.stdout(errors === 0
    ? `validate: valid (${runs} config${runs === 1 ? '' : 's'} checked as Kamal 2.12 loads them${warnings ? `, ${warnings} warning(s)` : ''})`
    : `validate: ${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ''} in ${report.loaded.filter((l) => !l.valid).length} of ${runs} config(s)`);
  return errors === 0 ? ExitCode.OK : ExitCode.VALIDATION_FAILED;
}

/** `file:line: message`, the invocations it applies to when more than one config was checked. */
export function printFindings(findings: readonly Finding[], io: Out): void {
  for (const f of findings) {
    const where = f.line !== undefined ? `${f.file}:${f.line}` : f.file;
    // A problem of a config without destinations needs no note of where it comes from.
    const shown = f.runs.filter((r) => r !== '');
    const runs = shown.length > 0 && !(shown.length === 1 && shown[0] === `-c ${f.file}`) ? ` [${shown.join('; ')}]` : '';
    io.stdout(`${where}: ${f.severity === 'warning' ? 'warning: ' : ''}${f.message}${runs}`);
  }
}

/** Validates a repository (no configFile) or one invocation. */
export function validateRepository(options: ValidateOptions): ValidationReport {
  const env = options.env ?? process.env;
  const collector = new Collector(options.configFile !== undefined);
  const loaded: LoadedRun[] = [];
  let families: ConfigFamily[];

  if (options.configFile !== undefined) {
    const file = toPosix(path.relative(options.root, path.resolve(options.root, options.configFile)));
    const family = { file, destinations: options.destination === undefined ? [] : [options.destination] };
    families = [family];
    const l = checkRun(options.root, family, options.destination, { env, withoutDestination: options.destination === undefined, severity: 'error' }, collector);
    loaded.push({ family, destination: options.destination, config: l.config, valid: l.valid });
  } else {
    families = findFamilies(options.root, { env });
    for (const family of families) {
      for (const d of family.destinations) {
        const l = checkRun(options.root, family, d, { env, withoutDestination: false, severity: 'error' }, collector);
        loaded.push({ family, destination: d, config: l.config, valid: l.valid });
      }
      if (family.destinations.length === 0) {
        const l = checkRun(options.root, family, undefined, { env, withoutDestination: true, severity: 'error' }, collector);
        loaded.push({ family, config: l.config, valid: l.valid });
      } else {
        checkBaseAlone(options.root, family, env, collector);
      }
    }
  }
  for (const l of loaded) if (l.config && l.valid) checkSecrets(options.root, l.family, l.destination, l.config, collector);
  if (options.configFile === undefined && loaded.length > 0 && loaded.every((l) => l.valid)) checkAcrossConfigs(options.root, env, collector, loaded);
  return { findings: collector.findings(), loaded, families };
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function runLabel(family: ConfigFamily, destination: string | undefined): string {
  return `-c ${family.file}${destination === undefined ? '' : ` -d ${destination}`}`;
}

/** Findings in the order met; one line for a problem several invocations share. */
class Collector {
  private readonly list: Array<Finding & { runs: string[] }> = [];
  constructor(private readonly single: boolean) {}

  public add(f: Omit<Finding, 'runs'>, run: string): void {
    const same = this.list.find((x) => x.file === f.file && x.line === f.line && x.message === f.message && x.severity === f.severity);
    if (same) {
      if (!same.runs.includes(run)) same.runs.push(run);
      return;
    }
    this.list.push({ ...f, runs: [run] });
  }

  public has(f: { file: string; line?: number; message: string }): boolean {
    return this.list.some((x) => x.file === f.file && x.line === f.line && x.message === f.message);
  }

  public findings(): Finding[] {
    return this.list.map((f) => ({ ...f, runs: this.single ? [] : f.runs }));
  }
}

interface RunOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly withoutDestination: boolean;
  readonly severity: 'error' | 'warning';
  /** Check as a fragment (a base that never runs alone). */
  readonly partial?: boolean;
  /** Appended to every problem's message. */
  readonly suffix?: string;
  /** Report only problems no other invocation reported. */
  readonly onlyNew?: boolean;
}

/** Loads and checks one invocation; reports ERB warnings and problems. */
function checkRun(root: string, family: ConfigFamily, destination: string | undefined, o: RunOptions, c: Collector): { config?: LoadedConfig; valid: boolean } {
  const run = runLabel(family, destination);
  let config: LoadedConfig;
  try {
    config = loadConfig(root, family.file, destination, { env: o.env });
  } catch (e) {
    if (!(e instanceof LoadError)) throw e;
    c.add({ file: e.file, line: e.line, message: e.message.replace(path.resolve(root) + path.sep, ''), severity: o.severity }, run);
    return { valid: false };
  }
  for (const f of config.files) for (const w of f.erb.warnings) c.add({ file: f.file, line: w.line, message: w.message, severity: 'warning' }, run);
  // Kamal renders ERB before anything else: what it raises there comes first.
  const raised = config.files.flatMap((f) => f.erb.errors.map((e) => ({ file: f.file, line: e.line, message: e.message, severity: o.severity })));
  for (const e of raised) c.add(e, run);
  const problems = checkAsKamal(config.config, { partial: o.partial, withoutDestination: o.withoutDestination });
  const opaque = config.files.flatMap((f) => f.erb.opaque.map((t) => ({ ...t, file: f.file })));
  let judged = 0;
  for (const p of problems) {
    // Several unknown keys point at their hash; the line of the first one reads better.
    const firstUnknown = /unknown keys: ([^,]+),/.exec(p.message)?.[1];
    const where = config.where(firstUnknown !== undefined ? `${p.pointer}/${firstUnknown.replace(/~/g, '~0').replace(/\//g, '~1')}` : p.pointer);
    const value = valueAt(config.config, p.pointer);
    const hidden = typeof value === 'string' ? opaqueIn(value, opaque) : [];
    let message = p.message;
    for (const t of opaque) message = message.split(t.placeholder).join(oneLine(t.tag));
    // A value that is wholly one tag validate could not evaluate, shown on its line as a plain
    // scalar (`key: TAG`, `- TAG`), is unknown (it may even print a number): what its stand-in
    // fails is no verdict. The key it sits under, text beside it, quotes, a !!str tag, a block
    // scalar or an alias are known, and judged as written.
    const rendered = where.line === undefined ? '' : config.files.find((f) => f.file === where.file)?.erb.text.split('\n')[where.line - 1] ?? '';
    const placeholder = hidden[0]?.placeholder;
    const plain = placeholder !== undefined && new RegExp(`(?:^|:|-)[ \\t]+${placeholder}[ \\t]*(?:#.*)?$`).test(rendered);
    const unknown = value === placeholder && plain && !/unknown keys?:/.test(p.message);
    if (hidden.length > 0) message += ` (the value comes from ERB that was not evaluated: ${[...new Set(hidden.map((t) => oneLine(t.tag)))].join(', ')}${unknown ? '; Kamal judges what it prints' : ''})`;
    if (!unknown) judged++;
    const unset = config.files.find((f) => f.file === where.file)?.erb.unset.filter((u) => u.line === where.line) ?? [];
    if (unset.length > 0) message += ` (ERB read ${[...new Set(unset.map((u) => u.name))].join(', ')}, which is not set here)`;
    const f = { file: where.file, line: where.line, message: `${message}${o.suffix ?? ''}`, severity: unknown ? ('warning' as const) : o.severity };
    if (o.onlyNew && c.has({ file: f.file, line: f.line, message: p.message })) continue;
    c.add(f, run);
  }
  return { config, valid: judged === 0 && raised.length === 0 };
}

/**
 * A base with destinations, on its own: never run when it sets require_destination (then only
 * a fragment check, as synth does); otherwise `kamal` without -d runs it, so what fails there is
 * a warning that suggests require_destination.
 */
function checkBaseAlone(root: string, family: ConfigFamily, env: Readonly<Record<string, string | undefined>>, c: Collector): void {
  let requires = false;
  try {
    const v = readConfigFile(root, family.file, { env }).doc.value;
    requires = isHash(v) && v.require_destination === true;
  } catch {
    return; // reported by the destination runs
  }
  if (requires) {
    checkRun(root, family, undefined, { env, withoutDestination: false, severity: 'error', partial: true, onlyNew: true }, c);
  } else {
    checkRun(root, family, undefined, {
      env,
      withoutDestination: true,
      severity: 'warning',
      onlyNew: true,
      suffix: ` (${family.file} alone, as \`kamal\` without -d loads it; if it is only deployed with -d ${family.destinations.join('/')}, set require_destination: true)`,
    }, c);
  }
}

/** The Estate's same-host messages: container names, published ports, named volumes, routes, kamal-proxy settings. */
const SAME_HOST = / on host .*, which .* (also runs|already publishes|also mounts|also claims)| for kamal-proxy on host /;

/**
 * The checks synth runs across configs on one host (names, ports, volumes, routes), on the
 * repository as import reads it. Kamal never looks across configs, so they are warnings: each
 * config is still what Kamal accepts, but deploying them together fails.
 */
function checkAcrossConfigs(root: string, env: Readonly<Record<string, string | undefined>>, c: Collector, loaded: readonly LoadedRun[]): void {
  let messages: string[];
  try {
    const { plan } = planImport(root, env);
    const { app } = buildPlan(plan);
    new Estate(app, 'Estate');
    const s = synthesize(app);
    messages = [...s.errors, ...s.warnings].map((d) => d.message).filter((m) => SAME_HOST.test(m));
  } catch (e) {
    c.add({ file: 'config', message: `the checks across configs did not run: ${(e as Error).message}`, severity: 'warning' }, '');
    return;
  }
  for (const m of messages) {
    // `config/deploy.yml -d staging: servers/web ...`: the file leads the line, the run is kept.
    const lead = /^(\S+\.yml)(?: -d (\S+))?: (\S+)/.exec(m);
    const run = lead ? loaded.find((l) => l.family.file === lead[1] && l.destination === lead[2]) : undefined;
    const where = run?.config && lead ? run.config.where(pointerOfKey(lead[3])) : { file: lead?.[1] ?? 'config', line: undefined };
    const rest = lead ? m.slice(lead[0].length - lead[3].length) : m;
    c.add({ file: where.file, line: where.line, message: lead?.[2] ? `${rest} (-d ${lead[2]})` : rest, severity: 'warning' }, '');
  }
}

/** Every secret the config uses is defined in the secrets files Kamal reads (a deploy-time error in Kamal). */
function checkSecrets(root: string, family: ConfigFamily, destination: string | undefined, config: LoadedConfig, c: Collector): void {
  const cfg = config.config as L1.DeployConfig;
  const secretsPath = KamalSecrets.pathIn(cfg);
  const run = runLabel(family, destination);
  // A path that ERB computes (and validate can't evaluate) names files only Kamal will know.
  const hidden = opaqueIn(secretsPath, config.files.flatMap((f) => f.erb.opaque));
  if (hidden.length > 0) {
    if (secretUsesOf(cfg).length === 0) return;
    const where = config.where('/secrets_path');
    const message = `secrets_path comes from ERB that was not evaluated (${[...new Set(hidden.map((t) => oneLine(t.tag)))].join(', ')}), so the secrets this config uses are not checked against the files Kamal reads`;
    c.add({ file: where.file, line: where.line, message, severity: 'warning' }, run);
    return;
  }
  const files = KamalSecrets.filesRead(secretsPath, destination);
  const present = files.filter((f) => fs.existsSync(path.join(root, f)));
  const names = new Set(present.flatMap((f) => parseSecretsFile(fs.readFileSync(path.join(root, f), 'utf8')).map((s) => s.name)));
  for (const use of secretUsesOf(cfg)) {
    if (names.has(use.secret)) continue;
    const where = config.where(pointerOfKey(use.key));
    const message = present.length === 0
      ? `Secret '${use.secret}' not found, no secret files (${files.join(', ')}) provided (${use.key}; Kamal fails when it deploys)`
      : `Secret '${use.secret}' not found in ${present.join(', ')} (${use.key}; Kamal fails when it deploys)`;
    c.add({ file: where.file, line: where.line, message, severity: 'warning' }, run);
  }
}

function pointerOfKey(key: string): string {
  return `/${key.split('/').map((s) => s.replace(/~/g, '~0')).join('/')}`;
}

function valueAt(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const s of pointer.split('/').slice(1).map((x) => x.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (Array.isArray(node)) node = node[Number(s)];
    else if (isHash(node)) node = node[s];
    else return undefined;
  }
  return node;
}

