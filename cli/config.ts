import type { App } from '../src/app';
import { formatDiagnostic } from '../src/annotations';
import type { Synthesis } from '../src/synthesizer';
import { parseYaml, stringifyYaml } from '../src/yaml';
import { deepMerge, isHash, YamlValue } from '../constructs/kamal/merge';
import { readGenerated, unifiedDiff } from '../src/drift';
import { WriteError } from '../src/writer';
import { ExitCode } from './exit-codes';
import { displayDir } from './report';

const DEPLOY_SYMBOL = Symbol.for('kamal-cdk.KamalDeploy');

/** What the command needs of a KamalDeploy, of whichever copy of kamal-cdk the estate loaded. */
interface DeployLike {
  readonly file: string;
  destinationNames(): Array<string | undefined>;
  destinationFile(name: string): string;
  effectiveConfig(destination?: string): unknown;
}

function deploysOf(app: App): DeployLike[] {
  return app.node.findAll().filter((c) => DEPLOY_SYMBOL in c) as unknown as DeployLike[];
}

interface Out {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

function failOnErrors(synthesis: Synthesis, io: Out): boolean {
  if (synthesis.errors.length === 0) return false;
  io.stderr('Validation failed with the following errors (the estate is invalid, so no merged config is printed):');
  for (const e of synthesis.errors) io.stderr(`  ${formatDiagnostic(e)}`);
  io.stderr(`${synthesis.errors.length} error(s)`);
  return true;
}

/** `kamal-cdk config -c FILE -d DEST`: the merged config Kamal sees, as YAML. */
export function configCommand(app: App, synthesis: Synthesis, file: string, destination: string | undefined, io: Out): number {
  if (failOnErrors(synthesis, io)) return ExitCode.VALIDATION_FAILED;
  const deploys = deploysOf(app);
  const config = deploys.find((c) => c.file === file);
  if (!config) {
    io.stderr(`error: the estate has no config ${file}; it has: ${deploys.map((c) => c.file).join(', ') || 'none'}`);
    return ExitCode.VALIDATION_FAILED;
  }
  const names = config.destinationNames();
  if (destination === undefined && names[0] !== undefined) {
    io.stderr(`error: ${file} has destinations (${names.join(', ')}); give one with -d`);
    return ExitCode.VALIDATION_FAILED;
  }
  if (destination !== undefined && !names.includes(destination)) {
    io.stderr(`error: ${file} has no destination '${destination}'; it has ${names[0] === undefined ? 'none (run without -d)' : names.join(', ')}`);
    return ExitCode.VALIDATION_FAILED;
  }
  io.stdout(stringifyYaml(config.effectiveConfig(destination), { erb: true }).replace(/\n$/, ''));
  return ExitCode.OK;
}

/**
 * `kamal-cdk diff --effective`: for every config and destination, how the merged config Kamal
 * sees changes between the output folder (merged as Kamal merges it) and a fresh synth. A change
 * to deploy.yml shows under every destination it reaches; one the overlays cancel shows nowhere.
 */
export function effectiveDiff(app: App, synthesis: Synthesis, outdir: string, io: Out): number {
  if (failOnErrors(synthesis, io)) return ExitCode.VALIDATION_FAILED;
  const display = displayDir(outdir);
  const deploys = deploysOf(app);
  const files = deploys.flatMap((d) => [d.file, ...d.destinationNames().flatMap((dest) => (dest === undefined ? [] : [d.destinationFile(dest)]))]);
  // As diff reads them: under the lock, never a half-written tree, only files kamal-cdk generated.
  let onDisk: Map<string, string | undefined>;
  try {
    onDisk = readGenerated(outdir, files, { display });
  } catch (e) {
    if (!(e instanceof WriteError)) throw e;
    io.stderr(`error: ${e.message}`);
    return e.code === 'interrupted' ? ExitCode.INTERRUPTED : e.code === 'locked' ? ExitCode.LOCKED : ExitCode.VALIDATION_FAILED;
  }
  let changed = 0;
  let total = 0;
  for (const deploy of deploys) {
    for (const dest of deploy.destinationNames()) {
      total++;
      const label = dest === undefined ? deploy.file : `${deploy.file} -d ${dest}`;
      const after = stringifyYaml(sortedKeys(deploy.effectiveConfig(dest) as YamlValue), { erb: true });
      const before = mergedOnDisk(onDisk, deploy.file, dest === undefined ? undefined : deploy.destinationFile(dest));
      if (before === after) continue;
      changed++;
      io.stdout(`${before === undefined ? 'new' : 'changed'}    ${label}`);
      io.stdout(unifiedDiff(`a/${display}: ${label}`, `b/${display}: ${label}`, before ?? '', after).replace(/\n$/, ''));
    }
  }
  io.stdout(changed === 0 ? `diff --effective: no merged config changes (${total} config/destination pairs)` : `diff --effective: ${changed} of ${total} merged configs change`);
  return ExitCode.OK;
}

/** A copy with every hash's keys in code-point order: key order is not part of what Kamal reads. */
function sortedKeys(v: YamlValue): YamlValue {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isHash(v)) return v;
  const out: Record<string, YamlValue> = {};
  for (const k of Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out[k] = sortedKeys(v[k]);
  return out;
}

/** The config Kamal would merge from the generated files in the output folder, as YAML; undefined when absent or unreadable. */
function mergedOnDisk(onDisk: ReadonlyMap<string, string | undefined>, file: string, destinationFile: string | undefined): string | undefined {
  const read = (rel: string): YamlValue | undefined => {
    const text = onDisk.get(rel);
    if (text === undefined) return undefined;
    try {
      return (parseYaml(text) ?? {}) as YamlValue;
    } catch {
      return undefined;
    }
  };
  const base = read(file);
  if (base === undefined) return undefined;
  const overlay = destinationFile === undefined ? undefined : read(destinationFile);
  if (destinationFile !== undefined && overlay === undefined) return undefined;
  return stringifyYaml(sortedKeys(overlay === undefined ? base : deepMerge(base, overlay)), { erb: true });
}

