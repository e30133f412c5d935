import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/**
 * Whether directories can be named by their open descriptor (`/proc/self/fd/N/name`). Then every
 * lookup below an opened folder starts from that folder itself, not from a path that a symlink
 * swapped in meanwhile could redirect.
 */
const BY_FD = (() => {
  try {
    return fs.statSync('/proc/self/fd').isDirectory();
  } catch {
    return false;
  }
})();

/** What is at a name: a folder, a regular file, a link, something else, or nothing. */
export type EntryKind = 'dir' | 'file' | 'link' | 'other' | 'none';

/**
 * An open folder. Names below it are reached through its descriptor, so a folder on the way that is
 * replaced by a symlink is never followed: opening it fails instead. Where `/proc` is absent, names
 * are joined to the folder's path, and `check()` re-verifies that the path still leads to this folder.
 */
export class Dir {
  /** Opens `abs`, which must be a real folder (not a link to one). */
  public static open(abs: string): Dir {
    return new Dir(fs.openSync(abs, DIR_FLAGS), abs);
  }

  private constructor(public readonly fd: number, public readonly abs: string) {}

  /** The path that names `name` inside this folder, for one system call. */
  public at(name: string): string {
    if (BY_FD) return `/proc/self/fd/${this.fd}/${name}`;
    this.check();
    return path.join(this.abs, name);
  }

