import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MANIFEST_PATH, recoverTree, WriteError, writeTree, WriterFaults } from '../../src';
import { breakLock, OutputLock } from '../../src/private/lock';
import { Dir } from '../../src/private/fsx';
import { generation, generationTree, withManifest } from '../fixtures/engine/generations';
import { readTree, REPO, statTree, tempDir } from './helpers';
import { folders, generationOf, spawnWriter, writerLeftovers } from './writer-helpers';

/** Why a folder can't be made immutable here (chattr +i needs root and ext4, xfs or btrfs); undefined when it can. */
const immutableProbe = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-chattr-probe-'));
  try {
    const r = spawnSync('chattr', ['+i', dir], { encoding: 'utf8' });
    if (r.status !== 0) return `chattr +i is not possible here: ${(r.stderr || r.error?.message || '').trim()}`;
    spawnSync('chattr', ['-i', dir]);
    return undefined;
  } finally {
    fs.rmdirSync(dir);
  }
})();

const OLD_TIME = new Date('2001-02-03T04:05:06Z');

/** Sets every file's times to 2001, so that a rewrite is sure to show in mtime. */
function ageTree(dir: string): void {
  for (const rel of Object.keys(readTree(dir))) fs.utimesSync(path.join(dir, rel), OLD_TIME, OLD_TIME);
}

/** The WriteError `f` throws (fails the test if it throws something else, or nothing). */
function writeError(f: () => unknown): WriteError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(WriteError);
    return e as WriteError;
  }
  throw new Error('expected a WriteError, and nothing was thrown');
}

/** Bytes and inode/mtime/mode of every file, and every folder's mode, owner and inode: all a write could change. */
function snapshot(dir: string) {
  const dirs = Object.fromEntries(['', ...folders(dir)].map((d) => {
    const st = fs.lstatSync(path.join(dir, d));
    return [d, { ino: st.ino, mode: st.mode, uid: st.uid, gid: st.gid }];
  }));
  return { files: readTree(dir), stats: statTree(dir), dirs };
}

let out: string;
beforeEach(() => {
  out = path.join(tempDir(), 'out');
});

