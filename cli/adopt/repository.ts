/**
 * An existing Kamal app repository, read as Kamal reads it: the config families under config/,
 * their destination files, ERB, YAML, the destination merge, and the secrets files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deepMerge, isHash, YamlValue } from '../../constructs/kamal/merge';
import { renderErb, ErbResult } from './erb';
import { checkAsKamal } from './kamal-check';
import { parsePsych, PsychDocument, YamlSyntaxError } from './psych';

/** A config file and its destinations (`config/deploy.yml` + `config/deploy.<dest>.yml`). */
export interface ConfigFamily {
  /** The base file, relative to the root, `/`-separated. */
  readonly file: string;
  /** Destination names, sorted. */
  readonly destinations: string[];
}

/** One file as read: ERB rendered, YAML parsed. */
export interface ReadFile {
  /** Relative to the root, `/`-separated. */
  readonly file: string;
  /** The ERB pass. */
  readonly erb: ErbResult;
  /** The YAML read from the rendered text. */
  readonly doc: PsychDocument;
}

/** A problem that stops a file from being read at all. */
export class LoadError extends Error {
  constructor(public readonly file: string, public readonly line: number | undefined, message: string) {
    super(message);
  }
}

/** What `kamal -c FILE [-d DEST]` loads. */
export interface LoadedConfig {
  /** The base file, then the destination file (if any). */
  readonly files: ReadFile[];
  /** The merged config (a hash, or whatever the base file held). */
  readonly config: unknown;
  /** The file and line a pointer of the merged config comes from. */
  where(pointer: string): SourcePosition;
}

/** Where a node of a merged config was written. */
export interface SourcePosition {
  /** The file, relative to the root. */
  readonly file: string;
  /** Its 1-based line, when known. */
  readonly line?: number;
}

/** How to read config files. */
export interface ReadOptions {
  /** The environment ERB reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Keep ERB environment references as placeholders (for import). @default false */
  readonly keepEnv?: boolean;
}

