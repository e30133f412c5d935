import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import { code, Dir } from './fsx';

/** The lock file's name inside the output folder's `.kamal-cdk/`. */
const LOCK_NAME = 'lock';
const ASIDE_PREFIX = `${LOCK_NAME}.stale-`;

/** Who holds a lock, as its file says. */
export interface LockHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the machine it runs on; a pid means nothing on another host. */
  readonly host: string;
  /** The holder's start time (field 22 of /proc/PID/stat), so a reused pid is not taken for it. */
  readonly start?: string;
  /**
   * The holder's pid namespace (`/proc/self/ns/pid`): two containers may share a host name and an
   * output folder, and a pid means nothing in another namespace.
   */
  readonly pidns?: string;
  /**
   * The kernel's boot id. Another one under the same host name is another machine (hosts
   * sharing a folder and a name) or this one before it restarted: its pid can't be judged here.
   */
  readonly boot?: string;
  /** Random token, so a holder releases only the lock it took. */
  readonly token: string;
  /** When it was taken (ms since the epoch). */
  readonly at: number;
  /** Whether it writes the folder or only reads it for a check or diff. */
  readonly purpose: 'write' | 'check';
}

/** How to take the lock: what for, and how long to wait for another holder. */
export interface LockOptions {
  /** Whether the folder is written or only read. */
  readonly purpose: 'write' | 'check';
  /** How long to wait for another holder before giving up. */
  readonly timeoutMs: number;
  /** A lock older than this is stale even if its holder seems alive (hung, or on another host). */
  readonly staleMs: number;
}

/** The lock is held by someone else and was not released in time. */
export class LockBusyError extends Error {
  constructor(public readonly holder: LockHolder | undefined) {
    super('locked');
  }
}

/** The lock's name is taken by something no kamal-cdk makes (a folder, a link). */
export class LockNotAFileError extends Error {
  constructor(public readonly what: string) {
    super(`the lock is ${what}`);
  }
}

/**
 * An exclusive lock on one output folder: a file created with O_EXCL in the folder's `.kamal-cdk/`.
 * A lock whose holder died (its pid is gone, or belongs to a newer process) or that is older than
 * `staleMs` is broken; breaking moves the file aside first and checks that what it moved is the
 * lock it judged stale, so two waiters can't both break one lock and then both take it.
 */
export class OutputLock {
  /**
   * Takes the lock in `dir` (the output folder's `.kamal-cdk/`), waiting for another holder and
   * breaking a stale lock; throws LockBusyError when the holder keeps it past `timeoutMs`.
   */
  public static acquire(dir: Dir, options: LockOptions): OutputLock {
    const me: LockHolder = {
      pid: process.pid,
      host: os.hostname(),
      start: startTime(process.pid),
      pidns: PID_NAMESPACE,
      boot: BOOT_ID,
      token: randomBytes(8).toString('hex'),
      at: Date.now(),
      purpose: options.purpose,
    };
    const deadline = Date.now() + options.timeoutMs;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
      try {
        dir.create(LOCK_NAME, `${JSON.stringify(me)}\n`, 0o644, false);
        return new OutputLock(dir, me.token);
      } catch (e) {
        if (code(e) !== 'EEXIST') throw e;
      }
      const held = readHolder(dir);
      if (!held) {
        // Gone since (its holder released it: try again), or not a file at all, which no
        // kamal-cdk makes and none can take: say so rather than spin.
        const kind = dir.kind(LOCK_NAME);
        if (kind !== 'none' && kind !== 'file') throw new LockNotAFileError(kind === 'dir' ? 'a folder' : kind === 'link' ? 'a link' : 'a special file');
        if (Date.now() >= deadline + UNREADABLE_WAIT_MS) throw new LockBusyError(undefined);
        sleep(1);
        continue;
      }
      if (isStale(held, options.staleMs)) {
        breakLock(dir, held.ino, me.token);
        continue;
      }
      // A fresh lock that can't be read yet is being written by its holder (created, then filled):
      // past the deadline, look again for a moment, so that the busy error can say who holds it.
      // Bounded by the clock, not by the file's age (its mtime may lie ahead of this clock).
      if (!held.holder && Date.now() >= deadline && Date.now() < deadline + UNREADABLE_WAIT_MS) {
        sleep(1);
        continue;
      }
      if (Date.now() >= deadline) throw new LockBusyError(held.holder);
      sleep(Math.min(delay, Math.max(1, deadline - Date.now())));
    }
  }

  private constructor(private readonly dir: Dir, private readonly token: string) {}

  /** Whether the lock file is still this lock (no one broke it as stale meanwhile). */
  public owns(): boolean {
    return readHolder(this.dir)?.holder?.token === this.token;
  }

  /** Releases the lock if it is still this one's. */
  public release(): void {
    if (this.owns()) this.dir.unlink(LOCK_NAME);
  }
}

