import * as fs from 'fs';
import * as os from 'os';
import type { SynthesizedFile } from '../synthesizer';
import { code, Dir, DirCache } from './fsx';
import { LockBusyError, LockNotAFileError, LockHolder, OutputLock } from './lock';

// What the writer and the drift check share: the output folder opened safely, its lock, and the
// error that says the folder was left as it was.

/**
 * Why nothing was written: `locked` (another kamal-cdk holds the folder), `refused` (a target or
 * a file in it that kamal-cdk must not write over), `failed` (an error before the commit point,
 * undone), `interrupted` (check/diff only: the folder holds an unfinished write).
 */
export type WriteErrorCode = 'locked' | 'refused' | 'failed' | 'interrupted';

/** The output folder was left as it was; `code` says why. */
export class WriteError extends Error {
  /**
   * A write that a crash had interrupted and that this run finished or undid before it stopped:
   * the folder then changed, though not by this write.
   */
  public recovered?: 'rolled-forward' | 'rolled-back';

  constructor(public readonly code: WriteErrorCode, message: string, public readonly holder?: LockHolder) {
    super(message);
    this.name = 'WriteError';
  }
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_LOCK_MS = 10 * 60_000;
/** kamal-cdk's own folder in the output folder: manifest, lock, the write in progress. */
export const OWN_DIR = '.kamal-cdk';

/** How `underLock` takes the lock. */
export interface LockUse {
  /** How long to wait for another holder. @default 10000 */
  readonly lockTimeoutMs?: number;
  /** A lock older than this is broken even if its holder seems alive. @default 600000 */
  readonly staleLockMs?: number;
  /** What the holder is doing, as a waiting process is told. */
  readonly purpose: 'write' | 'check';
  /** Make `.kamal-cdk/` when it is missing (else `work` runs without it, and without a lock). */
  readonly make: boolean;
  /** Run without the lock where it can't be taken because the folder is read-only. */
  readonly optional?: boolean;
}

/**
 * Opens the output folder `abs` and its `.kamal-cdk/`, takes the folder's lock, runs `work`, then
 * releases and closes everything. Without a `.kamal-cdk/` (and `make` false), `work` runs with
 * neither: kamal-cdk has never written there.
 */
export function underLock<T>(abs: string, display: string, use: LockUse, work: (cache: DirCache, own: Dir | undefined, lock: OutputLock | undefined) => T): T {
  const cache = new DirCache(openOutput(abs, display));
  let own: Dir | undefined;
  try {
    own = ownFolder(cache, display, use.make);
    const lock = own && takeLock(own, display, use);
    try {
      return work(cache, own, lock);
    } finally {
      try {
        lock?.release();
      } catch {
        // A lock file that can't be removed is stale once this process is gone.
      }
    }
  } finally {
    own?.close();
    cache.closeAll();
    cache.root.close();
  }
}

/** Opens the output folder itself, refusing a link. */
function openOutput(abs: string, display: string): Dir {
  try {
    return Dir.open(abs);
  } catch (e) {
    if (code(e) === 'ELOOP') throw new WriteError('refused', `${display} is a symbolic link; point --outdir at a real folder`);
    throw e;
  }
}

/**
 * The output folder's `.kamal-cdk/`, made if asked; refuses a link there. Opened on its own, not
 * through the cache, so that it stays open for the whole write.
 */
function ownFolder(cache: DirCache, display: string, make: boolean): Dir | undefined {
  try {
    if (make && cache.root.kind(OWN_DIR) === 'none') cache.root.mkdir(OWN_DIR);
    return cache.root.sub(OWN_DIR);
  } catch (e) {
    if (code(e) === 'ELOOP' || code(e) === 'ENOTDIR') throw new WriteError('refused', `${display}/${OWN_DIR} is not a folder (a link, or a file); remove it, then synth again`);
    throw e;
  }
}

/** Takes the folder's lock, waiting a bounded time for another holder; a `WriteError('locked')` names it. */
function takeLock(own: Dir, display: string, use: LockUse): OutputLock | undefined {
  const timeoutMs = use.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  try {
    return OutputLock.acquire(own, { purpose: use.purpose, timeoutMs, staleMs: use.staleLockMs ?? DEFAULT_STALE_LOCK_MS });
  } catch (e) {
    // A read-only checkout is read without the lock: no writer can change it either.
    if (use.optional && ['EROFS', 'EACCES', 'EPERM'].includes(code(e) ?? '')) return undefined;
    if (e instanceof LockNotAFileError) {
      throw new WriteError('locked', `${display}/${OWN_DIR}/lock is ${e.what}, not a lock file kamal-cdk wrote, so no kamal-cdk can take the lock; remove it, then run again`);
    }
    if (!(e instanceof LockBusyError)) throw e;
    const h = e.holder;
    const who = h ? `another kamal-cdk (pid ${h.pid}${h.host === os.hostname() ? '' : ` on ${h.host}`})` : 'another kamal-cdk';
    throw new WriteError(
      'locked',
      `${who} is ${h?.purpose === 'check' ? 'checking' : 'writing'} ${display}/; waited ${(timeoutMs / 1000).toFixed(1)} s. ` +
        `Run again when it is done; if no kamal-cdk is running, delete ${display}/${OWN_DIR}/lock`,
      h,
    );
  }
}

/** Whether a file read from disk has exactly this content and executable bit. */
export function isSame(onDisk: { text: string; stat: fs.Stats }, f: SynthesizedFile): boolean {
  // The size too: bytes that are not UTF-8 decode to U+FFFD and could otherwise equal the text.
  return (onDisk.stat.mode & 0o777) === modeOf(f) && onDisk.stat.size === Buffer.byteLength(f.content) && onDisk.text === f.content;
}

/** The mode every generated file gets, whatever the umask: 0755 for executables, else 0644. */
export function modeOf(f: SynthesizedFile): number {
  return f.executable ? 0o755 : 0o644;
}
