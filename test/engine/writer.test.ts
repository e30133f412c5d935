import * as fs from 'fs';
import * as path from 'path';
import { App, ExitCode, MANIFEST_PATH, recover, swapDirs, TextFile, writeTree } from '../../src';
import { readTree, runFixture, runFixtureAndKill, statTree, swapLeftovers, synthIn, tempDir } from './helpers';

const OLD_TIME = new Date('2001-02-03T04:05:06Z');

/** Sets every file's times to 2001, so that a rewrite is sure to show in mtime. */
function ageTree(dir: string): void {
  for (const rel of Object.keys(readTree(dir))) fs.utimesSync(path.join(dir, rel), OLD_TIME, OLD_TIME);
}

/** Files as `{ path: lines }`, each a TextFile named after its path. */
function estate(files: Record<string, string[]>, executable: string[] = []) {
  return (app: App) => {
    for (const [p, lines] of Object.entries(files)) {
      new TextFile(app, p.replace(/[^a-z0-9]/gi, '_'), { path: p, lines, executable: executable.includes(p) });
    }
  };
}

let out: string;
beforeEach(() => {
  out = path.join(tempDir(), 'out');
});

test('the first synth writes every file and the manifest, with the executable bit where asked', () => {
  // WHEN
  const run = synthIn(out, [], estate({ 'config/a.yml': ['a: 1'], 'bin/run': ['#!/bin/sh'] }, ['bin/run']));

  // THEN
  expect(run.exitCode).toBe(ExitCode.OK);
  expect(readTree(out)).toEqual({
    '.kamal-cdk/manifest.json': expect.any(String),
    'bin/run': '#!/bin/sh\n',
    'config/a.yml': 'a: 1\n',
  });
  expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual(['.kamal-cdk/manifest.json', 'bin/run', 'config/a.yml']);
  const modes = statTree(out);
  expect(modes['bin/run'].mode).toBe(0o755);
  expect(modes['config/a.yml'].mode).toBe(0o644);
  expect(run.stdout.split('\n')).toEqual([
    `written   ${out}/.kamal-cdk/manifest.json`,
    `written   ${out}/bin/run`,
    `written   ${out}/config/a.yml`,
    'synth: 3 written, 0 unchanged, 0 removed',
  ]);
  expect(swapLeftovers(out)).toEqual([]);
});

test('unchanged files are not rewritten: inode and mtime are kept, only the changed file is new', () => {
  // GIVEN
  synthIn(out, [], estate({ 'a.txt': ['a'], 'sub/b.txt': ['b'], 'c.txt': ['c'] }));
  ageTree(out);
  const before = statTree(out);

  // WHEN
  const run = synthIn(out, [], estate({ 'a.txt': ['a'], 'sub/b.txt': ['b'], 'c.txt': ['C'] }));

  // THEN
  expect(run.exitCode).toBe(ExitCode.OK);
  const after = statTree(out);
  expect(after['a.txt']).toEqual(before['a.txt']);
  expect(after['sub/b.txt']).toEqual(before['sub/b.txt']);
  expect(after[MANIFEST_PATH]).toEqual(before[MANIFEST_PATH]);
  expect(after['c.txt'].ino).not.toBe(before['c.txt'].ino);
  expect(after['c.txt'].mtimeMs).not.toBe(OLD_TIME.getTime());
  expect(fs.readFileSync(path.join(out, 'c.txt'), 'utf8')).toBe('C\n');
  expect(run.stdout.split('\n')).toEqual([
    `unchanged ${out}/.kamal-cdk/manifest.json`,
    `unchanged ${out}/a.txt`,
    `written   ${out}/c.txt`,
    `unchanged ${out}/sub/b.txt`,
    'synth: 1 written, 3 unchanged, 0 removed',
  ]);
});

test('when nothing changed, nothing at all is touched, not even the output folder', () => {
  // GIVEN
  const files = estate({ 'a.txt': ['a'] });
  synthIn(out, [], files);
  ageTree(out);
  const before = statTree(out);
  const dirIno = fs.statSync(out).ino;

  // WHEN
  const run = synthIn(out, [], files);

  // THEN
  expect(run.stdout.split('\n').pop()).toBe('synth: 0 written, 2 unchanged, 0 removed');
  expect(statTree(out)).toEqual(before);
  expect(fs.statSync(out).ino).toBe(dirIno);
});

test('a change of the executable bit alone rewrites the file with the new mode', () => {
  // GIVEN
  synthIn(out, [], estate({ 'run.sh': ['#!/bin/sh'] }));

  // WHEN
  const run = synthIn(out, [], estate({ 'run.sh': ['#!/bin/sh'] }, ['run.sh']));

  // THEN
  expect(run.stdout).toContain(`written   ${out}/run.sh`);
  expect(fs.statSync(path.join(out, 'run.sh')).mode & 0o777).toBe(0o755);
});

