// The writer's guarantees where they involve more than one process: kills at every step, two
// writers at once, a check during a write, a symlink swapped in while writing, and an output folder
// that is a mount point.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findDrift, recoverTree, WriteError, writeTree } from '../../src';
import { generation, withManifest } from '../fixtures/engine/generations';
import { readTree, tempDir } from './helpers';
import { ChildRun, generationOf, spawnWriter, writerLeftovers } from './writer-helpers';

const N = 6;

describe('SIGKILL at every step of a write, then recovery: wholly old or wholly new', () => {
  test.each([
    ['a', 'b'],
    ['b', 'a'],
  ])('from generation %s to %s', async (from, to) => {
    // GIVEN: the steps of an uninterrupted write, as the child reports them
    const probe = path.join(tempDir(), 'out');
    writeTree(probe, generation(from, N));
    const full = await spawnWriter({ OUT: probe, GEN: to, FILES: String(N) });
    expect(full.code).toBe(0);
    const events = full.stdout.split('\n').filter((l) => l.startsWith('event '));
    const commitAt = events.indexOf('event afterCommit');
    expect(new Set(events.map((e) => e.split(' ')[1]))).toEqual(
      new Set(['afterLock', 'afterJournal', 'afterBackup', 'afterMkdir', 'afterTempFile', 'beforeCommit', 'afterCommit', 'afterLink', 'afterRename', 'afterRemove', 'beforeCleanup']),
    );

    const seen: string[] = [];
    for (let i = 0; i < events.length; i++) {
      const out = path.join(tempDir(), 'out');
      writeTree(out, generation(from, N));

      // WHEN: killed right after step i
      const run = await spawnWriter({ OUT: out, GEN: to, FILES: String(N), KILL_AT: String(i) });
      expect([events[i], run.signal]).toEqual([events[i], 'SIGKILL']);

      // THEN: out/ is there; check says the write was interrupted (once a journal exists) instead of listing files
      expect(fs.statSync(out).isDirectory()).toBe(true);
      const interrupted = fs.existsSync(path.join(out, '.kamal-cdk/txn'));
      let checked: string;
      try {
        findDrift(out, generation(to, N), { lockTimeoutMs: 1000 });
        checked = 'read';
      } catch (e) {
        checked = (e as WriteError).code;
      }
      expect([events[i], checked]).toEqual([events[i], interrupted ? 'interrupted' : 'read']);

      // AND recovery makes it wholly old before the commit point, wholly new from it on
      const recovered = recoverTree(out);
      expect([events[i], recovered.afterCommitProblems]).toEqual([events[i], []]);
      expect([events[i], generationOf(out, N)]).toEqual([events[i], i < commitAt ? from : to]);
      seen.push(`${events[i]} -> ${recovered.recovered ?? 'nothing to do'}`);
    }
    expect(seen).toHaveLength(events.length);
  }, 180_000);
});

describe('two writers at once', () => {
  /**
   * Writes generation a in-process, then runs a child writing b (dawdling `slowMs` after each file)
   * and, once that one holds the lock, a second child writing a that waits up to `lockMs` for it.
   */
  async function secondWhileFirstHolds(slowMs: number, lockMs: number): Promise<{ out: string; first: ChildRun; second: ChildRun }> {
    const out = path.join(tempDir(), 'out');
    writeTree(out, generation('a', N));
    let second: Promise<ChildRun> | undefined;
    const first = await spawnWriter({ OUT: out, GEN: 'b', FILES: String(N), SLOW_MS: String(slowMs) }, (line) => {
      if (line === 'locked') second = spawnWriter({ OUT: out, GEN: 'a', FILES: String(N), LOCK_MS: String(lockMs) });
    });
    return { out, first, second: await second! };
  }

  test('while one holds the lock, the other waits its bounded time, then fails with locked naming the holder; out/ is wholly the first', async () => {
    // WHEN: the first dawdles 400 ms per file; the second waits 300 ms
    const { out, first, second } = await secondWhileFirstHolds(400, 300);

    // THEN
    expect(first.code).toBe(0);
    expect(second.code).toBe(75);
    expect(second.stderr).toBe(
      `another kamal-cdk (pid ${first.pid}) is writing out/; waited 0.3 s. Run again when it is done; if no kamal-cdk is running, delete out/.kamal-cdk/lock\n`,
    );
    expect(generationOf(out, N)).toBe('b');
  }, 60_000);

  test('a second writer with time to wait writes after the first: wholly its own generation', async () => {
    // WHEN
    const { out, first, second } = await secondWhileFirstHolds(50, 20_000);

    // THEN
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(generationOf(out, N)).toBe('a');
  }, 60_000);

  test('started together, round after round: each exits 0 or locked, and out/ is always wholly one generation', async () => {
    const out = path.join(tempDir(), 'out');
    writeTree(out, generation('a', 200));
    const outcomes: string[] = [];
    for (let round = 0; round < 5; round++) {
      // WHEN
      const [a, b] = await Promise.all([
        spawnWriter({ OUT: out, GEN: 'a', FILES: '200', LOCK_MS: '0' }),
        spawnWriter({ OUT: out, GEN: 'b', FILES: '200', LOCK_MS: '0' }),
      ]);

      // THEN
      for (const r of [a, b]) {
        expect([0, 75]).toContain(r.code);
        if (r.code === 75) expect(r.stderr).toMatch(/^another kamal-cdk \(pid \d+\) is writing out\/; waited 0\.0 s\./);
      }
      const now = generationOf(out, 200);
      expect((now === 'a' ? a : b).code).toBe(0);
      outcomes.push(`${a.code}/${b.code}->${now}`);
    }
    expect(outcomes).toHaveLength(5);
  }, 120_000);

  test('a check during a write waits for it and reads only the finished tree', async () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    writeTree(out, generation('a', N));
    let drift: unknown;
    let waited = 0;

    // WHEN: check starts while the writer holds the lock
    const writer = await spawnWriter({ OUT: out, GEN: 'b', FILES: String(N), SLOW_MS: '100' }, (line) => {
      if (line !== 'locked') return;
      const started = Date.now();
      drift = findDrift(out, generation('b', N), { lockTimeoutMs: 20_000 });
      waited = Date.now() - started;
    });

    // THEN
    expect(writer.code).toBe(0);
    expect(drift).toEqual([]);
    expect(waited).toBeGreaterThan(300);
  }, 60_000);
});

