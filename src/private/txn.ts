import * as path from 'path';
import { MANIFEST_PATH, manifestWithout } from '../synthesizer';
import type { WriterFaults } from '../writer';
import { code, Dir, DirCache, reason, syncFileSystems } from './fsx';

/**
 * The write in progress, kept in the output folder's `.kamal-cdk/txn/` until it is done: the
 * journal (what changes) and, once every new file is durable, the commit record. A crash before
 * the commit record is undone; after it, finished.
 */
const TXN_DIR = 'txn';
const JOURNAL = 'journal.json';
const COMMITTED = 'committed';

/** More files than this are made durable with one `syncfs`, fewer with one `fdatasync` each. */
export const SYNC_EACH_MAX = 16;

/**
 * The record of one write, on disk before anything visible changes, so a crash can be rolled back or forward.
 */
export interface Journal {
  /** Names the temporary files and backups of this write, so that nothing else is taken for them. */
  readonly id: string;
  /** Files written: each first to `tempName(id, i)` in its own folder. */
  readonly writes: readonly string[];
  /** Stale files: each first moved to `backupName(id, i)` in its own folder. */
  readonly removes: readonly string[];
  /** Folders made for new files, parents first. */
  readonly newDirs: readonly string[];
  /**
   * The indexes in `writes` of files where nothing was when the write was planned: moved into
   * place only while nothing is there still, so a file someone creates meanwhile is kept.
   */
  readonly creates?: readonly number[];
}

/**
 * An interrupted write that can't be undone because a file someone put at one of its paths is in
 * the way: the message names both and says what to do. Never taken for a failure of the disk.
 */
export class UndoBlocked extends Error {}

export const tempName = (id: string, i: number) => `.kamal-cdk-${id}-${i}`;
export const backupName = (id: string, i: number) => `.kamal-cdk-${id}-r${i}`;

/** Starts a write: the journal is on disk before anything it names exists. */
export function begin(own: Dir, journal: Journal): Dir {
  own.mkdir(TXN_DIR);
  const txn = own.sub(TXN_DIR)!;
  txn.create(JOURNAL, `${JSON.stringify(journal)}\n`, 0o644, true);
  txn.sync();
  own.sync();
  return txn;
}

/** The commit point: after this the write is finished, whatever happens. */
export function commit(txn: Dir): void {
  txn.create(COMMITTED, '', 0o644, true);
  txn.sync();
}

/** The interrupted write in `own`, if any: its journal (undefined if never completed) and whether it was committed. */
export function pending(own: Dir): { journal?: Journal; committed: boolean } | undefined {
  const txn = own.sub(TXN_DIR);
  if (!txn) return undefined;
  try {
    let journal: Journal | undefined;
    try {
      journal = JSON.parse(txn.read(JOURNAL)?.text ?? '') as Journal;
    } catch {
      // Torn while being written: nothing it would have named exists yet.
      journal = undefined;
    }
    return { journal, committed: txn.kind(COMMITTED) === 'file' };
  } finally {
    txn.close();
  }
}

/**
 * Finishes or undoes an interrupted write, so the folder is wholly new or wholly old again.
 * Returns what it did and any problems finishing it (which, like the write's own, are reported
 * and never block the next run).
 */
export function recover(cache: DirCache, own: Dir, display: string): { recovered?: 'rolled-forward' | 'rolled-back'; problems: string[] } {
  const p = pending(own);
  if (!p) return { problems: [] };
  if (p.journal && p.committed) return { recovered: 'rolled-forward', problems: finish(cache, own, p.journal, display, {}) };
  if (p.journal) rollBack(cache, p.journal, display);
  removeTxn(own);
  return { recovered: 'rolled-back', problems: [] };
}

/**
 * Undoes everything before the commit point: temporary files, new folders, stale files moved
 * aside, and flushes the folders. A stale file goes back only while its name is free: a file or
 * folder someone has put there meanwhile stops the undo (UndoBlocked), which any later run repeats
 * once it is moved away.
 */