/** Whether `name` in `.kamal-cdk/` belongs to the lock (the lock, or one being broken). */
export function isLockFile(name: string): boolean {
  return name === LOCK_NAME || name.startsWith(ASIDE_PREFIX);
}

/** The lock file's holder and inode; holder undefined when the file can't be parsed (still being written, or damaged). */
function readHolder(dir: Dir, name = LOCK_NAME): { holder?: LockHolder; ino: number; mtimeMs: number } | undefined {
  const file = dir.read(name);
  if (!file) return undefined;
  let holder: LockHolder | undefined;
  try {
    const h = JSON.parse(file.text) as LockHolder;
    if (typeof h.pid === 'number' && typeof h.token === 'string' && typeof h.at === 'number') holder = h;
  } catch {
    holder = undefined;
  }
  return { holder, ino: file.stat.ino, mtimeMs: file.stat.mtimeMs };
}

/** An unreadable lock file younger than this is one being written right now. */
const UNREADABLE_GRACE_MS = 2000;
/** How long past its deadline a waiter gives an unreadable lock to be filled in (a holder writes it at once). */
const UNREADABLE_WAIT_MS = 200;

/**
 * Whether a lock's holder is certainly gone: the lock is older than `staleMs`, or its pid is gone
 * from this boot of this machine's pid namespace. A holder on another host, under another boot
 * id (another machine of the same name, or this one before a restart: they look alike) or in
 * another pid namespace (a container sharing the folder) can't be judged by its pid, so its lock
 * only ages out.
 */
function isStale(held: { holder?: LockHolder; mtimeMs: number }, staleMs: number): boolean {
  const holder = held.holder;
  if (!holder) return Date.now() - held.mtimeMs > UNREADABLE_GRACE_MS;
  if (Date.now() - holder.at > staleMs) return true;
  if (holder.host !== os.hostname()) return false;
  if (holder.boot !== undefined && holder.boot !== BOOT_ID) return false;
  if (holder.pidns !== undefined && holder.pidns !== PID_NAMESPACE) return false;
  return !isAlive(holder.pid, holder.start);
}

/** This process's pid namespace, as `pid:[4026531836]`; undefined where /proc does not say. */
const PID_NAMESPACE = readQuietly(() => fs.readlinkSync('/proc/self/ns/pid'));
/** This boot of the kernel; undefined where /proc does not say. */
const BOOT_ID = readQuietly(() => fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());

function readQuietly(read: () => string): string | undefined {
  try {
    return read() || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, start: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (code(e) === 'ESRCH') return false;
  }
  const now = startTime(pid);
  return start === undefined || now === undefined || now === start;
}

/** Moves the stale lock (the file with inode `ino`) aside and deletes it; puts back a live lock moved by mistake. */
export function breakLock(dir: Dir, ino: number, token: string): void {
  const aside = `${ASIDE_PREFIX}${token}`;
  try {
    dir.rename(LOCK_NAME, aside);
  } catch (e) {
    if (code(e) === 'ENOENT') return;
    throw e;
  }
  const moved = dir.read(aside);
  if (moved && moved.stat.ino !== ino) {
    // Someone took the lock between our look and the move: give it back, unless a third has
    // taken it since, in which case its holder sees `owns()` fail before it commits anything.
    try {
      fs.linkSync(dir.at(aside), dir.at(LOCK_NAME));
    } catch {
      // a new lock is in place; the displaced holder will notice
    }
  }
  try {
    dir.unlink(aside);
  } catch {
    // another waiter removed it
  }
}

/** Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
