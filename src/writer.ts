import * as fs from 'fs';
import * as path from 'path';
import { compareStrings } from './annotations';
import { normalizeOutputPath } from './paths';
import { MANIFEST_PATH, readManifest, SynthesizedFile } from './synthesizer';

export type WriteAction = 'written' | 'unchanged' | 'removed';

export interface WriteReport {
  readonly entries: Array<{ path: string; action: WriteAction }>;
}

/** Points where tests inject a crash; never used in production. */
export interface WriterFaults {
  /** Called after each file is staged. */
  afterStagedFile?(relPath: string): void;
  /** Called after the old tree has been moved aside and before the new one is moved in. */
  betweenRenames?(): void;
}

/** Sibling folders used by the swap, named after the output folder. */
export function swapDirs(outdir: string): { staging: string; old: string } {
  const parent = path.dirname(path.resolve(outdir));
  const base = path.basename(path.resolve(outdir));
  return { staging: path.join(parent, `.${base}.kamal-cdk-new`), old: path.join(parent, `.${base}.kamal-cdk-old`) };
}

/**
 * Finishes or discards a write that a crash interrupted, so the output folder is whole again.
 * The commit point is moving the old tree aside: before it, the staged tree is discarded (out/ is
 * wholly old); after it, the staged tree is complete and is moved in (out/ is wholly new).
 */
export function recover(outdir: string): void {
  const { staging, old } = swapDirs(outdir);
  if (fs.existsSync(old)) {
    if (!fs.existsSync(outdir)) {
      // After the commit point the staged tree is moved in; without one (removed by hand), the
      // old tree is the only copy left and goes back, never to the bin.
      fs.renameSync(fs.existsSync(staging) ? staging : old, outdir);
    }
    fs.rmSync(old, { recursive: true, force: true });
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

/**
 * Writes the synthesized tree so that a crash at any moment leaves the output folder wholly old or
 * wholly new. The new tree is staged beside it (files that do not change, and files kamal-cdk did
 * not generate, are hard-linked, so they keep their inode and time), then swapped in with two
 * renames. Files the old manifest lists and the new tree lacks are removed; files no manifest
 * lists are never touched. Nothing happens at all when nothing changed.
 */
export function writeTree(outdir: string, files: SynthesizedFile[], faults: WriterFaults = {}): WriteReport {
  recover(outdir);
  assertNoLinks(outdir, files);

  const generated = new Map(files.map((f) => [f.path, f]));
  // Only entries that are paths kamal-cdk could have written: a hand-edited manifest can't make the
  // writer report (or ever reach) anything outside the output folder.
  const oldGenerated = new Set(readManifest(readIfExists(path.join(outdir, MANIFEST_PATH))).filter(isOutputPath));
  const entries: WriteReport['entries'] = [];
  const changed = new Set<string>();
  for (const f of files) {
    const same = isSame(path.join(outdir, f.path), f);
    if (!same && !oldGenerated.has(f.path) && fs.existsSync(path.join(outdir, f.path))) {
      throw new Error(`${f.path} exists but kamal-cdk did not generate it (it is not in the manifest); move it away, then synth again`);
    }
    entries.push({ path: f.path, action: same ? 'unchanged' : 'written' });
    if (!same) changed.add(f.path);
  }
  const removed = [...oldGenerated].filter((p) => !generated.has(p) && isFile(path.join(outdir, p)));
  for (const p of removed) entries.push({ path: p, action: 'removed' });
  entries.sort((a, b) => compareStrings(a.path, b.path));
  if (changed.size === 0 && removed.length === 0) return { entries };

  const { staging, old } = swapDirs(outdir);
  fs.mkdirSync(staging, { recursive: true });
  const madeDirs = new Set<string>([staging]);
  const umask = currentUmask();
  try {
    const removedSet = new Set(removed);
    if (fs.existsSync(outdir)) {
      linkTree(outdir, staging, '', (rel) => !changed.has(rel) && !removedSet.has(rel));
    }
    for (const p of changed) {
      const f = generated.get(p)!;
      const target = path.join(staging, p);
      const dir = path.dirname(target);
      if (!madeDirs.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      const mode = f.executable ? 0o755 : 0o644;
      fs.writeFileSync(target, f.content, { mode });
      // The mode given at creation passes through the umask; fix it only when the umask removed a bit.
      if ((mode & ~umask) !== mode) fs.chmodSync(target, mode);
      faults.afterStagedFile?.(p);
    }
    for (const p of removed) pruneEmptyParents(staging, p);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  }

  if (fs.existsSync(outdir)) {
    fs.renameSync(outdir, old);
    faults.betweenRenames?.();
    fs.renameSync(staging, outdir);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(staging, outdir);
  }
  return { entries };
}

/** The process umask, read without changing it for longer than the two calls. */
function currentUmask(): number {
  const u = process.umask(0o022);
  process.umask(u);
  return u;
}

/** Every regular file below `dir`, relative, sorted; symlinks are listed, never followed. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else out.push(r);
    }
  };
  if (fs.existsSync(dir)) walk('');
  return out.sort(compareStrings);
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the file on disk has exactly these bytes and this executable bit. */
export function isSame(file: string, f: SynthesizedFile): boolean {
  try {
    const st = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!st || !st.isFile()) return false;
    if (((st.mode & 0o111) !== 0) !== f.executable) return false;
    return st.size === Buffer.byteLength(f.content) && fs.readFileSync(file, 'utf8') === f.content;
  } catch {
    return false;
  }
}

function isOutputPath(p: string): boolean {
  try {
    return normalizeOutputPath(p, '') === p;
  } catch {
    return false;
  }
}

function isFile(p: string): boolean {
  return fs.lstatSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** A generated file must not land behind a symlink, which could point anywhere on the machine. */
function assertNoLinks(outdir: string, files: SynthesizedFile[]): void {
  const top = fs.lstatSync(outdir, { throwIfNoEntry: false });
  if (!top) return;
  if (top.isSymbolicLink()) throw new Error(`${outdir} is a symbolic link; point --outdir at a real folder`);
  const checked = new Set<string>();
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (checked.has(rel)) continue;
      checked.add(rel);
      const st = fs.lstatSync(path.join(outdir, rel), { throwIfNoEntry: false });
      if (!st) break;
      if (st.isSymbolicLink()) {
        throw new Error(`${path.join(outdir, rel)} is a symbolic link, and ${f.path} would be written through it; remove the link`);
      }
    }
  }
}

/** Mirrors `src` into `dst` with hard links (copies where linking is refused), for kept files. */
function linkTree(src: string, dst: string, rel: string, keep: (rel: string) => boolean): void {
  for (const e of fs.readdirSync(path.join(src, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const from = path.join(src, r);
    const to = path.join(dst, r);
    if (e.isDirectory()) {
      fs.mkdirSync(to, { recursive: true });
      linkTree(src, dst, r, keep);
    } else if (keep(r)) {
      if (e.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(from), to);
      } else {
        try {
          fs.linkSync(from, to);
        } catch {
          fs.copyFileSync(from, to);
          fs.chmodSync(to, fs.statSync(from).mode);
        }
      }
    }
  }
}

/**
 * Removes the folders a removed file leaves empty, walking up towards the output folder. Only a
 * stale file's own folders go: an empty folder kamal-cdk never wrote into is not its to remove.
 */
function pruneEmptyParents(root: string, rel: string): void {
  for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) {
    const abs = path.join(root, dir);
    try {
      if (fs.readdirSync(abs).length > 0) return;
      fs.rmdirSync(abs);
    } catch {
      return;
    }
  }
}
