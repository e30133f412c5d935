import * as fs from 'fs';
import * as path from 'path';
import { SynthesizedFile } from './synthesizer';
import { isSame, listFiles } from './writer';

export type DriftKind = 'changed' | 'missing' | 'unexpected' | 'mode';

export interface Drift {
  readonly path: string;
  readonly kind: DriftKind;
  /** A unified diff from what is on disk to what synth makes (git-style mode lines for `mode`). */
  readonly patch: string;
}

/**
 * Compares the synthesized tree with the output folder byte for byte: changed files, files that
 * are missing, files nobody generates, and executable bits that differ. Reads only.
 */
export function findDrift(outdir: string, files: SynthesizedFile[], display = 'out'): Drift[] {
  const drift: Drift[] = [];
  const expected = new Set(files.map((f) => f.path));
  for (const f of files) {
    const file = path.join(outdir, f.path);
    if (isSame(file, f)) continue;
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(file);
    } catch {
      st = undefined;
    }
    if (!st || !st.isFile()) {
      drift.push({ path: f.path, kind: 'missing', patch: patch(display, f.path, undefined, f.content) });
      continue;
    }
    const onDisk = fs.readFileSync(file, 'utf8');
    if (onDisk !== f.content) {
      drift.push({ path: f.path, kind: 'changed', patch: patch(display, f.path, onDisk, f.content) });
    } else {
      const mode = (x: boolean) => (x ? '100755' : '100644');
      drift.push({
        path: f.path,
        kind: 'mode',
        patch: `--- a/${display}/${f.path}\n+++ b/${display}/${f.path}\nold mode ${mode(!f.executable)}\nnew mode ${mode(f.executable)}\n`,
      });
    }
  }
  for (const rel of listFiles(outdir)) {
    if (expected.has(rel)) continue;
    const text = fs.lstatSync(path.join(outdir, rel)).isFile() ? fs.readFileSync(path.join(outdir, rel), 'utf8') : '(symbolic link)\n';
    drift.push({ path: rel, kind: 'unexpected', patch: patch(display, rel, text, undefined) });
  }
  return drift.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function patch(display: string, rel: string, before: string | undefined, after: string | undefined): string {
  const a = before === undefined ? '/dev/null' : `a/${display}/${rel}`;
  const b = after === undefined ? '/dev/null' : `b/${display}/${rel}`;
  // Loaded only when there is a difference to show: a clean check never pays for it.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  const text = createTwoFilesPatch(a, b, before ?? '', after ?? '', undefined, undefined, { context: 3 });
  // Drop jsdiff's "Index"/"====" header lines; keep the ---/+++ lines git and reviewers expect.
  return text.split('\n').filter((l) => !l.startsWith('Index: ') && !/^=+$/.test(l)).join('\n');
}
