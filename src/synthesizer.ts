import { IConstruct } from 'constructs';
import { Annotations, compareStrings, Diagnostic, pathOf, sortDiagnostics } from './annotations';
import { Checks } from './checks';
import { FileBase, markerText } from './file';
import { DocumentProblem } from './schema';

/** Where the manifest of generated files lives, relative to the output directory. */
export const MANIFEST_PATH = '.kamal-cdk/manifest.json';
/** The folder kamal-cdk keeps for itself in the output directory; no file construct may write there. */
const MANIFEST_DIR = '.kamal-cdk';

/** One rendered file, ready to write or compare. */
export interface SynthesizedFile {
  /** Path relative to the output folder. */
  readonly path: string;
  /** The whole file text. */
  readonly content: string;
  /** Whether it is written with the executable bit. */
  readonly executable: boolean;
  /** The construct path of the file construct that made it. */
  readonly construct: string;
}

/** Everything one synth produced: files sorted by path, errors, warnings. */
export interface Synthesis {
  /** Every generated file, sorted by path, the manifest included. */
  readonly files: SynthesizedFile[];
  /** Errors; when there are any, nothing may be written. */
  readonly errors: Diagnostic[];
  /** Unacknowledged warnings (errors under `--strict`). */
  readonly warnings: Diagnostic[];
  /** Acknowledged warnings, printed with their reasons. */
  readonly acknowledged: Diagnostic[];
  /** How many rendered documents were parsed back and checked by a validator. */
  readonly validatedDocuments: number;
}

/** Options of synthesize. */
export interface SynthesizeOptions {
  /** Output directory as shown in messages (`out`). @default 'out' */
  readonly displayDir?: string;
  /** Unacknowledged warnings become errors. @default false */
  readonly strict?: boolean;
}

/**
 * The one pass over the tree: every construct's validations, every file rendered and checked by
 * its validator, every warning gathered. Nothing is written here; the caller decides. The tree is
 * walked once and each file rendered once, whatever the size of the estate.
 */
export function synthesize(root: IConstruct, options: SynthesizeOptions = {}): Synthesis {
  const display = options.displayDir ?? 'out';
  const errors: Diagnostic[] = [];
  const warnings: Diagnostic[] = [];
  const acknowledged: Diagnostic[] = [];
  const error = (c: IConstruct, message: string) => errors.push({ severity: 'error', path: pathOf(c), message });

  // Nothing of an earlier synth of this tree is read as this one's.
  Checks.of(root)._recordWarnings([]);
  const all = root.node.findAll();
  const fileConstructs = all.filter(FileBase.isFile);
  // Claim paths in construct-path order, not creation order, so that which of two constructs is
  // reported as the duplicate does not depend on the order the estate happened to create them.
  fileConstructs.sort((a, b) => compareStrings(pathOf(a), pathOf(b)));

  const byPath = new Map<string, FileBase>();
  const claimed: FileBase[] = [];
  for (const f of fileConstructs) {
    const other = byPath.get(f.path);
    if (other) {
      error(f, `${display}/${f.path} is also claimed by [${pathOf(other)}]; give one of them another path`);
      continue;
    }
    byPath.set(f.path, f);
    if (f.path === MANIFEST_DIR || f.path.startsWith(`${MANIFEST_DIR}/`)) {
      error(f, `${display}/${f.path} is inside kamal-cdk's own folder ${display}/${MANIFEST_DIR}/; give the file another path`);
      continue;
    }
    claimed.push(f);
  }

  for (const c of all) {
    try {
      for (const message of c.node.validate()) error(c, message);
    } catch (e) {
      error(c, `validation crashed: ${messageOf(e)}`);
    }
  }

  for (const check of Checks.of(root)._all()) {
    let findings;
    try {
      findings = check();
    } catch (e) {
      error(root, `check crashed: ${messageOf(e)}`);
      continue;
    }
    for (const f of findings) {
      if ((f.severity ?? 'error') === 'error') {
        error(f.construct, f.message);
      } else {
        const id = f.id ?? 'warning';
        const reason = Annotations.of(f.construct).acknowledgementOf(id);
        const d: Diagnostic = { severity: 'warning', path: pathOf(f.construct), message: f.message, id, acknowledged: reason };
        (reason === undefined ? warnings : acknowledged).push(d);
      }
    }
  }

  // What a file that reports the estate's warnings (an operations page) sees when it renders.
  Checks.of(root)._recordWarnings(sortDiagnostics([...warnings, ...acknowledged, ...annotationWarnings(all)]));
  const outcomes = new Map<FileBase, FileOutcome>();
  for (const f of claimed) outcomes.set(f, renderAndCheck(f, display));

  const files: SynthesizedFile[] = [];
  let validatedDocuments = 0;
  for (const f of claimed) {
    const outcome = outcomes.get(f)!;
    for (const message of outcome.errors) error(f, message);
    if (outcome.validated) validatedDocuments++;
    const unencodable = outcome.content === undefined ? undefined : loneSurrogate(outcome.content);
    if (unencodable) {
      error(f, `${display}/${f.path}: ${unencodable}, which UTF-8 can't encode (a string cut in the middle of an emoji or other character outside the BMP?); fix the value`);
      continue;
    }
    if (outcome.content !== undefined && !outcome.dropped) files.push({ path: f.path, content: outcome.content, executable: f.executable, construct: pathOf(f) });
  }
  errors.push(...folderClashes(files, byPath, display));

  // Warnings are gathered after rendering: a file that builds its document lazily may add them then.
  for (const d of annotationWarnings(all)) (d.acknowledged === undefined ? warnings : acknowledged).push(d);
  files.sort((a, b) => compareStrings(a.path, b.path));
  files.push(manifestFile(files, markerText(root)));
  files.sort((a, b) => compareStrings(a.path, b.path));

  if (options.strict) {
    for (const w of warnings) errors.push({ ...w, severity: 'error', message: `${w.message} (warning '${w.id}' under --strict; fix it or acknowledge it with a reason)` });
  }
  return {
    files,
    errors: sortDiagnostics(errors),
    warnings: options.strict ? [] : sortDiagnostics(warnings),
    acknowledged: sortDiagnostics(acknowledged),
    validatedDocuments,
  };
}