/** The destination file Kamal reads for `-d dest` (`sub_ext`: the last extension replaced). */
export function destinationFile(file: string, destination: string): string {
  const ext = path.posix.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${destination}.yml`;
}

/**
 * The config families under `config/`: every `deploy*.yml`, `deploy-<name>.yml` and
 * `deploy_<name>.yml` included (configs deployed with `-c`). `deploy.X.yml` is a destination of
 * `deploy.yml` (and `deploy-web.X.yml` of `deploy-web.yml`) unless it is a config of its own
 * (Kamal can't tell; `-c` or `-d` decides):
 * - it has destination files itself (`deploy.X.Y.yml`), or there is no `deploy.yml`: its own;
 * - a secrets file for destination X exists (`.kamal/secrets.X`): a destination;
 * - it is a complete config that Kamal accepts alone: its own.
 */
export function findFamilies(root: string, options: ReadOptions): ConfigFamily[] {
  const dir = path.join(root, 'config');
  if (!fs.existsSync(dir)) return [];
  const names = fs.readdirSync(dir).filter((n) => /^deploy(?:[-_][A-Za-z0-9_-]+)?(\.[A-Za-z0-9_-]+)*\.yml$/.test(n) && fs.statSync(path.join(dir, n)).isFile()).sort();
  const parts = (n: string) => n.slice(0, -4).split('.').slice(1);
  const completeAlone = (n: string): boolean => {
    try {
      const v = readConfigFile(root, `config/${n}`, options).doc.value;
      return isHash(v) && checkAsKamal(v, { withoutDestination: true }).length === 0;
    } catch {
      return false;
    }
  };
  const isBase = new Map<string, boolean>();
  for (const n of names) {
    const p = parts(n);
    if (p.length === 0) isBase.set(n, true);
    else if (p.length === 1) {
      const stem = n.slice(0, -4);
      const hasOwn = names.some((m) => m.startsWith(`${stem}.`) && m !== n);
      const secretsFor = fs.existsSync(path.join(root, '.kamal', `secrets.${p[0]}`));
      isBase.set(n, hasOwn || !names.includes(`${n.split('.')[0]}.yml`) || (!secretsFor && completeAlone(n)));
    }
  }
  const families: ConfigFamily[] = [];
  for (const n of names) {
    if (!isBase.get(n)) continue;
    const stem = n.slice(0, -4);
    const destinations = names
      .filter((m) => m.startsWith(`${stem}.`) && parts(m).length === parts(n).length + 1 && !isBase.get(m))
      .map((m) => parts(m)[parts(m).length - 1]);
    families.push({ file: `config/${n}`, destinations });
  }
  // A `deploy.X.Y.yml` whose `deploy.X.yml` is missing belongs to no family Kamal can load.
  return families;
}

/** Reads one file: ERB, then YAML. Throws LoadError when the file is missing or not YAML. */
export function readConfigFile(root: string, file: string, options: ReadOptions): ReadFile {
  const abs = path.resolve(root, file);
  if (!fs.existsSync(abs)) throw new LoadError(file, undefined, `Configuration file not found in ${abs}`);
  const erb = renderErb(fs.readFileSync(abs, 'utf8'), { env: options.env, keepEnv: options.keepEnv });
  try {
    return { file, erb, doc: parsePsych(erb.text) };
  } catch (e) {
    if (e instanceof YamlSyntaxError) throw new LoadError(file, e.line, `YAML syntax error: ${e.message}`);
    throw e;
  }
}

/** Loads what `kamal -c file [-d destination]` loads, with Kamal's deep merge. */
export function loadConfig(root: string, file: string, destination: string | undefined, options: ReadOptions): LoadedConfig {
  const files = [readConfigFile(root, file, options)];
  if (destination !== undefined) files.push(readConfigFile(root, destinationFile(file, destination), options));
  // Kamal: `{}.deep_merge!(YAML.load(...).symbolize_keys)`; a file that is not a hash fails there.
  for (const f of files) {
    const v = f.doc.value;
    if (!isHash(v) && v !== null && v !== undefined) throw new LoadError(f.file, 1, `the file holds ${Array.isArray(v) ? 'a list' : 'a scalar'}, not a hash of settings (undefined method 'symbolize_keys')`);
  }
  const values = files.map((f) => (isHash(f.doc.value) ? f.doc.value : {}) as YamlValue);
  const config = values.reduce((acc, v) => deepMerge(acc, v), {} as YamlValue);
  return {
    files,
    config,
    where(pointer: string) {
      // The deepest file node on the pointer's path; the overlay wins a tie.
      let best: { file: string; line?: number; depth: number } = { file: files[0].file, line: files[0].doc.lineOf(pointer), depth: -1 };
      for (const f of files) {
        const depth = existingDepth(f.doc.value, pointer);
        if (depth >= best.depth) best = { file: f.file, line: f.doc.lineOf(pointer), depth };
      }
      return { file: best.file, line: best.line };
    },
  };
}

function existingDepth(value: unknown, pointer: string): number {
  const segs = pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = value;
  let depth = 0;
  for (const s of segs) {
    if (Array.isArray(node) && /^\d+$/.test(s) && Number(s) < node.length) node = node[Number(s)];
    else if (isHash(node) && Object.prototype.hasOwnProperty.call(node, s)) node = node[s];
    else break;
    depth++;
  }
  return depth;
}

/** One line of a secrets file: a name and how its value is made. */
export interface SecretLine {
  /** The secret's name. */
  readonly name: string;
  /** The value as written (a reference: `$VAR`, `$(command)`, a literal). */
  readonly value: string;
  /** The 1-based line it starts on. */
  readonly line: number;
}

/**
 * The names a dotenv secrets file defines (`NAME=...`, `export NAME=...`), with their raw values.
 * Multi-line quoted values are joined; comments and blank lines skipped.
 */
export function parseSecretsFile(text: string): SecretLine[] {
  const out: SecretLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[=:]\s?(.*)$/.exec(lines[i]);
    if (!m || /^\s*#/.test(lines[i])) continue;
    let value = m[2].trim();
    const line = i + 1;
    const q = value[0];
    if ((q === '"' || q === "'") && !(value.length > 1 && value.endsWith(q))) {
      while (i + 1 < lines.length) {
        value += `\n${lines[++i]}`;
        if (lines[i].trimEnd().endsWith(q)) break;
      }
    } else if (q !== '"' && q !== "'") {
      value = value.replace(/\s+#.*$/, '');
    }
    out.push({ name: m[1], value, line });
  }
  return out;
}