describe('writing', () => {
  test('the first write makes every file and the manifest, with the executable bit where asked, and leaves nothing else', () => {
    // WHEN
    const report = writeTree(out, withManifest({ 'config/a.yml': 'a: 1\n', 'bin/run': '#!/bin/sh\n' }, ['bin/run']));

    // THEN
    expect(readTree(out)).toEqual({ [MANIFEST_PATH]: expect.any(String), 'bin/run': '#!/bin/sh\n', 'config/a.yml': 'a: 1\n' });
    expect(statTree(out)['bin/run'].mode).toBe(0o755);
    expect(statTree(out)['config/a.yml'].mode).toBe(0o644);
    expect(report).toEqual({
      entries: [
        { path: MANIFEST_PATH, action: 'written' },
        { path: 'bin/run', action: 'written' },
        { path: 'config/a.yml', action: 'written' },
      ],
      recovered: undefined,
      afterCommitProblems: [],
    });
    expect(writerLeftovers(out)).toEqual([]);
    expect(folders(out)).toEqual(['.kamal-cdk', 'bin', 'config']);
  });

  test('unchanged files are not rewritten: inode and mtime are kept, only the changed file is new', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n', 'c.txt': 'c\n' }));
    ageTree(out);
    const before = statTree(out);

    // WHEN
    const report = writeTree(out, withManifest({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n', 'c.txt': 'C\n' }));

    // THEN
    const after = statTree(out);
    for (const p of ['a.txt', 'sub/b.txt', MANIFEST_PATH]) expect(after[p]).toEqual(before[p]);
    expect(after['c.txt'].ino).not.toBe(before['c.txt'].ino);
    expect(after['c.txt'].mtimeMs).not.toBe(OLD_TIME.getTime());
    expect(fs.readFileSync(path.join(out, 'c.txt'), 'utf8')).toBe('C\n');
    expect(report.entries.filter((e) => e.action === 'written')).toEqual([{ path: 'c.txt', action: 'written' }]);
  });

  test('when nothing changed, nothing at all is touched: files, folders, not even a lock is left', () => {
    // GIVEN
    const files = withManifest({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
    writeTree(out, files);
    ageTree(out);
    const before = snapshot(out);

    // WHEN
    const report = writeTree(out, files);

    // THEN
    expect(report.entries.map((e) => e.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(snapshot(out)).toEqual(before);
  });

  test('a change of the executable bit alone rewrites the file with the new mode', () => {
    // GIVEN
    writeTree(out, withManifest({ 'run.sh': '#!/bin/sh\n' }));

    // WHEN
    const report = writeTree(out, withManifest({ 'run.sh': '#!/bin/sh\n' }, ['run.sh']));

    // THEN
    expect(report.entries).toContainEqual({ path: 'run.sh', action: 'written' });
    expect(fs.statSync(path.join(out, 'run.sh')).mode & 0o777).toBe(0o755);
  });

  test('a generated file deleted by hand is written again', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.rmSync(path.join(out, 'a.txt'));

    // WHEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));

    // THEN
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a\n');
  });

  test('a file that becomes a folder and back again: each write is wholly its generation', () => {
    // GIVEN: generation a has a file `slot`, generation b a folder `slot/`
    writeTree(out, generation('a', 7));

    // WHEN
    const toB = writeTree(out, generation('b', 7));
    const b = generationOf(out, 7);
    const toA = writeTree(out, generation('a', 7));

    // THEN
    expect(b).toBe('b');
    expect(generationOf(out, 7)).toBe('a');
    expect(toB.entries).toContainEqual({ path: 'slot', action: 'removed' });
    expect(toA.entries).toContainEqual({ path: 'slot/inner.txt', action: 'removed' });
    expect([...toB.afterCommitProblems, ...toA.afterCommitProblems]).toEqual([]);
  });
});

test('a tree wider than the folders kept open at once (1100 folders) is written and rewritten wholly', () => {
  // GIVEN
  const tree = (gen: string, n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`d${i}/sub/f.txt`, `${gen} ${i}\n`]));
  writeTree(out, withManifest(tree('a', 1100)));

  // WHEN
  const report = writeTree(out, withManifest(tree('b', 1050)));

  // THEN
  expect(report.afterCommitProblems).toEqual([]);
  expect(readTree(out)).toEqual({ ...tree('b', 1050), [MANIFEST_PATH]: expect.any(String) });
  expect(folders(out)).toHaveLength(1 + 2 * 1050);
}, 60_000);

describe('stale files', () => {
  test('a file in the old manifest that is no longer generated is removed, and its emptied folders with it', () => {
    // GIVEN
    writeTree(out, withManifest({ 'keep.txt': 'k\n', 'old/deep/gone.txt': 'g\n', 'mixed/gone.txt': 'g\n', 'mixed/stays.txt': 's\n' }));

    // WHEN
    const report = writeTree(out, withManifest({ 'keep.txt': 'k\n', 'mixed/stays.txt': 's\n' }));

    // THEN
    expect(Object.keys(readTree(out)).sort()).toEqual([MANIFEST_PATH, 'keep.txt', 'mixed/stays.txt']);
    expect(folders(out)).toEqual(['.kamal-cdk', 'mixed']);
    expect(report.entries.filter((e) => e.action === 'removed').map((e) => e.path)).toEqual(['mixed/gone.txt', 'old/deep/gone.txt']);
    expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual([MANIFEST_PATH, 'keep.txt', 'mixed/stays.txt']);
  });

  test("a stale file's folder stays when a foreign file or folder is still in it", () => {
    // GIVEN
    writeTree(out, withManifest({ 'a/gone.txt': 'g\n', 'b/gone.txt': 'g\n' }));
    fs.writeFileSync(path.join(out, 'a/notes.md'), 'mine\n');
    fs.mkdirSync(path.join(out, 'b/empty-but-mine'));

    // WHEN
    writeTree(out, withManifest({ 'other.txt': 'o\n' }));

    // THEN
    expect(fs.readFileSync(path.join(out, 'a/notes.md'), 'utf8')).toBe('mine\n');
    expect(fs.statSync(path.join(out, 'b/empty-but-mine')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(out, 'a/gone.txt'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'b/gone.txt'))).toBe(false);
  });

  test('a manifest entry that points outside the output folder never deletes anything there', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const victim = path.join(path.dirname(out), 'victim.txt');
    fs.writeFileSync(victim, 'precious\n');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_PATH), 'utf8'));
    manifest.files.push('../victim.txt');
    fs.writeFileSync(path.join(out, MANIFEST_PATH), JSON.stringify(manifest));

    // WHEN
    const report = writeTree(out, withManifest({ 'a.txt': 'a\n' }));

    // THEN
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(report.entries).toEqual([
      { path: MANIFEST_PATH, action: 'written' },
      { path: 'a.txt', action: 'unchanged' },
    ]);
  });
});

describe('foreign files (not in the manifest)', () => {
  test('are never touched: same inode, same time, same bytes, even in a folder that is written to', () => {
    // GIVEN
    writeTree(out, withManifest({ 'config/a.yml': 'a: 1\n', 'gone.txt': 'g\n' }));
    fs.writeFileSync(path.join(out, 'README.md'), 'mine\n');
    fs.writeFileSync(path.join(out, 'config/local.yml'), 'mine: true\n');
    fs.mkdirSync(path.join(out, 'empty-folder'));
    fs.symlinkSync('README.md', path.join(out, 'link-to-readme'));
    ageTree(out);
    const before = statTree(out);

    // WHEN
    writeTree(out, withManifest({ 'config/a.yml': 'a: 2\n', 'config/b.yml': 'b: 1\n' }));

    // THEN
    const after = statTree(out);
    for (const foreign of ['README.md', 'config/local.yml', 'link-to-readme']) expect(after[foreign]).toEqual(before[foreign]);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('mine\n');
    expect(fs.readlinkSync(path.join(out, 'link-to-readme'))).toBe('README.md');
    expect(fs.statSync(path.join(out, 'empty-folder')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(out, 'gone.txt'))).toBe(false);
  });

  test('a foreign file at a path that is now generated is refused, and nothing changes', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.writeFileSync(path.join(out, 'config.yml'), 'hand-written\n');
    const before = snapshot(out);

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n', 'config.yml': 'generated\n' }), { display: 'out' }));

    // THEN
    expect(e.code).toBe('refused');
    expect(e.message).toBe(
      'out/config.yml exists but kamal-cdk did not generate it (it is not in the manifest); move it away, then synth again (or synth with --force to overwrite it)',
    );
    expect(snapshot(out)).toEqual(before);
  });

  test('with force, a foreign file at a generated path is taken over; other foreign files stay', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.writeFileSync(path.join(out, 'config.yml'), 'hand-written\n');
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine\n');

    // WHEN
    writeTree(out, withManifest({ 'a.txt': 'a\n', 'config.yml': 'generated\n' }), { force: true });

    // THEN
    expect(readTree(out)['config.yml']).toBe('generated\n');
    expect(readTree(out)['notes.md']).toBe('mine\n');
  });

  test('a foreign file where a folder is needed, or a folder where a file goes, is refused and nothing changes', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.writeFileSync(path.join(out, 'config'), 'a file, not a folder\n');
    fs.mkdirSync(path.join(out, 'b.txt'));
    fs.mkdirSync(path.join(out, 'c.txt'));
    fs.writeFileSync(path.join(out, 'c.txt/mine'), 'mine\n');
    const before = snapshot(out);

    // WHEN
    const needsFolder = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n', 'config/deploy.yml': 'x\n' }), { display: 'out' }));
    const isFolder = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n', 'b.txt': 'x\n' }), { display: 'out' }));
    const holdsFiles = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n', 'c.txt': 'x\n' }), { display: 'out' }));

    // THEN
    expect(needsFolder.message).toBe('out/config is not a folder, and config/deploy.yml needs it to be one; move it away');
    expect(isFolder.message).toBe('out/b.txt is a folder, where kamal-cdk writes a file from [c/b.txt]; move it away');
    expect(holdsFiles.message).toBe('out/c.txt is a folder, where kamal-cdk writes a file from [c/c.txt]; move it away');
    expect(snapshot(out)).toEqual(before);
  });
});