describe('never through a symbolic link, even one swapped in while writing', () => {
  /** Flips out/sub between a folder and a link to `outside` for `ms`, in another process. */
  function flipper(out: string, outside: string, ms: number): Promise<number> {
    const script = `
      const fs = require('fs');
      const [sub, aside, outside, ms] = process.argv.slice(1);
      const end = Date.now() + Number(ms);
      let flips = 0;
      while (Date.now() < end) {
        try { fs.renameSync(sub, aside); } catch {}
        try { fs.symlinkSync(outside, sub); flips++; } catch {}
        try { fs.unlinkSync(sub); } catch {}
        try { fs.renameSync(aside, sub); } catch {}
      }
      process.stdout.write(String(flips));`;
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['-e', script, path.join(out, 'sub'), path.join(out, 'sub.aside'), outside, String(ms)]);
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.on('exit', () => resolve(Number(stdout)));
    });
  }

  /** Runs `write` over and over until the flipper is done; how many times it succeeded and failed. */
  async function raceWith(out: string, outside: string, write: (i: number) => void): Promise<{ flips: number; ok: number; failed: number }> {
    const done = flipper(out, outside, 2500);
    let finished = false;
    void done.then(() => (finished = true));
    let ok = 0;
    let failed = 0;
    for (let i = 0; !finished; i++) {
      try {
        write(i);
        ok++;
      } catch {
        failed++;
      }
      // Let the flipper's exit be noticed.
      await new Promise((r) => setImmediate(r));
    }
    return { flips: await done, ok, failed };
  }

  test('control: a plain writeFileSync into out/sub does land outside during the race', async () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    const outside = tempDir('kamal-cdk-outside-');
    fs.mkdirSync(path.join(out, 'sub'), { recursive: true });

    // WHEN
    const r = await raceWith(out, outside, (i) => fs.writeFileSync(path.join(out, 'sub', `f${i % 10}.txt`), 'x'));

    // THEN: if this failed, the race below could not prove anything
    expect(r.flips).toBeGreaterThan(0);
    expect(fs.readdirSync(outside).length).toBeGreaterThan(0);
  }, 30_000);

  test('the writer, racing a process that swaps out/sub for a link: nothing ever lands outside', async () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    const outside = tempDir('kamal-cdk-outside-');
    const files = (i: number) => {
      const tree: Record<string, string> = {};
      for (let j = 0; j < 10; j++) tree[`sub/f${j}.txt`] = `${i} ${j}\n`;
      return tree;
    };
    writeTree(out, withManifest(files(0)));

    // WHEN
    const r = await raceWith(out, outside, (i) => writeTree(out, withManifest(files(i + 1)), { lockTimeoutMs: 0 }));

    // THEN
    if (process.env.KAMAL_CDK_SHOW_RACE) process.stderr.write(`${JSON.stringify(r)}\n`);
    expect(r.flips).toBeGreaterThan(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(fs.readdirSync(outside)).toEqual([]);
    // Whatever the flipper left, nothing of the writer's is left half-done.
    expect(fs.existsSync(path.join(out, '.kamal-cdk/txn'))).toBe(false);
  }, 30_000);
});

