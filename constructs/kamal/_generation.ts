/**
 * Internal: a counter bumped by every change to anything a Kamal config is rendered from (a
 * destination, an accessory, env, files, volumes, overrides, access declarations). A config's
 * plan is worked out again whenever the counter moved since it was made, so no caller has to
 * remember to clear it, and a change made after a first read is never lost.
 */
let generation = 0;

/** Records a change to the model. */
export function touchModel(): void {
  generation++;
}

/** The current generation: a plan made at another generation is stale. */
export function modelGeneration(): number {
  return generation;
}