test('a generated file deleted by hand is written again', () => {
  // GIVEN
  synthIn(out, [], estate({ 'a.txt': ['a'] }));
  fs.rmSync(path.join(out, 'a.txt'));

  // WHEN
  const run = synthIn(out, [], estate({ 'a.txt': ['a'] }));

  // THEN
  expect(run.stdout).toContain(`written   ${out}/a.txt`);
  expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a\n');
});

describe('stale files', () => {
  test('a file in the old manifest that is no longer generated is removed, and its emptied folders with it', () => {
    // GIVEN
    synthIn(out, [], estate({ 'keep.txt': ['k'], 'old/deep/gone.txt': ['g'], 'mixed/gone.txt': ['g'], 'mixed/stays.txt': ['s'] }));

    // WHEN
    const run = synthIn(out, [], estate({ 'keep.txt': ['k'], 'mixed/stays.txt': ['s'] }));

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(Object.keys(readTree(out)).sort()).toEqual([MANIFEST_PATH, 'keep.txt', 'mixed/stays.txt']);
    expect(fs.existsSync(path.join(out, 'old'))).toBe(false);
    expect(run.stdout).toContain(`removed   ${out}/old/deep/gone.txt`);
    expect(run.stdout).toContain(`removed   ${out}/mixed/gone.txt`);
    expect(run.stdout.split('\n').pop()).toBe('synth: 1 written, 2 unchanged, 2 removed');
    expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual([MANIFEST_PATH, 'keep.txt', 'mixed/stays.txt']);
  });

  test('a stale file\'s folder stays when a foreign file or folder is still in it', () => {
    // GIVEN
    synthIn(out, [], estate({ 'a/gone.txt': ['g'], 'b/gone.txt': ['g'] }));
    fs.writeFileSync(path.join(out, 'a/notes.md'), 'mine\n');
    fs.mkdirSync(path.join(out, 'b/empty-but-mine'));

    // WHEN
    synthIn(out, [], estate({ 'other.txt': ['o'] }));

    // THEN
    expect(fs.readFileSync(path.join(out, 'a/notes.md'), 'utf8')).toBe('mine\n');
    expect(fs.statSync(path.join(out, 'b/empty-but-mine')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(out, 'a/gone.txt'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'b/gone.txt'))).toBe(false);
  });

  test('a manifest entry that points outside the output folder never deletes anything there', () => {
    // GIVEN
    synthIn(out, [], estate({ 'a.txt': ['a'] }));
    const victim = path.join(path.dirname(out), 'victim.txt');
    fs.writeFileSync(victim, 'precious\n');
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_PATH), 'utf8'));
    manifest.files.push('../victim.txt');
    fs.writeFileSync(path.join(out, MANIFEST_PATH), JSON.stringify(manifest));

    // WHEN
    const run = synthIn(out, [], estate({ 'a.txt': ['a'] }));

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(fs.readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(run.stdout).not.toContain('victim');
    expect(run.stdout.split('\n').pop()).toBe('synth: 1 written, 1 unchanged, 0 removed');
  });
});