/** Whether this process may mount a tmpfs (root, with CAP_SYS_ADMIN); the reason when not. */
const mountProbe = (() => {
  if (process.geteuid?.() !== 0) return 'not running as root';
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'kamal-cdk-mount-probe-'));
  try {
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { encoding: 'utf8' });
    if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || r.error?.message || '').trim()}`;
    spawnSync('umount', [dir]);
    return undefined;
  } finally {
    fs.rmdirSync(dir);
  }
})();

(mountProbe ? test.skip : test)(`an output folder that is a mount point (tmpfs) is written and rewritten in place${mountProbe ? ` — skipped: ${mountProbe}` : ''}`, () => {
  // GIVEN
  const out = path.join(tempDir(), 'out');
  fs.mkdirSync(out);
  expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0750', 'tmpfs', out]).status).toBe(0);
  try {
    expect(fs.statSync(out).dev).not.toBe(fs.statSync(path.dirname(out)).dev);

    // WHEN
    writeTree(out, generation('a', N));
    const second = writeTree(out, generation('b', N));

    // THEN
    expect(second.afterCommitProblems).toEqual([]);
    expect(generationOf(out, N)).toBe('b');
    expect(fs.statSync(out).mode & 0o777).toBe(0o750);
    expect(findDrift(out, generation('b', N))).toEqual([]);
    expect(writerLeftovers(out)).toEqual([]);
  } finally {
    spawnSync('umount', [out]);
  }
  expect(readTree(out)).toEqual({});
});

(mountProbe ? test.skip : test)(`a read-only output folder is checked without a lock, and a write to it fails with out/ unchanged${mountProbe ? ` — skipped: ${mountProbe}` : ''}`, () => {
  // GIVEN: a read-only bind mount of a written folder (a read-only checkout in CI)
  const out = path.join(tempDir(), 'out');
  writeTree(out, generation('a', N));
  expect(spawnSync('mount', ['--bind', out, out]).status).toBe(0);
  try {
    expect(spawnSync('mount', ['-o', 'remount,bind,ro', out]).status).toBe(0);

    // WHEN
    const clean = findDrift(out, generation('a', N));
    const drifted = findDrift(out, generation('b', N));
    let error: WriteError | undefined;
    try {
      writeTree(out, generation('b', N), { display: 'out' });
    } catch (e) {
      error = e as WriteError;
    }

    // THEN
    expect(clean).toEqual([]);
    expect(drifted.length).toBeGreaterThan(0);
    expect(error?.code).toBe('failed');
    expect(error?.message).toBe('could not write out/: EROFS: read-only file system; out/ is unchanged');
  } finally {
    spawnSync('umount', [out]);
  }
  expect(generationOf(out, N)).toBe('a');
});

/** Runs a command in a mount namespace where /proc is an empty tmpfs, as on a system without it. */
const WITHOUT_PROC = ['unshare', '--mount', '--fork', 'sh', '-c', 'mount -t tmpfs none /proc && exec "$0" "$@"'];

(mountProbe ? test.skip : test)(`without /proc, the writer names files by checked paths: it writes, rewrites, and still refuses a link${mountProbe ? ` — skipped: ${mountProbe}` : ''}`, async () => {
  // GIVEN
  const out = path.join(tempDir(), 'out');
  const outside = tempDir('kamal-cdk-outside-');
  const probe = await spawnWriter({ OUT: out, GEN: 'a', FILES: String(N) }, undefined, [...WITHOUT_PROC.slice(0, -1), 'mount -t tmpfs none /proc && test ! -e /proc/self && exec "$0" "$@"']);
  expect([probe.code, probe.stderr]).toEqual([0, '']);

  // WHEN
  const rewrite = await spawnWriter({ OUT: out, GEN: 'b', FILES: String(N) }, undefined, WITHOUT_PROC);
  const b = generationOf(out, N);
  fs.rmSync(path.join(out, 'd1'), { recursive: true });
  fs.symlinkSync(outside, path.join(out, 'd1'));
  const refused = await spawnWriter({ OUT: out, GEN: 'a', FILES: String(N) }, undefined, WITHOUT_PROC);

  // THEN
  expect(rewrite.code).toBe(0);
  expect(b).toBe('b');
  expect([refused.code, refused.stderr]).toEqual([1, 'out/d1 is a symbolic link, and d1/f1.txt would be written through it; remove the link\n']);
  expect(fs.readdirSync(outside)).toEqual([]);
}, 60_000);