function rollBack(cache: DirCache, journal: Journal, display: string): void {
  journal.writes.forEach((p, i) => ignoreMissing(() => cache.get(dirOf(p))?.unlink(tempName(journal.id, i))));
  for (const d of [...journal.newDirs].reverse()) {
    cache.drop(d);
    // A folder someone has put a file into meanwhile stays, with that file.
    ignoreMissing(() => cache.get(dirOf(d))?.rmdir(path.posix.basename(d)), 'ENOTEMPTY');
  }
  journal.removes.forEach((p, i) => {
    const dir = cache.get(dirOf(p));
    if (!dir || dir.kind(backupName(journal.id, i)) === 'none') return; // never moved aside, or put back already
    try {
      if (dir.linkNoReplace(backupName(journal.id, i), path.posix.basename(p)) === 'linked') dir.unlink(backupName(journal.id, i));
    } catch (e) {
      if (code(e) !== 'EEXIST') throw e;
      throw new UndoBlocked(
        `${display}/${p} is in the way of undoing an interrupted write: something was put there while kamal-cdk was writing, ` +
          `and the old ${p} waits at ${display}/${join(dirOf(p), backupName(journal.id, i))}; move one of them away, then run kamal-cdk again`,
      );
    }
  });
  // On disk before the journal goes: a crash after that must find the folder wholly old.
  const dirs = new Set(['', ...journal.writes.map(dirOf), ...journal.removes.map(dirOf), ...journal.newDirs.map(dirOf)]);
  makeDurable(cache, [...dirs].filter((d) => cache.find(d) !== undefined), []);
}

/**
 * Everything after the commit point, each step idempotent so a run after a crash can repeat it:
 * new files renamed into place (the manifest first, so it lists them even if a later step fails),
 * stale files' backups deleted with the folders they leave empty, the result flushed, the journal
 * removed. A step that fails is a problem to report; the others still run.
 */
export function finish(cache: DirCache, own: Dir, journal: Journal, display: string, faults: WriterFaults): string[] {
  const problems: string[] = [];
  const step = (what: string, f: () => void) => {
    try {
      f();
    } catch (e) {
      problems.push(`${what}: ${reason(e)}`);
    }
  };
  const creates = new Set(journal.creates ?? []);
  const move = (i: number) => {
    const p = journal.writes[i];
    const temp = tempName(journal.id, i);
    if (creates.has(i)) {
      let taken = false;
      step(`could not move the new ${display}/${p} into place (it is still at ${display}/${join(dirOf(p), temp)})`, () => {
        const dir = cache.get(dirOf(p))!;
        try {
          if (dir.linkNoReplace(temp, path.posix.basename(p)) === 'linked') {
            faults.afterLink?.(p);
            dir.unlink(temp);
          }
        } catch (e) {
          if (code(e) === 'ENOENT' && dir.kind(temp) === 'none') return; // moved before a crash
          if (code(e) !== 'EEXIST') throw e;
          taken = true;
          return;
        }
        faults.afterRename?.(p);
      });
      if (taken) leaveOut(p, temp);
      return;
    }
    step(`could not move the new ${display}/${p} into place (it is still at ${display}/${join(dirOf(p), temp)})`, () => {
      try {
        cache.get(dirOf(p))!.rename(temp, path.posix.basename(p));
      } catch (e) {
        if (code(e) === 'ENOENT' && cache.find(dirOf(p))?.kind(temp) === 'none') return; // moved before a crash
        throw e;
      }
      faults.afterRename?.(p);
    });
  };
  // A new file whose path someone took after the write was planned: their file stays, and the
  // manifest stops listing the path before the new file goes (so that a crash in between repeats
  // this), which makes the next synth refuse to replace it unless forced.
  const leaveOut = (p: string, temp: string) => {
    step(`${display}/${p} was not written`, () => {
      const name = path.posix.basename(MANIFEST_PATH);
      const text = own.read(name)?.text;
      const next = text === undefined ? undefined : manifestWithout(text, new Set([p]));
      if (next !== undefined) {
        const tmp = `${tempName(journal.id, journal.writes.length)}`;
        ignoreMissing(() => own.unlink(tmp));
        own.create(tmp, next, 0o644, true);
        own.rename(tmp, name);
        own.sync();
      }
      ignoreMissing(() => cache.get(dirOf(p))!.unlink(temp));
      throw new Error(
        'something was put there while kamal-cdk was writing, and it was kept; it is not in the manifest, so the next synth refuses to replace it: ' +
          'move it away, then synth again (or synth --force to replace it)',
      );
    });
  };
  // The manifest first, so that it lists the new files even if a later step fails; stale files
  // next, so that a folder of them that a new file replaces is gone before the file moves in.
  const manifest = journal.writes.indexOf(MANIFEST_PATH);
  if (manifest >= 0) move(manifest);
  const emptied = new Set<string>();
  journal.removes.forEach((p, i) => {
    step(`could not delete ${display}/${join(dirOf(p), backupName(journal.id, i))}, the old copy of ${p}, which kamal-cdk no longer generates; delete it by hand`, () => {
      // Its folder may be gone already, or be a file now, when this repeats a write a crash cut short.
      ignoreMissing(() => cache.get(dirOf(p))?.unlink(backupName(journal.id, i)));
      emptied.add(dirOf(p));
      faults.afterRemove?.(p);
    });
  });
  const touched = new Set([...journal.writes.map(dirOf), ...[...emptied].flatMap(ancestors)]);
  for (const d of [...emptied].sort().reverse()) pruneEmpty(cache, d);
  journal.writes.forEach((_, i) => i !== manifest && move(i));
  step(`could not flush ${display}/ to disk`, () => makeDurable(cache, [...touched].filter((d) => cache.find(d) !== undefined), []));
  step(`could not remove ${display}/.kamal-cdk/${TXN_DIR}/; delete it by hand`, () => {
    faults.beforeCleanup?.();
    removeTxn(own);
  });
  return problems;
}

