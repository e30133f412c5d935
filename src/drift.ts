import * as fs from 'fs';
import * as path from 'path';
import { compareStrings } from './annotations';
import { Dir, DirCache } from './private/fsx';
import { isLockFile } from './private/lock';
import { dirOf, pending } from './private/txn';
import { MANIFEST_PATH, readManifest, SynthesizedFile } from './synthesizer';
import { isSame, modeOf, OWN_DIR, underLock, WriteError } from './private/output';
import type { WriteOptions } from './writer';

/**
 * `foreign`: a file kamal-cdk did not generate (not in the manifest), shown by name and size only;
 * `unexpected`: a file kamal-cdk generated before and no longer does (synth removes it).
 */
export type DriftKind = 'changed' | 'missing' | 'unexpected' | 'foreign' | 'mode';

/** One difference between the output folder and a fresh synth. */
export interface Drift {
  /** The file's path, relative to the output folder. */
  readonly path: string;
  /** What differs: content, presence, or the executable bit. */
  readonly kind: DriftKind;
  /**
   * A unified diff from what is on disk to what synth makes (git-style mode lines for `mode`); for
   * a `foreign` file, a line with its size and what to do with it, never its content.
   */
  readonly patch: string;
}

/** Options of findDrift: how long to wait for the folder's lock, and how to name the folder. */
export interface FindDriftOptions extends Pick<WriteOptions, 'lockTimeoutMs' | 'staleLockMs'> {
  /** The output folder as shown in messages and patches. @default 'out' */
  readonly display?: string;
}

/**
 * Compares the synthesized tree with the output folder byte for byte: changed files, files that
 * are missing, files nobody generates any more, files kamal-cdk never generated, and executable
 * bits that differ. Reads only, under the folder's lock when it can take it (so never a
 * half-written tree); throws a `WriteError` with code `interrupted` when the folder holds a write
 * that a crash cut short, `locked` when another kamal-cdk kept it busy too long.
 */
export function findDrift(outdir: string, files: SynthesizedFile[], options: FindDriftOptions | string = {}): Drift[] {
  const opts = typeof options === 'string' ? { display: options } : options;
  const display = opts.display ?? 'out';
  const abs = path.resolve(outdir);
  if (!fs.existsSync(abs)) return files.map((f) => ({ path: f.path, kind: 'missing', patch: patch(display, f.path, undefined, f.content) }));
  return underLock(abs, display, { ...opts, purpose: 'check', make: false, optional: true }, (cache, own) => {
    return compare(cache, files, display, generatedPaths(own, display));
  });
}

/**
 * The text of each of `rels` as kamal-cdk generated it in the output folder: only a path the
 * manifest lists, only a regular file reached through real folders (never a link); undefined for
 * anything else. Reads under the folder's lock, with findDrift's errors.
 */
export function readGenerated(outdir: string, rels: readonly string[], options: FindDriftOptions = {}): Map<string, string | undefined> {
  const display = options.display ?? 'out';
  const abs = path.resolve(outdir);
  const texts = new Map<string, string | undefined>(rels.map((rel) => [rel, undefined]));
  if (!fs.existsSync(abs)) return texts;
  return underLock(abs, display, { ...options, purpose: 'check', make: false, optional: true }, (cache, own) => {
    const generated = generatedPaths(own, display);
    for (const rel of rels) if (generated.has(rel)) texts.set(rel, cache.find(dirOf(rel))?.read(path.posix.basename(rel))?.text);
    return texts;
  });
}

/** The paths the manifest lists; a WriteError `interrupted` when the folder holds an unfinished write. */
function generatedPaths(own: Dir | undefined, display: string): Set<string> {
  if (own && pending(own)) {
    throw new WriteError(
      'interrupted',
      `${display}/ holds a write that did not finish (kamal-cdk was stopped while writing it); run kamal-cdk synth to finish or undo it, then check again`,
    );
  }
  return new Set(readManifest(own?.read(path.posix.basename(MANIFEST_PATH))?.text));
}