describe('symbolic links', () => {
  let outside: string;
  beforeEach(() => {
    outside = tempDir('kamal-cdk-outside-');
  });

  test('a folder link that a generated file would be written through is refused, and nothing is written', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.symlinkSync(outside, path.join(out, 'config'));
    const before = snapshot(out);

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n', 'config/deploy.yml': 'x\n' }), { display: 'out' }));

    // THEN
    expect(e.message).toBe('out/config is a symbolic link, and config/deploy.yml would be written through it; remove the link');
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(snapshot(out)).toEqual(before);
  });

  test('a link at a generated path is refused and its target is not written', () => {
    // GIVEN
    writeTree(out, withManifest({ 'deploy.yml': 'old\n' }));
    fs.writeFileSync(path.join(outside, 'target'), 'precious\n');
    fs.rmSync(path.join(out, 'deploy.yml'));
    fs.symlinkSync(path.join(outside, 'target'), path.join(out, 'deploy.yml'));

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'deploy.yml': 'x\n' }), { display: 'out' }));

    // THEN
    expect(e.message).toBe('out/deploy.yml is a symbolic link; kamal-cdk never writes through one: remove the link');
    expect(fs.readFileSync(path.join(outside, 'target'), 'utf8')).toBe('precious\n');
  });

  test('an output folder that is itself a link, or whose .kamal-cdk is one, is refused', () => {
    // GIVEN
    fs.symlinkSync(outside, out);
    const other = path.join(tempDir(), 'out');
    fs.mkdirSync(other);
    fs.symlinkSync(outside, path.join(other, '.kamal-cdk'));

    // WHEN
    const whole = writeError(() => writeTree(out, withManifest({ 'a.txt': 'x\n' }), { display: 'out' }));
    const own = writeError(() => writeTree(other, withManifest({ 'a.txt': 'x\n' }), { display: 'other' }));

    // THEN
    expect(whole.message).toBe('out is a symbolic link; point --outdir at a real folder');
    expect(own.message).toBe('other/.kamal-cdk is not a folder (a link, or a file); remove it, then synth again');
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  test('a link elsewhere in the output folder, on no generated path, is left alone', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.symlinkSync(outside, path.join(out, 'elsewhere'));

    // WHEN
    writeTree(out, withManifest({ 'config/a.txt': 'x\n' }));

    // THEN
    expect(fs.readlinkSync(path.join(out, 'elsewhere'))).toBe(outside);
    expect(fs.readFileSync(path.join(out, 'config/a.txt'), 'utf8')).toBe('x\n');
    expect(fs.readdirSync(outside)).toEqual([]);
  });
});