/** Every construct's own warnings (Annotations.addWarning), with acknowledgements. */
function annotationWarnings(all: readonly IConstruct[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of all) {
    const annotations = Annotations.of(c);
    for (const w of annotations.warnings) {
      out.push({ severity: 'warning', path: pathOf(c), message: w.message, id: w.id, acknowledged: annotations.acknowledgementOf(w.id) });
    }
  }
  return out;
}

/** What rendering and checking one file came to: its text unless an error stopped it, and the errors. */
interface FileOutcome {
  readonly content?: string;
  readonly errors: readonly string[];
  /** Whether a validator checked the document (counted in `validatedDocuments`). */
  readonly validated: boolean;
  /** The document could not be read back or checked at all: the file is left out of the synthesis. */
  readonly dropped?: boolean;
}

/** Renders a file, reads its document back and hands it to its validator, stopping at the first failure. */
function renderAndCheck(f: FileBase, display: string): FileOutcome {
  let content: string;
  try {
    content = f.render();
  } catch (e) {
    return { errors: [`${display}/${f.path}: could not render: ${messageOf(e)}`], validated: false };
  }
  return { content, ...validateDocument(f, display, () => f.documentForValidation(content)) };
}

type Verdict = Omit<FileOutcome, 'content'>;
const UNCHECKED: Verdict = { errors: [], validated: false };

/** Reads the document with `document` and hands it to the file's validator. */
function validateDocument(f: FileBase, display: string, document: () => unknown): Verdict {
  if (!f.validator) return UNCHECKED;
  let doc: unknown;
  try {
    doc = document();
  } catch (e) {
    return { errors: [`${display}/${f.path}: the rendered file does not parse back: ${messageOf(e)}`], validated: false, dropped: true };
  }
  let problems: DocumentProblem[];
  try {
    problems = f.validator.validate(doc);
  } catch (e) {
    return { errors: [`${display}/${f.path}: could not validate: ${messageOf(e)}`], validated: true, dropped: true };
  }
  return { errors: problems.map((p) => `${display}/${f.path}: ${p.pointer || '/'} ${p.message}`), validated: true };
}

/** Parses a manifest's text; an unreadable one counts as none. */
export function readManifest(text: string | undefined): string[] {
  if (text === undefined) return [];
  try {
    return parseManifest(text);
  } catch {
    return [];
  }
}

/** The paths a manifest lists; throws, saying what is wrong, for text that is not a manifest. */
export function parseManifest(text: string): string[] {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`it is not valid JSON: ${messageOf(e)}`);
  }
  const files = typeof m === 'object' && m !== null ? (m as { files?: unknown }).files : undefined;
  if (!Array.isArray(files)) throw new Error('it has no "files" list');
  return files.filter((f): f is string => typeof f === 'string');
}

/**
 * Where the text holds half of a UTF-16 surrogate pair, as "line L, column C holds a lone surrogate
 * U+D83D"; undefined when every character can be written as UTF-8. Writing one would silently turn
 * it into U+FFFD, so the file would differ from its model at every synth.
 */
function loneSurrogate(text: string): string | undefined {
  if ((text as { isWellFormed?(): boolean }).isWellFormed?.() === true) return undefined;
  const m = /[\uD800-\uDFFF]/u.exec(text);
  if (!m) return undefined;
  const before = text.slice(0, m.index);
  const line = before.split('\n').length;
  const column = m.index - before.lastIndexOf('\n');
  return `line ${line}, column ${column} holds a lone surrogate U+${m[0].charCodeAt(0).toString(16).toUpperCase()}`;
}

function manifestFile(files: SynthesizedFile[], marker: string): SynthesizedFile {
  return { path: MANIFEST_PATH, content: manifestText(marker, [...files.map((f) => f.path), MANIFEST_PATH]), executable: false, construct: '<root>' };
}

function manifestText(marker: unknown, paths: readonly string[]): string {
  return `${JSON.stringify({ '//': marker, files: [...paths].sort(compareStrings) }, undefined, 2)}\n`;
}

/**
 * The manifest `text` without the paths `drop`, in the same form; undefined when it lists none of
 * them or is not a manifest.
 */
export function manifestWithout(text: string, drop: ReadonlySet<string>): string | undefined {
  let paths: string[];
  try {
    paths = parseManifest(text);
  } catch {
    return undefined;
  }
  if (!paths.some((p) => drop.has(p))) return undefined;
  return manifestText((JSON.parse(text) as { '//'?: unknown })['//'], paths.filter((p) => !drop.has(p)));
}

/** A path can't be a file and a folder at once (`config` and `config/deploy.yml`). */
function folderClashes(files: SynthesizedFile[], byPath: Map<string, FileBase>, display: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      const clash = byPath.get(folder);
      if (clash) {
        out.push({
          severity: 'error',
          path: f.construct,
          message: `${display}/${f.path} needs ${display}/${folder} to be a folder, but [${pathOf(clash)}] writes a file there; rename one of them`,
        });
      }
    }
  }
  return out;
}

/** The message of a thrown value: an Error's message, anything else as a string. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