function compare(cache: DirCache, files: SynthesizedFile[], display: string, manifest: Set<string>): Drift[] {
  const drift: Drift[] = [];
  for (const f of files) {
    const onDisk = cache.find(dirOf(f.path))?.read(path.posix.basename(f.path));
    if (onDisk && isSame(onDisk, f)) continue;
    if (!onDisk) {
      drift.push({ path: f.path, kind: 'missing', patch: patch(display, f.path, undefined, f.content) });
    } else if (!manifest.has(f.path)) {
      // A file at a generated path that kamal-cdk did not write (the manifest does not list it) is
      // the user's: its name and size only, never its content.
      drift.push({
        path: f.path,
        kind: 'foreign',
        patch:
          `${display}/${f.path} (${Buffer.byteLength(onDisk.text)} bytes) is where kamal-cdk generates a file, but kamal-cdk did not write it ` +
          `(it is not in the manifest), so synth refuses to replace it: move it out of ${display}/, or run kamal-cdk synth --force to take it over\n`,
      });
    } else if (onDisk.text !== f.content) {
      drift.push({ path: f.path, kind: 'changed', patch: patch(display, f.path, onDisk.text, f.content) });
    } else if (onDisk.stat.size !== Buffer.byteLength(f.content)) {
      // Bytes that are not UTF-8 on disk: the text alone can't show the difference.
      drift.push({ path: f.path, kind: 'changed', patch: `${display}/${f.path} holds bytes that are not UTF-8 (${onDisk.stat.size} bytes on disk, ${Buffer.byteLength(f.content)} generated)\n` });
    } else {
      const mode = (m: number) => `100${(m & 0o777).toString(8).padStart(3, '0')}`;
      drift.push({
        path: f.path,
        kind: 'mode',
        patch: `--- a/${display}/${f.path}\n+++ b/${display}/${f.path}\nold mode ${mode(onDisk.stat.mode)}\nnew mode ${mode(modeOf(f))}\n`,
      });
    }
  }
  const expected = new Set(files.map((f) => f.path));
  for (const rel of listFiles(cache)) {
    if (expected.has(rel)) continue;
    const dir = cache.find(dirOf(rel));
    const st = fs.lstatSync(dir!.at(path.posix.basename(rel)));
    if (manifest.has(rel)) {
      const text = dir?.read(path.posix.basename(rel))?.text ?? '(not a regular file)\n';
      drift.push({ path: rel, kind: 'unexpected', patch: patch(display, rel, text, undefined) });
    } else {
      const what = st.isSymbolicLink() ? 'a symbolic link' : `${st.size} bytes`;
      drift.push({
        path: rel,
        kind: 'foreign',
        patch:
          `${display}/${rel} (${what}) was not generated by kamal-cdk (it is not in the manifest), and synth never removes it: ` +
          `move it out of ${display}/ or delete it\n`,
      });
    }
  }
  return drift.sort((a, b) => compareStrings(a.path, b.path));
}

/** Every entry below the output folder that is not a folder, relative and sorted; links are listed, never followed. The lock is left out. */
function listFiles(cache: DirCache): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const dir = cache.find(rel);
    if (!dir) return;
    for (const e of fs.readdirSync(dir.at('.'), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (!(rel === OWN_DIR && isLockFile(e.name))) out.push(r);
    }
  };
  walk('');
  return out.sort(compareStrings);
}

function patch(display: string, rel: string, before: string | undefined, after: string | undefined): string {
  const a = before === undefined ? '/dev/null' : `a/${display}/${rel}`;
  const b = after === undefined ? '/dev/null' : `b/${display}/${rel}`;
  return unifiedDiff(a, b, before ?? '', after ?? '');
}

/**
 * A unified diff (3 lines of context) from `before` to `after`, with git's `---`/`+++` header
 * lines and no jsdiff `Index`/`====` lines.
 * @internal
 */
export function unifiedDiff(a: string, b: string, before: string, after: string): string {
  // Loaded only when there is a difference to show: a clean check never pays for it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  const text = createTwoFilesPatch(a, b, before, after, undefined, undefined, { context: 3 });
  return text.split('\n').filter((l) => !l.startsWith('Index: ') && !/^=+$/.test(l)).join('\n');
}