describe('folder and file metadata', () => {
  const runAsRoot = process.geteuid?.() === 0 ? test : test.skip;

  test('existing folders keep their inode, mode (0700, setgid) and attributes; folders made by the writer are 0755', () => {
    // GIVEN
    writeTree(out, withManifest({ '.kamal/secrets': 'A=$A\n', 'shared/a.txt': 'a\n' }));
    fs.chmodSync(path.join(out, '.kamal'), 0o700);
    fs.chmodSync(path.join(out, 'shared'), 0o2770);
    const xattr = setXattr(path.join(out, 'shared'));
    const before = snapshot(out).dirs;

    // WHEN
    writeTree(out, withManifest({ '.kamal/secrets': 'A=$B\n', 'shared/a.txt': 'b\n', 'shared/new/deep.txt': 'd\n' }));

    // THEN
    const after = snapshot(out).dirs;
    for (const d of ['', '.kamal', 'shared']) expect(after[d]).toEqual(before[d]);
    expect(after['.kamal'].mode & 0o7777).toBe(0o700);
    expect(after.shared.mode & 0o7777).toBe(0o2770);
    // A folder made inside a setgid folder keeps the setgid bit it inherits.
    expect(after['shared/new'].mode & 0o7777).toBe(0o2755);
    if (xattr) expect(getXattr(path.join(out, 'shared'))).toBe('kept');
  });

  runAsRoot("as root, another user's folders and files keep their owner and group", () => {
    // GIVEN
    writeTree(out, withManifest({ 'app/a.txt': 'a\n', 'app/b.txt': 'b\n' }));
    for (const p of ['', 'app', 'app/a.txt']) fs.chownSync(path.join(out, p), 1234, 2345);

    // WHEN
    writeTree(out, withManifest({ 'app/a.txt': 'A\n', 'app/b.txt': 'B\n' }));

    // THEN
    const owner = (p: string) => {
      const st = fs.lstatSync(path.join(out, p));
      return [st.uid, st.gid];
    };
    expect(owner('')).toEqual([1234, 2345]);
    expect(owner('app')).toEqual([1234, 2345]);
    expect(owner('app/a.txt')).toEqual([1234, 2345]);
    expect(owner('app/b.txt')).toEqual([0, 0]);
    expect(readTree(out)['app/a.txt']).toBe('A\n');
  });

  test('under umask 077 (a child process), files are still 0644 or 0755 and new folders 0755', async () => {
    // WHEN
    const run = await spawnWriter({ OUT: out, GEN: 'b', FILES: '3', UMASK: '077' });
    fs.chmodSync(path.join(out, 'd0/f0.txt'), 0o755);

    // THEN
    expect(run.code).toBe(0);
    const modes = Object.fromEntries(['', ...folders(out)].map((d) => [d || '.', fs.statSync(path.join(out, d)).mode & 0o7777]));
    expect(new Set(Object.values(modes))).toEqual(new Set([0o755]));
    const files = statTree(out);
    delete files['d0/f0.txt'];
    expect(new Set(Object.values(files).map((s) => s.mode))).toEqual(new Set([0o644]));
  }, 30_000);
});