describe('foreign files (not in the manifest)', () => {
  test('are never touched: same inode, same time, same bytes, even in a folder we write to', () => {
    // GIVEN
    synthIn(out, [], estate({ 'config/a.yml': ['a: 1'], 'gone.txt': ['g'] }));
    fs.writeFileSync(path.join(out, 'README.md'), 'mine\n');
    fs.writeFileSync(path.join(out, 'config/local.yml'), 'mine: true\n');
    fs.mkdirSync(path.join(out, 'empty-folder'));
    fs.symlinkSync('README.md', path.join(out, 'link-to-readme'));
    ageTree(out);
    const before = statTree(out);

    // WHEN
    const run = synthIn(out, [], estate({ 'config/a.yml': ['a: 2'], 'config/b.yml': ['b: 1'] }));

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    const after = statTree(out);
    for (const foreign of ['README.md', 'config/local.yml']) expect(after[foreign]).toEqual(before[foreign]);
    expect(fs.readFileSync(path.join(out, 'README.md'), 'utf8')).toBe('mine\n');
    expect(fs.readlinkSync(path.join(out, 'link-to-readme'))).toBe('README.md');
    expect(fs.statSync(path.join(out, 'empty-folder')).isDirectory()).toBe(true);
    expect(fs.existsSync(path.join(out, 'gone.txt'))).toBe(false);
    expect(JSON.parse(readTree(out)[MANIFEST_PATH]).files).toEqual([MANIFEST_PATH, 'config/a.yml', 'config/b.yml']);
  });

  test('a foreign file at a path we now generate is an error, and nothing is written', () => {
    // GIVEN
    synthIn(out, [], estate({ 'a.txt': ['a'] }));
    fs.writeFileSync(path.join(out, 'config.yml'), 'hand-written\n');
    const before = readTree(out);
    const stats = statTree(out);

    // WHEN
    const run = synthIn(out, [], estate({ 'a.txt': ['A'], 'config.yml': ['generated'] }));

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toBe(
      `error: could not write ${out}/: config.yml exists but kamal-cdk did not generate it (it is not in the manifest); move it away, then synth again`,
    );
    expect(readTree(out)).toEqual(before);
    expect(statTree(out)).toEqual(stats);
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('a foreign file where we need a folder is an error, and nothing is written', () => {
    // GIVEN
    synthIn(out, [], estate({ 'a.txt': ['a'] }));
    fs.writeFileSync(path.join(out, 'config'), 'a file, not a folder\n');
    const before = readTree(out);

    // WHEN
    const run = synthIn(out, [], estate({ 'a.txt': ['A'], 'config/deploy.yml': ['x'] }));

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toMatch(/^error: could not write /);
    expect(readTree(out)).toEqual(before);
    expect(swapLeftovers(out)).toEqual([]);
  });
});

describe('atomicity with injected failures', () => {
  const v1 = estate({ 'a.txt': ['1'], 'b/b.txt': ['1'], 'c.txt': ['1'], 'd.txt': ['1'], 'old-only.txt': ['1'] });
  const v2 = estate({ 'a.txt': ['2'], 'b/b.txt': ['2'], 'c.txt': ['2'], 'd.txt': ['2'], 'new-only.txt': ['2'] });

  test('a failure after the 2nd staged file leaves out/ byte-identical and no staging folder behind', () => {
    // GIVEN
    synthIn(out, [], v1);
    const before = readTree(out);
    const stats = statTree(out);
    const staged: string[] = [];
    const faults = {
      afterStagedFile: (p: string) => {
        staged.push(p);
        if (staged.length === 2) throw new Error('disk on fire');
      },
    };

    // WHEN
    const run = synthIn(out, [], v2, { faults });

    // THEN
    expect(staged).toHaveLength(2);
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toBe(`error: could not write ${out}/: disk on fire`);
    expect(readTree(out)).toEqual(before);
    expect(statTree(out)).toEqual(stats);
    expect(swapLeftovers(out)).toEqual([]);

    // AND WHEN the next run succeeds
    const next = synthIn(out, [], v2);

    // THEN it is wholly new, with nothing left beside it
    expect(next.exitCode).toBe(ExitCode.OK);
    expect(readTree(out)).toEqual({ [MANIFEST_PATH]: expect.any(String), 'a.txt': '2\n', 'b/b.txt': '2\n', 'c.txt': '2\n', 'd.txt': '2\n', 'new-only.txt': '2\n' });
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('a crash between the renames is finished by the next synth: out/ is wholly new', () => {
    // GIVEN
    synthIn(out, [], v1);
    let crashed = false;
    const faults = {
      betweenRenames: () => {
        crashed = true;
        throw new Error('power cut');
      },
    };
    synthIn(out, [], v2, { faults });
    expect(crashed).toBe(true);
    expect(fs.existsSync(out)).toBe(false);

    // WHEN
    const next = synthIn(out, [], v2);

    // THEN
    expect(next.exitCode).toBe(ExitCode.OK);
    const tree = readTree(out);
    expect(tree).toEqual({ [MANIFEST_PATH]: expect.any(String), 'a.txt': '2\n', 'b/b.txt': '2\n', 'c.txt': '2\n', 'd.txt': '2\n', 'new-only.txt': '2\n' });
    expect(next.stdout.split('\n').pop()).toBe('synth: 0 written, 6 unchanged, 0 removed');
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('a crash between the renames is finished by recover(): out/ is wholly new', () => {
    // GIVEN
    synthIn(out, [], v1);
    synthIn(out, [], v2, { faults: { betweenRenames: () => { throw new Error('power cut'); } } });

    // WHEN
    recover(out);

    // THEN
    expect(readTree(out)).toEqual({ [MANIFEST_PATH]: expect.any(String), 'a.txt': '2\n', 'b/b.txt': '2\n', 'c.txt': '2\n', 'd.txt': '2\n', 'new-only.txt': '2\n' });
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('recover() discards a half-staged tree and keeps out/ as it was', () => {
    // GIVEN
    synthIn(out, [], v1);
    const before = readTree(out);
    const { staging } = swapDirs(out);
    fs.mkdirSync(staging);
    fs.writeFileSync(path.join(staging, 'a.txt'), 'half\n');

    // WHEN
    recover(out);

    // THEN
    expect(readTree(out)).toEqual(before);
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('recover() puts the old tree back when it is the only copy left', () => {
    // GIVEN
    synthIn(out, [], v1);
    const before = readTree(out);
    fs.renameSync(out, swapDirs(out).old);

    // WHEN
    recover(out);

    // THEN
    expect(readTree(out)).toEqual(before);
    expect(swapLeftovers(out)).toEqual([]);
  });

  test('writeTree reports every file, sorted, with what it did', () => {
    // GIVEN
    synthIn(out, [], v1);

    // WHEN
    const report = writeTree(out, [
      { path: 'a.txt', content: '1\n', executable: false, construct: 'a' },
      { path: 'z.txt', content: 'z\n', executable: false, construct: 'z' },
      { path: MANIFEST_PATH, content: JSON.stringify({ files: [MANIFEST_PATH, 'a.txt', 'z.txt'] }), executable: false, construct: '<root>' },
    ]);

    // THEN
    expect(report.entries).toEqual([
      { path: MANIFEST_PATH, action: 'written' },
      { path: 'a.txt', action: 'unchanged' },
      { path: 'b/b.txt', action: 'removed' },
      { path: 'c.txt', action: 'removed' },
      { path: 'd.txt', action: 'removed' },
      { path: 'old-only.txt', action: 'removed' },
      { path: 'z.txt', action: 'written' },
    ]);
  });
});

describe('atomicity under SIGKILL', () => {
  const FILES = 1000;
  const payload = 'x'.repeat(2000);
  const expected = (gen: string) => {
    const tree: Record<string, string> = {};
    for (let i = 0; i < FILES; i++) tree[`d${i % 25}/f${i}.txt`] = `${gen} ${i}\n${payload}\n`;
    tree[`only-${gen}/x.txt`] = `${gen} only\n`;
    return tree;
  };

  /** Which generation out/ wholly is; fails the test if it is anything else (a mix, a gap, an extra). */
  function generationOf(dir: string): 'a' | 'b' {
    const tree = readTree(dir);
    const manifest = tree[MANIFEST_PATH];
    delete tree[MANIFEST_PATH];
    const gen = tree['only-a/x.txt'] !== undefined ? 'a' : 'b';
    const want = expected(gen);
    const wrong = [...new Set([...Object.keys(want), ...Object.keys(tree)])].filter((p) => tree[p] !== want[p]);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(JSON.parse(manifest).files).toEqual([MANIFEST_PATH, ...Object.keys(want)].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    return gen;
  }

  test('a synth killed at random moments leaves out/ wholly old or wholly new, never mixed', async () => {
    // GIVEN
    const cwd = path.dirname(out);
    const first = runFixture('big-estate.ts', cwd, ['--quiet'], { GEN: 'a', FILES: String(FILES) });
    expect(first.status).toBe(0);
    let current = generationOf(out);
    expect(current).toBe('a');
    // How long synth and write take after the marker, to aim the kills into that window.
    const full = await runFixtureAndKill('big-estate.ts', cwd, { GEN: 'b', FILES: String(FILES) }, 'synth', 60_000);
    expect(full.killed).toBe(false);
    expect(full.code).toBe(0);
    current = generationOf(out);
    expect(current).toBe('b');
    const window = Math.max(20, full.endedAt - full.markerAt!);

    const outcomes: string[] = [];
    for (let i = 0; i < 10; i++) {
      // WHEN
      const target = current === 'a' ? 'b' : 'a';
      // Spread over the window, weighted to its second half where the swap and clean-up happen.
      const delay = Math.floor(window * (0.15 + 0.95 * ((i + Math.random()) / 10)));
      const r = await runFixtureAndKill('big-estate.ts', cwd, { GEN: target, FILES: String(FILES) }, 'synth', delay);
      const leftovers = swapLeftovers(out);
      recover(out);

      // THEN
      const now = generationOf(out);
      expect(swapLeftovers(out)).toEqual([]);
      outcomes.push(`window ${window} marker ${r.markerAt} end ${r.endedAt} ${delay}ms ${r.killed ? 'killed' : 'finished'} ${leftovers.join(',') || '-'} -> ${now === target ? 'new' : 'old'}`);
      if (!r.killed) expect(now).toBe(target);
      current = now;
    }
    expect(outcomes).toHaveLength(10);
    if (process.env.KAMAL_CDK_SHOW_KILLS) process.stderr.write(`${outcomes.join('\n')}\n`);
  }, 180_000);
});
