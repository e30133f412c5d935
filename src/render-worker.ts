/**
 * The renders that may run on any thread: pure functions from plain data to text. The render
 * pool's worker threads load this module (bundled, see bundle-cache.js), and the main thread uses
 * the same functions for its share, so every body is the same bytes whoever renders it.
 */
import type { PortableRender } from './file';
import { stringifyYaml, YamlRenderInput } from './yaml';

/** A body, or why it could not be rendered (the message `render()` would have thrown). */
export type RenderResult = { readonly body: string } | { readonly error: string };

export function renderPortable(job: PortableRender): RenderResult {
  try {
    switch (job.renderer) {
      case 'yaml': {
        const input = job.input as YamlRenderInput;
        return { body: stringifyYaml(input.obj, input) };
      }
      default:
        return { error: `no portable renderer '${String(job.renderer)}'` };
    }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Renders jobs until none is left unclaimed. Threads claim the next job index with one atomic
 * add on `control[0]`, so each job is rendered exactly once and a fast thread takes more.
 */
export function renderClaimed(jobs: readonly PortableRender[], control: Int32Array): Array<[number, RenderResult]> {
  const done: Array<[number, RenderResult]> = [];
  for (;;) {
    const i = Atomics.add(control, 0, 1);
    if (i >= jobs.length) return done;
    done.push([i, renderPortable(jobs[i])]);
  }
}
