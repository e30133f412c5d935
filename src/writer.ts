import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareStrings } from './annotations';
import { normalizeOutputPath } from './paths';
import { Dir, DirCache, reason, UMASK } from './private/fsx';
import { OutputLock } from './private/lock';
import { isSame, OWN_DIR, underLock, WriteError } from './private/output';
import { backupName, begin, commit, dirOf, finish, Journal, makeDurable, recover, SYNC_EACH_MAX, tempName, UndoBlocked } from './private/txn';
import { MANIFEST_PATH, messageOf, parseManifest, SynthesizedFile } from './synthesizer';

export { WriteError } from './private/output';
export type { WriteErrorCode } from './private/output';

/** What the writer did to one file. */
export type WriteAction = 'written' | 'unchanged' | 'removed';

/**
 * What one write did: each file's action, a recovery that ran first, and problems after the commit.
 */
export interface WriteReport {
  /** Every generated file and every removed one, sorted by path, with what was done to it. */
  readonly entries: Array<{
    /** Path relative to the output folder. */
    path: string;
    /** What was done to it. */
    action: WriteAction;
  }>;
  /** A write that a crash interrupted, finished or undone before this one ran. */
  readonly recovered?: 'rolled-forward' | 'rolled-back';
  /**
   * Steps after the commit point that failed (the output folder holds the new files; each message
   * says what is left over and what to do). Empty when all went well.
   */
  readonly afterCommitProblems: string[];
}

/** Points where tests inject a crash (a throw, or a SIGKILL of the process); never used in production. */
export interface WriterFaults {
  /** The lock is held; nothing has changed. */
  afterLock?(): void;
  /** The journal is on disk; nothing visible has changed. */
  afterJournal?(): void;
  /** A stale file was moved aside. */
  afterBackup?(relPath: string): void;
  /** A folder for new files was made. */
  afterMkdir?(relPath: string): void;
  /** A new file was written under its temporary name. */
  afterTempFile?(relPath: string): void;
  /** Everything is durable; the commit record comes next. */
  beforeCommit?(): void;
  /** The commit record is on disk: from here the write is finished, whatever happens. */
  afterCommit?(): void;
  /** A new file at a path that was free has its name, and still its temporary one. */
  afterLink?(relPath: string): void;
  /** A new file was renamed into place. */
  afterRename?(relPath: string): void;
  /** A stale file's backup was deleted. */
  afterRemove?(relPath: string): void;
  /** Everything is in place; the journal is removed next. */
  beforeCleanup?(): void;
}

/** Options of writeTree. */
export interface WriteOptions {
  /** Crash points for the writer's tests. @default - none */
  readonly faults?: WriterFaults;
  /**
   * Write into a folder without a (readable) manifest, and over files at generated paths that the
   * manifest does not list. @default false
   */
  readonly force?: boolean;
  /** The project's own folder, which is never an output folder. @default - not checked */
  readonly projectRoot?: string;
  /** How long to wait for another kamal-cdk writing the same folder. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** A lock older than this is broken even if its holder seems alive. @default 600000 */
  readonly staleLockMs?: number;
  /** The output folder as shown in messages (`out`). @default - the folder's absolute path */
  readonly display?: string;
}

/**
 * Writes the synthesized files into `outdir` as one transaction, under a lock. Only files the old
 * manifest lists, or that are being added, are created, replaced or removed; folders that exist
 * are never recreated, so they keep their mode, owner and attributes. Every new file goes to a
 * temporary name in its own folder, everything is flushed to disk, then a commit record is
 * written, and only then are files renamed into place and stale ones deleted. A crash before the
 * commit record is undone by the next run, after it finished: the folder ends wholly old or wholly
 * new. Nothing is opened through a symbolic link, even one swapped in while this runs.
 *
 * Throws a `WriteError` when the folder was not changed; a problem after the commit point is
 * returned in `afterCommitProblems` instead.
 */
