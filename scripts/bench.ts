/**
 * `npm run bench`: how fast synth is, and how it grows. Prints figures; asserts nothing (targets
 * are judged by people reading the table, never by a timed test).
 *
 * Every measurement of a generated estate runs in a fresh child process, so its peak RSS is its
 * own and no cache from an earlier run helps it.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize, Testing, writeTree } from '../src';
import { buildEstate } from '../synth';
import { generateEstate } from './bench-estate';

const ROOT = path.resolve(__dirname, '..');
// Written where users' out/ lives: inside the project (this machine's /tmp is an order of
// magnitude slower at creating files than the project's file system).
const SCRATCH = path.join(ROOT, 'node_modules', '.cache', 'kamal-cdk', 'bench');

/**
 * A new folder for one measurement. Folders are removed only when the whole bench is done: on
 * ext4 without a journal (this VM's disk) the kernel will not reuse an inode freed in the last
 * several hours, and scans past each one on every file it creates (`recently_deleted()` in
 * `find_inode_bit`, 56% of a profile of creating files here), so deleting one run's 3000 files
 * slows the next run's writes by up to 1 ms per file. Removing them mid-bench would time the
 * bench's own clean-up, not synth.
 */
function scratchDir(): string {
  fs.mkdirSync(SCRATCH, { recursive: true });
  return fs.mkdtempSync(path.join(SCRATCH, 'run-'));
}
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '10,100,1000').split(',').map(Number);

interface ChildResult {
  ms: number;
  /** Disk runs: the part of `ms` spent writing the tree. */
  writeMs?: number;
  /** Real estate only: median of further builds + synths in the same process (warm). */
  warmMs?: number;
  files: number;
  documents: number;
  rssMb: number;
}

/** One measurement, in this (child) process: build the tree, synthesize, and maybe write. */
function child(kind: 'memory' | 'disk' | 'real', n: number): ChildResult {
  const start = process.hrtime.bigint();
  const app = Testing.app();
  if (kind === 'real') {
    buildEstate(app);
  } else {
    generateEstate(app, n);
  }
  const s = synthesize(app);
  if (s.errors.length > 0) throw new Error(`bench estate N=${n} does not validate:\n${s.errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('\n')}`);
  let writeMs: number | undefined;
  if (kind === 'disk') {
    const before = process.hrtime.bigint();
    writeTree(path.join(scratchDir(), 'out'), s.files);
    writeMs = Number(process.hrtime.bigint() - before) / 1e6;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  let warmMs: number | undefined;
  if (kind === 'real') {
    // The same process builds a fresh tree and synthesizes it again (a watch mode, a test run).
    warmMs = median(times(RUNS, () => {
      const t = process.hrtime.bigint();
      const again = Testing.app();
      buildEstate(again);
      synthesize(again);
      return Number(process.hrtime.bigint() - t) / 1e6;
    }));
  }
  return { ms, writeMs, warmMs, files: s.files.length, documents: s.validatedDocuments, rssMb: process.resourceUsage().maxRSS / 1024 };
}

function runChild(kind: string, n: number): ChildResult {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'run.js'), path.join(ROOT, 'scripts', 'bench.ts'), '--child', kind, String(n)], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench child ${kind} N=${n} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function wall(cmd: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && r.status !== 2) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return ms;
}