/**
 * Flushes the folders `dirs` and, unless one `syncfs` covers them, the files `files` (relative
 * paths of the temporary names) to disk.
 */
export function makeDurable(cache: DirCache, dirs: string[], files: string[]): void {
  if ((files.length > SYNC_EACH_MAX || dirs.length > SYNC_EACH_MAX) && syncFileSystems(cache, dirs)) return;
  for (const f of files) cache.get(dirOf(f))!.syncFile(path.posix.basename(f));
  for (const d of dirs) cache.get(d)!.sync();
}

/** Removes the journal, then the commit record: an interruption in between leaves a folder with nothing to do. */
function removeTxn(own: Dir): void {
  const txn = own.sub(TXN_DIR);
  if (!txn) return;
  try {
    for (const name of [JOURNAL, ...txn.names().filter((n) => n !== JOURNAL)]) ignoreMissing(() => txn.unlink(name));
  } finally {
    txn.close();
  }
  own.rmdir(TXN_DIR);
}

/**
 * Removes `dir` and its parents while they are empty: a stale file's folders, never the output
 * folder itself or kamal-cdk's own.
 */
function pruneEmpty(cache: DirCache, dir: string): void {
  for (let d = dir; d !== '' && d !== '.kamal-cdk'; d = dirOf(d)) {
    const here = cache.find(d);
    if (!here || here.names().length > 0) return;
    cache.drop(d);
    try {
      cache.find(dirOf(d))?.rmdir(path.posix.basename(d));
    } catch {
      return;
    }
  }
}

/** The folder of a relative path, '' for the output folder itself. */
export function dirOf(rel: string): string {
  const d = path.posix.dirname(rel);
  return d === '.' ? '' : d;
}

function ancestors(rel: string): string[] {
  const out: string[] = [];
  for (let d = rel; ; d = dirOf(d)) {
    out.push(d);
    if (d === '') return out;
  }
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

/** Runs `f`, where a name or a folder on its way that is not there (or not a folder) means there is nothing to do. */
function ignoreMissing(f: () => void, alsoIgnore?: string): void {
  try {
    f();
  } catch (e) {
    if (!['ENOENT', 'ENOTDIR', 'ELOOP', alsoIgnore].includes(code(e))) throw e;
  }
}