export function writeTree(outdir: string, files: SynthesizedFile[], options: WriteOptions = {}): WriteReport {
  const abs = path.resolve(outdir);
  const display = options.display ?? abs;
  refuseDangerous(abs, display, options.projectRoot);
  const made = makeOutputFolder(abs, display, options.force ?? false);
  const hadOwn = made === undefined && fs.lstatSync(path.join(abs, OWN_DIR), { throwIfNoEntry: false }) !== undefined;
  const faults = options.faults ?? {};
  let committed = false;
  try {
    return underLock(abs, display, { ...options, purpose: 'write', make: true }, (cache, ownOrNone, lock) => {
      const own = ownOrNone!;
      faults.afterLock?.();
      const { recovered, problems } = recover(cache, own, display);
      let plan: ReturnType<typeof planWrite>;
      try {
        plan = planWrite(cache, own, files, display, options.force ?? false);
      } catch (e) {
        // Say what the recovery did, even when this write is refused.
        if (e instanceof WriteError && recovered) e.recovered = recovered;
        throw e;
      }
      if (plan.journal.writes.length === 0 && plan.journal.removes.length === 0) return { entries: plan.entries, recovered, afterCommitProblems: problems };
      transact(cache, own, plan, files, lock!, display, faults);
      committed = true;
      problems.push(...finish(cache, own, plan.journal, display, faults));
      return { entries: plan.entries, recovered, afterCommitProblems: problems };
    });
  } catch (e) {
    if (!committed) removeMadeFolders(abs, made, hadOwn);
    if (e instanceof UndoBlocked) throw new WriteError('failed', e.message);
    throw e instanceof WriteError ? e : new WriteError('failed', `could not write ${display}/: ${reason(e)}; ${display}/ is unchanged`);
  }
}

/**
 * Finishes or undoes a write that a crash interrupted, and writes nothing else: the folder ends
 * wholly as the interrupted write left it before (undone) or after (finished). `writeTree` does the
 * same first; this is for looking at the result on its own.
 */
export function recoverTree(outdir: string, options: Omit<WriteOptions, 'force' | 'faults'> = {}): Pick<WriteReport, 'recovered' | 'afterCommitProblems'> {
  const abs = path.resolve(outdir);
  const display = options.display ?? abs;
  if (!fs.existsSync(abs)) return { afterCommitProblems: [] };
  let done: ReturnType<typeof recover> | undefined;
  try {
    done = underLock(abs, display, { ...options, purpose: 'write', make: false }, (cache, own) => own && recover(cache, own, display)) || undefined;
  } catch (e) {
    throw e instanceof UndoBlocked ? new WriteError('failed', e.message) : e;
  }
  return { recovered: done?.recovered, afterCommitProblems: done?.problems ?? [] };
}

/** Everything up to the commit point; on any failure, undoes it and throws. */
function transact(cache: DirCache, own: Dir, plan: Plan, files: SynthesizedFile[], lock: OutputLock, display: string, faults: WriterFaults): void {
  const journal = plan.journal;
  const byPath = new Map(files.map((f) => [f.path, f]));
  let txn: Dir | undefined;
  try {
    txn = begin(own, journal);
    faults.afterJournal?.();
    journal.removes.forEach((p, i) => {
      cache.get(dirOf(p))!.rename(path.posix.basename(p), backupName(journal.id, i));
      faults.afterBackup?.(p);
    });
    for (const d of journal.newDirs) {
      cache.get(dirOf(d))!.mkdir(path.posix.basename(d));
      faults.afterMkdir?.(d);
    }
    const each = journal.writes.length <= SYNC_EACH_MAX;
    journal.writes.forEach((p, i) => {
      const f = byPath.get(p)!;
      cache.get(dirOf(p))!.create(tempName(journal.id, i), f.content, f.executable ? 0o755 : 0o644, each, plan.owners.get(p));
      faults.afterTempFile?.(p);
    });
    const dirs = new Set(['', OWN_DIR, ...journal.writes.map(dirOf), ...journal.removes.map(dirOf), ...journal.newDirs.map(dirOf)]);
    makeDurable(cache, [...dirs], each ? [] : journal.writes.map((p, i) => `${dirOf(p) ? `${dirOf(p)}/` : ''}${tempName(journal.id, i)}`));
    faults.beforeCommit?.();
    if (!lock.owns()) throw new Error(`the lock on ${display}/ was taken over as stale while this write was under way`);
    commit(txn);
    faults.afterCommit?.();
  } catch (e) {
    if (txn?.kind('committed') === 'file') return;
    try {
      txn?.close();
      txn = undefined;
      recover(cache, own, display);
    } catch (undo) {
      if (undo instanceof UndoBlocked) throw new WriteError('failed', `could not write ${display}/: ${reason(e)}; ${undo.message}`);
      throw new WriteError('failed', `could not write ${display}/: ${reason(e)}; undoing it failed too (${reason(undo)}): the next kamal-cdk run undoes it`);
    }
    throw e;
  } finally {
    txn?.close();
  }
}

interface Plan {
  readonly entries: WriteReport['entries'];
  readonly journal: Journal;
  /** Under root, the owner and group of each file being replaced, which the new one keeps. */
  readonly owners: Map<string, { uid: number; gid: number }>;
}