describe('a failure before the commit point leaves the folder exactly as it was', () => {
  const N = 6;
  /** Every pre-commit fault event of a write from generation a to b, in order, as [hook, path]. */
  function preCommitEvents(): Array<[keyof WriterFaults, string | undefined]> {
    const dir = path.join(tempDir(), 'out');
    writeTree(dir, generation('a', N));
    const events: Array<[keyof WriterFaults, string | undefined]> = [];
    const hooks: Array<keyof WriterFaults> = ['afterLock', 'afterJournal', 'afterBackup', 'afterMkdir', 'afterTempFile', 'beforeCommit'];
    writeTree(dir, generation('b', N), { faults: Object.fromEntries(hooks.map((h) => [h, (p?: string) => events.push([h, p])])) });
    return events;
  }

  test('a throw at each step before the commit point: WriteError failed, out/ unchanged to the inode, nothing left over', () => {
    // GIVEN
    const events = preCommitEvents();
    expect(events.map((e) => e[0])).toEqual([
      'afterLock',
      'afterJournal',
      ...Array(2).fill('afterBackup'),
      ...Array(3).fill('afterMkdir'),
      ...Array(N + 3).fill('afterTempFile'),
      'beforeCommit',
    ]);

    for (const [hook, at] of events) {
      const dir = path.join(tempDir(), 'out');
      writeTree(dir, generation('a', N));
      const before = snapshot(dir);

      // WHEN
      const e = writeError(() =>
        writeTree(dir, generation('b', N), {
          display: 'out',
          faults: {
            [hook]: (p?: string) => {
              if (p === at) throw new Error('disk on fire');
            },
          },
        }),
      );

      // THEN
      expect([hook, at, e.code, e.message]).toEqual([hook, at, 'failed', 'could not write out/: disk on fire; out/ is unchanged']);
      expect(snapshot(dir)).toEqual(before);

      // AND the next write is wholly new
      writeTree(dir, generation('b', N));
      expect(generationOf(dir, N)).toBe('b');
    }
  });

  test('when a folder someone filled blocks undoing, the error says so, and the next run finishes undoing once the obstacle is gone', () => {
    // GIVEN: generation a has a file `slot`; b moves it aside and makes a folder there, into which someone saves a file
    writeTree(out, generation('a', N));
    const before = readTree(out);

    // WHEN
    const e = writeError(() =>
      writeTree(out, generation('b', N), {
        display: 'out',
        faults: {
          afterMkdir: (p) => {
            if (p !== 'slot') return;
            fs.writeFileSync(path.join(out, 'slot/mine.txt'), 'mine\n');
            throw new Error('disk on fire');
          },
        },
      }),
    );

    // THEN
    expect(e.code).toBe('failed');
    expect(e.message).toMatch(
      /^could not write out\/: disk on fire; out\/slot is in the way of undoing an interrupted write: something was put there while kamal-cdk was writing, and the old slot waits at out\/\.kamal-cdk-[0-9a-f]+-r\d+; move one of them away, then run kamal-cdk again$/,
    );
    expect(fs.existsSync(path.join(out, '.kamal-cdk/txn'))).toBe(true);

    // AND WHEN the file is moved away
    fs.rmSync(path.join(out, 'slot/mine.txt'));
    const next = recoverTree(out);

    // THEN
    expect(next.recovered).toBe('rolled-back');
    expect(readTree(out)).toEqual(before);
    expect(writerLeftovers(out)).toEqual([]);
  });

  test('the undo is flushed to disk before its journal goes: no crash can leave stale files aside with nothing to put them back', () => {
    // GIVEN: a write that moves stale files aside, then fails before its commit point
    writeTree(out, generation('a', 4));
    const calls: string[] = [];
    const record = <K extends 'linkNoReplace' | 'unlink' | 'sync'>(method: K, label: (args: unknown[]) => string) => {
      const real = Dir.prototype[method] as (...a: unknown[]) => unknown;
      return jest.spyOn(Dir.prototype, method).mockImplementation(function (this: Dir, ...args: unknown[]) {
        calls.push(label(args));
        return real.apply(this, args);
      } as never);
    };
    const spies = [record('linkNoReplace', (a) => `link ${String(a[1])}`), record('unlink', (a) => `unlink ${String(a[0])}`), record('sync', () => 'fsync')];
    let failedAt = -1;

    // WHEN
    try {
      writeError(() =>
        writeTree(out, generation('b', 4), {
          faults: {
            beforeCommit: () => {
              failedAt = calls.length;
              throw new Error('disk on fire');
            },
          },
        }),
      );
    } finally {
      for (const s of spies) s.mockRestore();
    }

    // THEN: after the last stale file is put back, a flush comes before the journal is removed
    const undo = calls.slice(failedAt);
    const lastPutBack = undo.map((c) => c.startsWith('link ')).lastIndexOf(true);
    const journalGone = undo.indexOf('unlink journal.json');
    expect(lastPutBack).toBeGreaterThanOrEqual(0);
    expect(journalGone).toBeGreaterThan(lastPutBack);
    expect(undo.slice(lastPutBack, journalGone)).toContain('fsync');
    expect(generationOf(out, 4)).toBe('a');
  });

  test('a first write that fails leaves no output folder behind', () => {
    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a/b.txt': 'x\n' }), { faults: { beforeCommit: () => { throw new Error('no'); } } }));

    // THEN
    expect(e.code).toBe('failed');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('a file someone puts at a path while kamal-cdk writes is never replaced', () => {
  test('at a new generated path, after the write was planned: kept and left out of the manifest, so the next synth refuses it; nothing left over', () => {
    // GIVEN
    writeTree(out, withManifest({ 'keep.txt': 'k\n' }));
    const next = withManifest({ 'keep.txt': 'k\n', 'config/new.yml': 'generated: true\n' });

    // WHEN: an editor saves config/new.yml between the plan and the move into place
    const report = writeTree(out, next, {
      display: 'out',
      faults: { afterCommit: () => fs.writeFileSync(path.join(out, 'config/new.yml'), 'mine: true\n') },
    });
    const again = writeError(() => writeTree(out, next, { display: 'out' }));

    // THEN: theirs stays, the manifest does not claim it, and the next write refuses to replace it
    expect(fs.readFileSync(path.join(out, 'config/new.yml'), 'utf8')).toBe('mine: true\n');
    expect(report.afterCommitProblems).toEqual([
      'out/config/new.yml was not written: something was put there while kamal-cdk was writing, and it was kept; it is not in the manifest, ' +
        'so the next synth refuses to replace it: move it away, then synth again (or synth --force to replace it)',
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(out, MANIFEST_PATH), 'utf8')).files).toEqual([MANIFEST_PATH, 'keep.txt']);
    expect(writerLeftovers(out)).toEqual([]);
    expect(again.code).toBe('refused');
    expect(again.message).toContain('out/config/new.yml exists but kamal-cdk did not generate it');
    expect(fs.readFileSync(path.join(out, 'config/new.yml'), 'utf8')).toBe('mine: true\n');
  });

  test('at a stale path, while a failed write is undone: kept; the undo stops, says what is in the way, and finishes once it is moved away', () => {
    // GIVEN: gone.txt is stale in the next write, which fails before its commit point
    writeTree(out, withManifest({ 'keep.txt': 'k\n', 'gone.txt': 'old\n' }));
    const before = readTree(out);

    // WHEN: someone writes gone.txt after it was moved aside, then the write fails and is undone
    const e = writeError(() =>
      writeTree(out, withManifest({ 'keep.txt': 'K\n' }), {
        display: 'out',
        faults: {
          beforeCommit: () => {
            fs.writeFileSync(path.join(out, 'gone.txt'), 'mine\n');
            throw new Error('disk on fire');
          },
        },
      }),
    );
    const later = writeError(() => writeTree(out, withManifest({ 'keep.txt': 'K\n' }), { display: 'out' }));

    // THEN
    const blocked = /out\/gone\.txt is in the way of undoing an interrupted write: something was put there while kamal-cdk was writing, and the old gone\.txt waits at out\/\.kamal-cdk-[0-9a-f]+-r0; move one of them away, then run kamal-cdk again$/;
    expect(e.code).toBe('failed');
    expect(e.message).toMatch(new RegExp(`^could not write out/: disk on fire; ${blocked.source}`));
    expect(later.message).toMatch(new RegExp(`^${blocked.source}`));
    expect(`${e.message}${later.message}`).not.toContain('/proc/');
    expect(fs.readFileSync(path.join(out, 'gone.txt'), 'utf8')).toBe('mine\n');

    // AND WHEN that file is moved away
    fs.rmSync(path.join(out, 'gone.txt'));
    const next = recoverTree(out);

    // THEN
    expect(next.recovered).toBe('rolled-back');
    expect(readTree(out)).toEqual(before);
    expect(writerLeftovers(out)).toEqual([]);
  });
});

describe('a problem after the commit point is reported, and never leaves the next run stuck', () => {
  test.each([
    ['afterRename', 'd0/f0.txt'],
    ['afterRemove', 'slot'],
    ['beforeCleanup', undefined],
  ] as const)('a failing step (%s) is in afterCommitProblems; the tree is wholly new and the next run is clean', (hook, at) => {
    // GIVEN
    writeTree(out, generation('a', 5));

    // WHEN
    const report = writeTree(out, generation('b', 5), {
      display: 'out',
      faults: {
        [hook]: (p?: string) => {
          if (p === at) throw new Error('EPERM: operation not permitted');
        },
      },
    });

    // THEN
    expect(report.afterCommitProblems).toHaveLength(1);
    expect(report.afterCommitProblems[0]).toMatch(/: EPERM: operation not permitted$/);
    const next = writeTree(out, generation('b', 5));
    expect(generationOf(out, 5)).toBe('b');
    expect(next.afterCommitProblems).toEqual([]);
    expect(next.recovered).toBe(hook === 'beforeCleanup' ? 'rolled-forward' : undefined);
  });

  (immutableProbe ? test.skip : test)(`a stale file that really cannot be deleted (an immutable folder) is named with what to do; the write stands${immutableProbe ? ` — skipped: ${immutableProbe}` : ''}`, () => {
    // GIVEN
    writeTree(out, withManifest({ 'keep.txt': 'k\n', 'frozen/gone.txt': 'g\n' }));
    const frozen = path.join(out, 'frozen');
    let report;
    try {
      // WHEN: the folder turns immutable right after the commit point
      report = writeTree(out, withManifest({ 'keep.txt': 'K\n' }), {
        display: 'out',
        faults: {
          afterCommit: () => {
            expect(spawnSync('chattr', ['+i', frozen]).status).toBe(0);
          },
        },
      });
    } finally {
      spawnSync('chattr', ['-i', frozen]);
    }

    // THEN
    expect(report.afterCommitProblems).toHaveLength(1);
    expect(report.afterCommitProblems[0]).toMatch(
      /^could not delete out\/frozen\/\.kamal-cdk-[0-9a-f]+-r0, the old copy of frozen\/gone\.txt, which kamal-cdk no longer generates; delete it by hand: EPERM/,
    );
    expect(readTree(out)['keep.txt']).toBe('K\n');
    expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual([MANIFEST_PATH, 'keep.txt']);
    expect(writerLeftovers(out)).toEqual([expect.stringMatching(/^frozen\/\.kamal-cdk-[0-9a-f]+-r0$/)]);
    expect(writeTree(out, withManifest({ 'keep.txt': 'K\n' })).afterCommitProblems).toEqual([]);
  });
});

describe('one writer at a time', () => {
  test('a lock held by a live process makes a write wait, then fail with locked, naming the pid; nothing changes', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const own = Dir.open(path.join(out, '.kamal-cdk'));
    const lock = OutputLock.acquire(own, { purpose: 'write', timeoutMs: 0, staleMs: 60_000 });
    const before = snapshot(out);
    const started = Date.now();
    try {
      // WHEN
      const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 300 }));

      // THEN
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
      expect(e.code).toBe('locked');
      expect(e.message).toBe(
        `another kamal-cdk (pid ${process.pid}) is writing out/; waited 0.3 s. Run again when it is done; if no kamal-cdk is running, delete out/.kamal-cdk/lock`,
      );
      expect(snapshot(out)).toEqual(before);
    } finally {
      lock.release();
      own.close();
    }
    expect(writeTree(out, withManifest({ 'a.txt': 'b\n' })).entries).toContainEqual({ path: 'a.txt', action: 'written' });
  });

  test.each([
    ['whose process is gone', () => ({ pid: deadPid(), at: Date.now() })],
    ['older than staleLockMs, though its process lives', () => ({ pid: process.pid, at: Date.now() - 120_000 })],
  ])('a lock %s is broken at once', (_what, holder) => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const h = holder();
    fs.writeFileSync(path.join(out, '.kamal-cdk/lock'), JSON.stringify({ ...h, host: os.hostname(), token: 'old', purpose: 'write' }));

    // WHEN
    const started = Date.now();
    writeTree(out, withManifest({ 'a.txt': 'b\n' }), { lockTimeoutMs: 5_000, staleLockMs: 60_000 });

    // THEN
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(readTree(out)['a.txt']).toBe('b\n');
    expect(writerLeftovers(out)).toEqual([]);
  });

  test.each([
    ['under another boot id (another machine of this name, or this one before a restart) is waited for, though its pid runs here', { pid: process.pid, boot: 'another-boot' }, false],
    ['of a process in another pid namespace (a container sharing the folder and host name) is waited for: its pid is not ours to judge', { pid: deadPid(), pidns: 'pid:[1]' }, false],
    ['of a dead process in this pid namespace is broken at once', { pid: deadPid(), pidns: fs.readlinkSync('/proc/self/ns/pid') }, true],
  ])('a lock %s', (_what, holder, broken) => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    fs.writeFileSync(path.join(out, '.kamal-cdk/lock'), JSON.stringify({ ...holder, at: Date.now(), host: os.hostname(), token: 'old', purpose: 'write' }));

    // WHEN
    const write = () => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 200, staleLockMs: 60_000 });

    // THEN
    if (broken) {
      write();
      expect(readTree(out)['a.txt']).toBe('b\n');
    } else {
      expect(writeError(write).code).toBe('locked');
      expect(readTree(out)['a.txt']).toBe('a\n');
    }
  });

  test('a waiter that judged a lock stale, but finds a live one in its place when it moves it aside, puts the live one back', () => {
    // GIVEN: the stale lock the waiter looked at was replaced by a live holder's before the waiter moved it
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const own = Dir.open(path.join(out, '.kamal-cdk'));
    const live = OutputLock.acquire(own, { purpose: 'write', timeoutMs: 0, staleMs: 60_000 });
    const staleIno = fs.statSync(path.join(out, 'a.txt')).ino;
    try {
      // WHEN
      breakLock(own, staleIno, 'waiter');

      // THEN
      expect(live.owns()).toBe(true);
      expect(fs.readdirSync(path.join(out, '.kamal-cdk')).sort()).toEqual(['lock', 'manifest.json']);
    } finally {
      live.release();
      own.close();
    }
  });

  test('a writer whose lock was taken over as stale while it ran gives up before its commit point; out/ unchanged', () => {
    // GIVEN
    writeTree(out, generation('a', 3));
    const before = snapshot(out);
    const lockFile = path.join(out, '.kamal-cdk/lock');

    // WHEN: another process broke the lock and took it just before this one would commit
    const e = writeError(() =>
      writeTree(out, generation('b', 3), {
        display: 'out',
        faults: { beforeCommit: () => fs.writeFileSync(lockFile, JSON.stringify({ pid: process.pid, host: os.hostname(), token: 'other', at: Date.now(), purpose: 'write' })) },
      }),
    );

    // THEN
    expect(e.message).toBe('could not write out/: the lock on out/ was taken over as stale while this write was under way; out/ is unchanged');
    fs.rmSync(lockFile);
    expect(snapshot(out)).toEqual(before);
  });

  test('an unreadable lock file is looked at again past the deadline (it may be being written): once its holder fills it, locked names that holder', () => {
    // GIVEN: a holder that creates the lock file, and writes itself into it 50 ms later
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const lockFile = path.join(out, '.kamal-cdk/lock');
    const fill =
      `const fs = require('fs'); fs.closeSync(fs.openSync(${JSON.stringify(lockFile)}, 'wx')); ` +
      `setTimeout(() => { fs.writeFileSync(${JSON.stringify(lockFile)}, JSON.stringify({ pid: process.pid, host: require('os').hostname(), token: 't', at: Date.now(), purpose: 'write' })); ` +
      'setTimeout(() => {}, 3000); }, 50);';
    const holder = spawn(process.execPath, ['-e', fill], { stdio: 'ignore' });
    try {
      const until = Date.now() + 10_000;
      while (!fs.existsSync(lockFile) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);

      // WHEN: a writer that would give up at once
      const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 0 }));

      // THEN: it looked again until the lock was readable, and says whose it is
      expect(e.code).toBe('locked');
      expect(e.message).toMatch(new RegExp(`^another kamal-cdk \\(pid ${holder.pid}\\) is writing out/; waited 0\\.0 s`));
      expect(readTree(out)['a.txt']).toBe('a\n');
    } finally {
      holder.kill();
    }
  });

  test.each([
    ['a folder', (f: string) => fs.mkdirSync(f)],
    ['a link', (f: string) => fs.symlinkSync('/nonexistent-target', f)],
    ['a special file', (f: string) => spawnSync('mkfifo', [f])],
  ])('a lock name taken by %s is an error saying so at once, never a wait without end', (what, make) => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    make(path.join(out, '.kamal-cdk/lock'));
    const started = Date.now();

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 100 }));

    // THEN
    expect(Date.now() - started).toBeLessThan(1000);
    expect(e.code).toBe('locked');
    expect(e.message).toBe(`out/.kamal-cdk/lock is ${what}, not a lock file kamal-cdk wrote, so no kamal-cdk can take the lock; remove it, then run again`);
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a\n');
    fs.rmSync(path.join(out, '.kamal-cdk/lock'), { recursive: true });
  });

  test('an unreadable lock file that stays so is locked while fresh (after a short look past the deadline), broken once old, and never waited for past the timeout, whatever its mtime says', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const lockFile = path.join(out, '.kamal-cdk/lock');
    fs.writeFileSync(lockFile, '');
    const future = new Date(Date.now() + 60_000);

    // WHEN: fresh; then with an mtime a minute ahead of this clock; then old
    let started = Date.now();
    const fresh = writeError(() => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 100 }));
    const freshMs = Date.now() - started;
    fs.utimesSync(lockFile, future, future);
    started = Date.now();
    const ahead = writeError(() => writeTree(out, withManifest({ 'a.txt': 'b\n' }), { display: 'out', lockTimeoutMs: 100 }));
    const aheadMs = Date.now() - started;
    fs.utimesSync(lockFile, OLD_TIME, OLD_TIME);
    writeTree(out, withManifest({ 'a.txt': 'c\n' }), { lockTimeoutMs: 100 });

    // THEN
    expect(fresh.code).toBe('locked');
    expect(fresh.message).toMatch(/^another kamal-cdk is writing out\/; waited 0\.1 s/);
    expect(ahead.code).toBe('locked');
    expect(Math.max(freshMs, aheadMs)).toBeLessThan(1500);
    expect(readTree(out)['a.txt']).toBe('c\n');
  });
});