/** What this machine charges to create one file, in the shape of N=1000's out/ (3000 files in 1000 folders). */
function fileCreationCost(): number {
  const dir = scratchDir();
  const start = process.hrtime.bigint();
  for (let i = 0; i < 1000; i++) {
    const d = path.join(dir, `d${i}`);
    fs.mkdirSync(d);
    for (let j = 0; j < 3; j++) fs.writeFileSync(path.join(d, `f${j}`), 'x'.repeat(1000));
  }
  return Number(process.hrtime.bigint() - start) / 1e6 / 3000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function times<T>(k: number, f: () => T): T[] {
  return Array.from({ length: k }, f);
}

function main(): void {
  const cpus = os.cpus();
  console.log(`kamal-cdk bench — node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, median of ${RUNS} runs`);
  console.log('');

  const node = median(times(RUNS, () => wall(process.execPath, ['-e', '0'])));
  // npm's own start-up, part of every `npm run` figure below and nothing kamal-cdk can change.
  const npm = median(times(RUNS, () => wall('npm', ['-v'])));
  const perFile = median(times(RUNS, fileCreationCost));
  const tmp = scratchDir();
  const synthWall = median(times(RUNS, () => wall('npm', ['run', '-s', 'synth', '--', '--quiet', '--outdir', path.join(tmp, 'out')])));
  const checkWall = median(times(RUNS, () => wall('npm', ['run', '-s', 'check', '--', '--quiet', '--outdir', path.join(tmp, 'out')])));
  const real = times(RUNS, () => runChild('real', 0));
  const realMs = median(real.map((r) => r.ms));
  const realWarm = median(real.map((r) => r.warmMs!));

  console.log('real estate (synth.ts)');
  console.log(`  node -e 0 (baseline)           ${node.toFixed(0).padStart(6)} ms`);
  console.log(`  npm -v (npm's start-up)        ${npm.toFixed(0).padStart(6)} ms   (inside both npm run figures)`);
  console.log(`  file system: one new file      ${perFile.toFixed(2).padStart(6)} ms   (3000 files in 1000 new folders where out/ is written: the floor of to-disk figures)`);
  console.log(`  npm run synth (wall)           ${synthWall.toFixed(0).padStart(6)} ms   target ≤ 600 ms`);
  console.log(`  npm run check (wall)           ${checkWall.toFixed(0).padStart(6)} ms   target ≤ synth + 20% = ${(synthWall * 1.2).toFixed(0)} ms`);
  console.log(`  in-process build + synth, warm  ${realWarm.toFixed(1).padStart(6)} ms   target ≤ 50 ms   (${real[0].files} files, ${real[0].documents} documents)`);
  console.log(`  in-process build + synth, cold  ${realMs.toFixed(1).padStart(6)} ms   (first synth in a fresh process: loads validators, JIT cold)`);
  console.log('');

  const rows: Array<{ n: number; files: number; docs: number; mem: number; disk: number; write: number; mb: number }> = [];
  for (const n of SIZES) {
    const mem = times(RUNS, () => runChild('memory', n));
    const disk = times(RUNS, () => runChild('disk', n));
    rows.push({
      n,
      files: mem[0].files,
      docs: mem[0].documents,
      mem: median(mem.map((r) => r.ms)),
      disk: median(disk.map((r) => r.ms)),
      write: median(disk.map((r) => r.writeMs!)),
      mb: Math.max(...mem.map((r) => r.rssMb), ...disk.map((r) => r.rssMb)),
    });
  }
  console.log('generated estates (N apps × 2 destinations, Postgres each, N/10 hosts, one registry stack, one log stack)');
  console.log('     N    files     docs   in-memory ms   to-disk ms   (of which writing)   peak RSS MB');
  for (const r of rows) {
    console.log(`${String(r.n).padStart(6)} ${String(r.files).padStart(8)} ${String(r.docs).padStart(8)} ${r.mem.toFixed(0).padStart(14)} ${r.disk.toFixed(0).padStart(12)} ${r.write.toFixed(0).padStart(20)} ${r.mb.toFixed(0).padStart(13)}`);
  }
  const r100 = rows.find((r) => r.n === 100);
  const r1000 = rows.find((r) => r.n === 1000);
  if (r100 && r1000) {
    console.log('');
    console.log(`growth N=100 → N=1000: in-memory ${(r1000.mem / r100.mem).toFixed(2)}×, to-disk ${(r1000.disk / r100.disk).toFixed(2)}×   target ≤ 11×`);
    console.log(`N=1000 targets: in-memory ≤ 1500 ms, to-disk ≤ 2500 ms, peak RSS ≤ 300 MB`);
  }
}

if (process.argv[2] === '--child') {
  const result = child(process.argv[3] as 'memory' | 'disk' | 'real', Number(process.argv[4]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  fs.rmSync(SCRATCH, { recursive: true, force: true }); // an interrupted bench's leftovers
  try {
    main();
  } finally {
    fs.rmSync(SCRATCH, { recursive: true, force: true });
  }
}