/** Compares the files with the folder and decides what to write and remove; refuses what it must not touch. */
function planWrite(cache: DirCache, own: Dir, files: SynthesizedFile[], display: string, force: boolean): Plan {
  const oldGenerated = readOldManifest(cache, own, display, force);
  const generated = new Set(files.map((f) => f.path));
  const stale = new Set([...oldGenerated].filter((p) => !generated.has(p)));
  const folders = new FolderStates(cache, stale);
  const entries: WriteReport['entries'] = [];
  const writes: string[] = [];
  const creates: number[] = [];
  const newDirs = new Set<string>();
  const owners = new Map<string, { uid: number; gid: number }>();
  const root = process.geteuid?.() === 0;
  for (const f of files) {
    const dir = dirOf(f.path);
    const state = folders.state(dir);
    if (state.kind === 'link' || state.kind === 'blocked') {
      const why = state.kind === 'link' ? `is a symbolic link, and ${f.path} would be written through it; remove the link` : `is not a folder, and ${f.path} needs it to be one; move it away`;
      throw new WriteError('refused', `${display}/${state.at} ${why}`);
    }
    if (state.kind === 'missing') {
      for (const d of [...ancestorsOf(dir)].reverse()) if (folders.state(d).kind === 'missing') newDirs.add(d);
      creates.push(writes.length);
      writes.push(f.path);
      entries.push({ path: f.path, action: 'written' });
      continue;
    }
    const d = cache.get(dir)!;
    const name = path.posix.basename(f.path);
    const kind = d.kind(name);
    if (kind === 'link') throw new WriteError('refused', `${display}/${f.path} is a symbolic link; kamal-cdk never writes through one: remove the link`);
    if (kind === 'dir' && holdsOnly(cache, f.path, stale)) {
      // A folder of stale files, where a file now goes: emptied and removed before the file moves in.
      creates.push(writes.length);
      writes.push(f.path);
      entries.push({ path: f.path, action: 'written' });
      continue;
    }
    if (kind === 'dir' || kind === 'other') throw new WriteError('refused', `${display}/${f.path} is ${kind === 'dir' ? 'a folder' : 'not a regular file'}, where kamal-cdk writes a file from [${f.construct}]; move it away`);
    const onDisk = kind === 'file' ? d.read(name) : undefined;
    const same = onDisk !== undefined && isSame(onDisk, f);
    if (root && onDisk && (onDisk.stat.uid !== 0 || onDisk.stat.gid !== 0)) owners.set(f.path, { uid: onDisk.stat.uid, gid: onDisk.stat.gid });
    if (!same && kind === 'file' && !oldGenerated.has(f.path) && !force) {
      throw new WriteError(
        'refused',
        `${display}/${f.path} exists but kamal-cdk did not generate it (it is not in the manifest); move it away, then synth again (or synth with --force to overwrite it)`,
      );
    }
    entries.push({ path: f.path, action: same ? 'unchanged' : 'written' });
    if (!same && kind === 'none') creates.push(writes.length);
    if (!same) writes.push(f.path);
  }
  const removes = [...stale].filter((p) => folders.state(dirOf(p)).kind === 'dir' && cache.get(dirOf(p))!.kind(path.posix.basename(p)) === 'file').sort(compareStrings);
  for (const p of removes) entries.push({ path: p, action: 'removed' });
  entries.sort((a, b) => compareStrings(a.path, b.path));
  return { entries, journal: { id: randomBytes(6).toString('hex'), writes, removes, newDirs: [...newDirs], creates }, owners };
}

/**
 * Whether the folder `rel` holds stale files and nothing else (in folders of the same kind, to any
 * depth), so that removing them leaves it empty and it goes with them.
 */
function holdsOnly(cache: DirCache, rel: string, stale: Set<string>): boolean {
  const names = cache.get(rel)!.names();
  return names.length > 0 && names.every((name) => {
    const dir = cache.get(rel)!;
    const kind = dir.kind(name);
    return (kind === 'file' && stale.has(`${rel}/${name}`)) || (kind === 'dir' && holdsOnly(cache, `${rel}/${name}`, stale));
  });
}

type FolderState = { kind: 'dir' | 'missing' } | { kind: 'link' | 'blocked'; at: string };

/**
 * What each folder on the way to a generated file is: a real folder, missing (to be made), a link
 * (refused), or a file in the way (refused, unless it is a stale generated file, moved aside first).
 */
class FolderStates {
  private readonly known = new Map<string, FolderState>([['', { kind: 'dir' }]]);

  constructor(private readonly cache: DirCache, private readonly stale: Set<string>) {}

  public state(rel: string): FolderState {
    const have = this.known.get(rel);
    if (have) return have;
    const parent = this.state(dirOf(rel));
    let s: FolderState;
    if (parent.kind !== 'dir') {
      s = parent;
    } else {
      const kind = this.cache.get(dirOf(rel))!.kind(path.posix.basename(rel));
      if (kind === 'dir') s = { kind: 'dir' };
      else if (kind === 'none' || (kind === 'file' && this.stale.has(rel))) s = { kind: 'missing' };
      else if (kind === 'link') s = { kind: 'link', at: rel };
      else s = { kind: 'blocked', at: rel };
    }
    this.known.set(rel, s);
    return s;
  }
}