describe('dangerous targets are refused before anything is touched', () => {
  const advice = 'kamal-cdk writes only into a folder of its own: point --outdir at one, such as out';

  test('/, the project folder and a folder holding it', () => {
    // WHEN
    const messages = [
      ['/', undefined],
      [REPO, REPO],
      [path.dirname(REPO), REPO],
    ].map(([dir, projectRoot]) => {
      const e = writeError(() => writeTree(dir!, withManifest({ 'a.txt': 'x\n' }), { display: dir, projectRoot }));
      return `${e.code}: ${e.message}`;
    });

    // THEN
    expect(messages).toEqual([
      `refused: / is the root folder (/); ${advice}`,
      `refused: ${REPO} is the project folder (${REPO}); ${advice}`,
      `refused: ${path.dirname(REPO)} holds the project folder (${REPO}); ${advice}`,
    ]);
    expect(fs.existsSync(path.join(REPO, 'a.txt'))).toBe(false);
  });

  test('the home folder, also by a link to it (child processes, with HOME set)', async () => {
    // GIVEN
    const home = tempDir('kamal-cdk-home-');
    fs.writeFileSync(path.join(home, '.bashrc'), 'mine\n');
    const linkToHome = path.join(tempDir(), 'link-to-home');
    fs.symlinkSync(home, linkToHome);

    // WHEN
    const runs = [await spawnWriter({ OUT: home, HOME: home }), await spawnWriter({ OUT: linkToHome, HOME: home })];

    // THEN
    expect(runs.map((r) => [r.code, r.stderr])).toEqual([
      [1, `out is your home folder (${home}); ${advice}\n`],
      [1, `out is your home folder (${home}); ${advice}\n`],
    ]);
    expect(fs.readdirSync(home)).toEqual(['.bashrc']);
  }, 30_000);

  test('a non-empty folder without a manifest is refused (nothing created), and taken with force', () => {
    // GIVEN
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'notes.md'), 'mine\n');

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'x\n' }), { display: 'out' }));
    const listed = fs.readdirSync(out);
    writeTree(out, withManifest({ 'a.txt': 'x\n' }), { force: true });

    // THEN
    expect(e.code).toBe('refused');
    expect(e.message).toBe(
      "out/ is not empty and has no manifest (out/.kamal-cdk/manifest.json), so kamal-cdk can't tell the files it generated from yours. " +
        'If kamal-cdk wrote this folder, restore the manifest (git checkout -- out/.kamal-cdk/manifest.json) and synth again, ' +
        'or synth with --force to take over the files it generates (other files are left alone); otherwise choose an empty or new folder',
    );
    expect(listed).toEqual(['notes.md']);
    expect(readTree(out)).toEqual({ [MANIFEST_PATH]: expect.any(String), 'a.txt': 'x\n', 'notes.md': 'mine\n' });
  });
});

