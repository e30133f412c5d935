import * as os from 'os';
import * as path from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import type { FileBase, PortableRender } from './file';
import { renderClaimed, renderPortable, RenderResult } from './render-worker';

/**
 * Whether synth renders file bodies on worker threads as well as the main one.
 * - `auto`: when the estate has enough files to repay a worker's start-up, one worker per spare
 *   core (at most three);
 * - `never`: everything on the main thread;
 * - `always`: one worker whatever the size (tests use it to compare bytes with `never`).
 */
export type RenderThreads = 'auto' | 'never' | 'always';

/** Below this many files a worker's start-up (≈ 50 ms on a spare core) outweighs what it saves. */
export const MIN_FILES_FOR_WORKERS = 200;
const MAX_WORKERS = 3;
/** How long the main thread waits for a worker's missing share before rendering it itself. */
const WORKER_PATIENCE_MS = 60_000;

/**
 * The worker's first code: load the bundled render-worker.ts, render claimed jobs, report once.
 * It reports whatever happens (a failure is an empty report), so the main thread never waits for
 * a worker that has died; whatever a worker did not return, the main thread renders itself.
 */
const BOOTSTRAP = `
const { workerData } = require('worker_threads');
const { control, port } = workerData;
let results = [];
try {
  const { bundledFile } = require(workerData.bundleCache);
  const { loadWithCodeCache } = require(workerData.codeCache);
  results = loadWithCodeCache(bundledFile(workerData.entry)).renderClaimed(workerData.jobs, control);
} catch (e) {
  results = [];
}
port.postMessage(results);
port.close();
Atomics.add(control, 1, 1);
Atomics.notify(control, 1);
`;

/**
 * Renders portable file bodies on worker threads while the main thread goes on with validation,
 * then helps with what is left. Synth stays synchronous: results come back through shared memory
 * and `receiveMessageOnPort`, never through the event loop. Same bytes as rendering in-process:
 * both run `renderPortable` on the same plain data.
 */
export class RenderPool {
  /**
   * Takes the portable renders of `files` and starts the workers, or returns undefined when the
   * estate is too small, the machine has one core, or `mode` is `never`.
   */
  public static start(files: readonly FileBase[], mode: RenderThreads = 'auto'): RenderPool | undefined {
    if (mode === 'never') return undefined;
    const workers = mode === 'always' ? 1 : Math.min(os.availableParallelism() - 1, MAX_WORKERS);
    if (workers < 1 || (mode === 'auto' && files.length < MIN_FILES_FOR_WORKERS)) return undefined;
    const owners: FileBase[] = [];
    const jobs: PortableRender[] = [];
    for (const f of files) {
      let job: PortableRender | undefined;
      try {
        job = f._portableRender();
      } catch {
        job = undefined; // rendered on the main thread, which reports the error as always
      }
      if (job) {
        owners.push(f);
        jobs.push(job);
      }
    }
    return jobs.length > 0 ? new RenderPool(owners, jobs, workers) : undefined;
  }

  /** @internal The module workers load (tests point it elsewhere to see a worker fail). */
  public static _workerEntry = path.join(__dirname, 'render-worker.ts');

  /** [next unclaimed job, workers that have reported] */
  private readonly control = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  private readonly ports: MessagePort[] = [];
  /** After `finish()`: how many bodies the workers rendered (the rest were rendered here). */
  public renderedElsewhere = 0;

  private constructor(
    /** The files whose bodies the pool renders, in job order. */
    public readonly files: readonly FileBase[],
    private readonly jobs: readonly PortableRender[],
    private readonly workers: number,
  ) {
    for (let w = 0; w < workers; w++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(BOOTSTRAP, {
        eval: true,
        workerData: {
          bundleCache: path.join(__dirname, 'bundle-cache.js'),
          codeCache: path.join(__dirname, 'code-cache.js'),
          entry: RenderPool._workerEntry,
          jobs,
          control: this.control,
          port: port2,
        },
        transferList: [port2],
      });
      // A worker that fails only leaves its share to the main thread; it must not keep the
      // process alive or raise an error event after synth has finished.
      worker.on('error', () => undefined);
      worker.unref();
      this.ports.push(port1);
    }
  }

  /** Renders what no worker has claimed, waits for the workers' share, and returns every body in job order. */
  public finish(): RenderResult[] {
    const results: Array<RenderResult | undefined> = new Array(this.jobs.length);
    const mine = renderClaimed(this.jobs, this.control);
    for (const [i, r] of mine) results[i] = r;
    const missing = (): boolean => results.includes(undefined);
    const deadline = Date.now() + WORKER_PATIENCE_MS;
    for (;;) {
      const reported = Atomics.load(this.control, 1);
      for (const port of this.ports) {
        const msg = receiveMessageOnPort(port);
        if (msg) for (const [i, r] of msg.message as Array<[number, RenderResult]>) results[i] = r;
      }
      if (!missing() || reported >= this.workers || Date.now() >= deadline) break;
      Atomics.wait(this.control, 1, reported, Math.max(1, deadline - Date.now()));
    }
    for (const port of this.ports) port.close();
    let returned = 0;
    results.forEach(() => returned++); // skips the holes: the jobs nobody returned
    this.renderedElsewhere = returned - mine.length;
    return results.map((r, i) => r ?? renderPortable(this.jobs[i]));
  }
}