  /** Opens the folder `name` inside this one; undefined when nothing is there. Throws ELOOP/ENOTDIR for a link or a file. */
  public sub(name: string): Dir | undefined {
    try {
      return new Dir(fs.openSync(this.at(name), DIR_FLAGS), path.join(this.abs, name));
    } catch (e) {
      if (code(e) === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** What `name` is in this folder, without following a link. */
  public kind(name: string): EntryKind {
    return kindOf(fs.lstatSync(this.at(name), { throwIfNoEntry: false }));
  }

  /** The names of the entries in this folder. */
  public names(): string[] {
    return fs.readdirSync(this.at('.'));
  }

  /** The regular file `name`, read without following a link; undefined when it is not a regular file. */
  public read(name: string): { text: string; stat: fs.Stats } | undefined {
    let fd: number;
    try {
      // Non-blocking, so that a FIFO put at a name kamal-cdk reads can't hang it (it is no file).
      fd = fs.openSync(this.at(name), O_RDONLY | O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (e) {
      if (['ENOENT', 'ELOOP', 'ENOTDIR'].includes(code(e) ?? '')) return undefined;
      throw e;
    }
    try {
      const stat = fs.fstatSync(fd);
      return stat.isFile() ? { text: fs.readFileSync(fd, 'utf8'), stat } : undefined;
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Creates `name` (it must not exist, nor be a link) with exactly `mode`, whatever the umask. */
  public create(name: string, content: string, mode: number, sync: boolean, owner?: { uid: number; gid: number }): void {
    const fd = fs.openSync(this.at(name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
      fs.writeFileSync(fd, content);
      if ((mode & ~UMASK) !== mode) fs.fchmodSync(fd, mode);
      if (owner) fs.fchownSync(fd, owner.uid, owner.gid);
      if (sync) fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Makes the folder `name` with mode 0755 (keeping a setgid bit inherited from this folder). */
  public mkdir(name: string): void {
    fs.mkdirSync(this.at(name), 0o755);
    if ((0o755 & ~UMASK) === 0o755) return;
    const sub = this.sub(name)!;
    try {
      fs.fchmodSync(sub.fd, 0o755 | (fs.fstatSync(sub.fd).mode & 0o2000));
    } finally {
      sub.close();
    }
  }

  /** Renames an entry within this folder. */
  public rename(from: string, to: string): void {
    fs.renameSync(this.at(from), this.at(to));
  }

  /**
   * Gives the file `from` the name `to` as well, only while nothing is at `to`: a hard link, which
   * the system refuses over an existing name, so a file someone put there is never replaced. The
   * caller removes `from` next. Throws an error with code `EEXIST` when `to` is taken by anything
   * but `from` itself (the same file under both names is a repeat after a crash between the two
   * steps). Where the file system has no hard links, checks that `to` is free and renames, and
   * returns 'renamed' (nothing is left at `from`).
   */
  public linkNoReplace(from: string, to: string): 'linked' | 'renamed' {
    try {
      fs.linkSync(this.at(from), this.at(to));
      return 'linked';
    } catch (e) {
      const c = code(e);
      if (c === 'EEXIST') {
        const a = fs.lstatSync(this.at(from), { throwIfNoEntry: false });
        const b = fs.lstatSync(this.at(to), { throwIfNoEntry: false });
        if (a && b && a.ino === b.ino && a.dev === b.dev) return 'linked';
        throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
      }
      if (c !== 'EPERM' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP' && c !== 'EMLINK') throw e;
      if (this.kind(to) !== 'none') throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
      this.rename(from, to);
      return 'renamed';
    }
  }

  /** Removes the file `name`. */
  public unlink(name: string): void {
    fs.unlinkSync(this.at(name));
  }

  /** Removes the empty folder `name`. */
  public rmdir(name: string): void {
    fs.rmdirSync(this.at(name));
  }

  /** Flushes this folder's entries to disk. */
  public sync(): void {
    fs.fsyncSync(this.fd);
  }

  /** Flushes the file `name`'s data to disk. */
  public syncFile(name: string): void {
    const fd = fs.openSync(this.at(name), O_RDONLY | O_NOFOLLOW);
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Closes the folder's descriptor. */
  public close(): void {
    fs.closeSync(this.fd);
  }

  /** Without /proc: fails if the folder's path no longer leads to the folder that was opened. */
  private check(): void {
    const now = fs.lstatSync(this.abs, { throwIfNoEntry: false });
    const opened = fs.fstatSync(this.fd);
    if (!now || !now.isDirectory() || now.ino !== opened.ino || now.dev !== opened.dev) {
      throw Object.assign(new Error(`${this.abs} was replaced while kamal-cdk was writing`), { code: 'ELOOP' });
    }
  }
}

/**
 * Opens folders below a root by relative path, each only through its parent, and keeps them open
 * until `closeAll()`. At most `limit` stay open, so a wide tree can't run out of descriptors: a
 * folder `get()` returns is good until the next `get()`.
 */
export class DirCache {
  private readonly open = new Map<string, Dir>();

  constructor(public readonly root: Dir, private readonly limit = 1024) {}

  /**
   * The folder at `rel` ('' is the root); undefined when some part of it does not exist. Throws
   * an error with code ELOOP when a part is a link, ENOTDIR when a part is not a folder.
   */
  public get(rel: string): Dir | undefined {
    if (rel === '' || rel === '.') return this.root;
    const have = this.open.get(rel);
    if (have) return have;
    const parent = this.get(path.posix.dirname(rel));
    if (!parent) return undefined;
    const dir = parent.sub(path.posix.basename(rel));
    if (dir) {
      if (this.open.size >= this.limit) this.closeAll();
      this.open.set(rel, dir);
    }
    return dir;
  }

  /** Like `get()`, but undefined also when a part of `rel` is a link or not a folder. */
  public find(rel: string): Dir | undefined {
    try {
      return this.get(rel);
    } catch (e) {
      if (code(e) === 'ELOOP' || code(e) === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  /** Forgets a folder (after it was removed). */
  public drop(rel: string): void {
    this.open.get(rel)?.close();
    this.open.delete(rel);
  }

  /** Closes every folder it opened. */
  public closeAll(): void {
    for (const d of this.open.values()) d.close();
    this.open.clear();
  }
}

function kindOf(st: fs.Stats | undefined): EntryKind {
  if (!st) return 'none';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'link';
  return 'other';
}

/**
 * An error's message without the path Node appends to a failed system call
 * (`, unlink '/proc/self/fd/27/x'`), which names a descriptor, not the file; callers name the file.
 */
export function reason(e: unknown): string {
  const m = (e as { message?: unknown } | undefined)?.message;
  const message = typeof m === 'string' ? m : String(e);
  return code(e) ? message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '') : message;
}

/** The `code` of a Node system error (`ENOENT`, `EACCES`), or undefined. */
export function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** The process umask, read once (it is set by whoever started the process). */
export const UMASK = (() => {
  const u = process.umask(0o022);
  process.umask(u);
  return u;
})();

/**
 * Makes everything written in the folders `rels` durable with one `syncfs` per file system (the
 * coreutils `sync -f`), far cheaper than a flush per file when there are many. Returns false when
 * `sync -f` is unavailable or fails, so that the caller syncs file by file instead.
 */
export function syncFileSystems(cache: DirCache, rels: Iterable<string>): boolean {
  const seen = new Map<number, string>();
  for (const rel of rels) {
    const d = cache.get(rel);
    if (!d) continue;
    const dev = fs.fstatSync(d.fd).dev;
    // The child names the folder through this process's descriptor, as `at()` does here.
    if (!seen.has(dev)) seen.set(dev, BY_FD ? `/proc/${process.pid}/fd/${d.fd}` : d.abs);
  }
  for (const where of seen.values()) {
    const r = spawnSync('sync', ['-f', where], { stdio: 'ignore' });
    if (r.error || r.status !== 0) return false;
  }
  return true;
}