describe('a corrupt or missing manifest', () => {
  test.each([
    ['truncated', '{"files": ["a.t', /^it is not valid JSON: /],
    ['without a files list', '{"paths": []}', /^it has no "files" list$/],
  ])('%s: refused, naming the file and both ways to recover; --force rewrites it', (_what, text, reason) => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n', 'b.txt': 'b\n' }));
    fs.writeFileSync(path.join(out, MANIFEST_PATH), text);
    const before = snapshot(out);

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n' }), { display: 'out' }));

    // THEN
    expect(e.code).toBe('refused');
    const [, why] = /^out\/\.kamal-cdk\/manifest\.json can't be read \((.*?)\), so kamal-cdk/.exec(e.message)!;
    expect(why).toMatch(reason);
    expect(e.message).toContain(
      "so kamal-cdk can't tell the files it generated from yours. Restore it (git checkout -- out/.kamal-cdk/manifest.json) and synth again, " +
        'or synth with --force to write every file and a new manifest (files it used to generate and no longer does are then left in place)',
    );
    expect(snapshot(out)).toEqual(before);

    // AND WHEN forced
    writeTree(out, withManifest({ 'a.txt': 'A\n' }), { force: true });

    // THEN the manifest is whole again; b.txt, no longer known to be generated, stays
    expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual([MANIFEST_PATH, 'a.txt']);
    expect(readTree(out)['b.txt']).toBe('b\n');
  });

  test('deleted: refused as a folder without a manifest; restoring it is enough', () => {
    // GIVEN
    writeTree(out, withManifest({ 'a.txt': 'a\n' }));
    const saved = fs.readFileSync(path.join(out, MANIFEST_PATH));
    fs.rmSync(path.join(out, MANIFEST_PATH));

    // WHEN
    const e = writeError(() => writeTree(out, withManifest({ 'a.txt': 'A\n' }), { display: 'out' }));
    fs.writeFileSync(path.join(out, MANIFEST_PATH), saved);
    writeTree(out, withManifest({ 'a.txt': 'A\n' }));

    // THEN
    expect(e.message).toMatch(/^out\/ is not empty and has no manifest \(out\/\.kamal-cdk\/manifest\.json\)/);
    expect(readTree(out)['a.txt']).toBe('A\n');
  });
});

test('recoverTree on a folder with nothing interrupted does nothing', () => {
  // GIVEN
  writeTree(out, generation('a', 3));
  const before = snapshot(out);

  // WHEN
  const r = recoverTree(out);

  // THEN
  expect(r).toEqual({ recovered: undefined, afterCommitProblems: [] });
  expect(snapshot(out)).toEqual(before);
  expect(generationTree('a', 3)).toEqual(readTree(out));
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Sets user.kamal=kept on `p` (with python3, Node has no xattr API); false when that is not possible here. */
function setXattr(p: string): boolean {
  return spawnSync('python3', ['-c', `import os; os.setxattr(${JSON.stringify(p)}, 'user.kamal', b'kept')`]).status === 0;
}

function getXattr(p: string): string {
  return spawnSync('python3', ['-c', `import os,sys; sys.stdout.write(os.getxattr(${JSON.stringify(p)}, 'user.kamal').decode())`], { encoding: 'utf8' }).stdout;
}