/** The paths the manifest in the folder lists; refuses a folder with files and no readable manifest, unless forced. */
function readOldManifest(cache: DirCache, own: Dir, display: string, force: boolean): Set<string> {
  const manifestName = path.posix.basename(MANIFEST_PATH);
  const manifestShown = `${display}/${MANIFEST_PATH}`;
  const kind = own.kind(manifestName);
  if (kind === 'none') {
    if (!force && cache.root.names().some((n) => n !== OWN_DIR)) throw new WriteError('refused', missingManifestMessage(display));
    return new Set();
  }
  const text = own.read(manifestName)?.text;
  try {
    if (text === undefined) throw new Error('it is not a regular file');
    // Only entries that are paths kamal-cdk could have written: a hand-edited manifest can't make
    // the writer report (or ever reach) anything outside the output folder.
    return new Set(parseManifest(text).filter(isOutputPath));
  } catch (e) {
    if (force) return new Set();
    throw new WriteError(
      'refused',
      `${manifestShown} can't be read (${messageOf(e)}), so kamal-cdk can't tell the files it generated from yours. ` +
        `Restore it (git checkout -- ${manifestShown}) and synth again, or synth with --force to write every file and a new manifest ` +
        `(files it used to generate and no longer does are then left in place)`,
    );
  }
}

function missingManifestMessage(display: string): string {
  return (
    `${display}/ is not empty and has no manifest (${display}/${MANIFEST_PATH}), so kamal-cdk can't tell the files it generated from yours. ` +
    `If kamal-cdk wrote this folder, restore the manifest (git checkout -- ${display}/${MANIFEST_PATH}) and synth again, ` +
    `or synth with --force to take over the files it generates (other files are left alone); otherwise choose an empty or new folder`
  );
}

/** Refuses `/`, the home folder, the project folder, and any folder that holds one of them. */
function refuseDangerous(abs: string, display: string, projectRoot: string | undefined): void {
  const target = realish(abs);
  const places: Array<[string | undefined, string]> = [
    ['/', 'the root folder'],
    [os.homedir(), 'your home folder'],
    [projectRoot, 'the project folder'],
  ];
  for (const [place, what] of places) {
    if (!place) continue;
    const real = realish(place);
    const inside = path.relative(target, real);
    if (inside === '' || (!inside.startsWith('..') && !path.isAbsolute(inside))) {
      throw new WriteError('refused', `${display} ${inside === '' ? 'is' : 'holds'} ${what} (${place}); kamal-cdk writes only into a folder of its own: point --outdir at one, such as out`);
    }
  }
}

/** The real path of `p`, resolving links in the part of it that exists. */
function realish(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
  }
}

/**
 * Makes the output folder (mode 0755) if it does not exist and returns the first folder made;
 * refuses a link, a file, and a folder with files but no `.kamal-cdk/` unless forced, all before
 * anything is created.
 */
function makeOutputFolder(abs: string, display: string, force: boolean): string | undefined {
  const st = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) throw new WriteError('refused', `${display} is a symbolic link; point --outdir at a real folder`);
  if (st && !st.isDirectory()) throw new WriteError('refused', `${display} is not a folder; point --outdir at a folder`);
  if (st) {
    if (!force && !fs.existsSync(path.join(abs, OWN_DIR)) && fs.readdirSync(abs).length > 0) throw new WriteError('refused', missingManifestMessage(display));
    return undefined;
  }
  const first = fs.mkdirSync(abs, { recursive: true, mode: 0o755 });
  if (first && (0o755 & ~UMASK) !== 0o755) {
    for (let d = abs; ; d = path.dirname(d)) {
      fs.chmodSync(d, 0o755);
      if (d === first) break;
    }
  }
  return first;
}

/** Removes the folders made for a write that did not happen: `.kamal-cdk/` unless it was there, and the output folder up to the first one made. */
function removeMadeFolders(abs: string, made: string | undefined, hadOwn: boolean): void {
  try {
    if (!hadOwn) fs.rmdirSync(path.join(abs, OWN_DIR));
    for (let d = abs; made !== undefined; d = path.dirname(d)) {
      fs.rmdirSync(d);
      if (d === made) return;
    }
  } catch {
    // not empty: someone else's files are in it now
  }
}

function isOutputPath(p: string): boolean {
  try {
    return normalizeOutputPath(p, '') === p;
  } catch {
    return false;
  }
}

function* ancestorsOf(rel: string): Generator<string> {
  for (let d = rel; d !== ''; d = dirOf(d)) yield d;
}
