/**
 * The registry and docker_auth schemas' own shorthand; the generic builders come from the engine.
 * Internal: the schemas are the public surface.
 */
import { objOrNull, Schema } from '../../../src/schema-builders';

export * from '../../../src/schema-builders';

/** A value whose Go side parses strings, numbers and booleans alike (driver parameters). */
export const scalar: Schema = { type: ['string', 'number', 'boolean'] };

/**
 * Go's `time.Duration` as yaml.v2 decodes it: a duration string (`10s`, `1h30m`, `168h`) or
 * an integer count of nanoseconds.
 */
export const GO_DURATION = '^[-+]?(0|([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$';
export const duration: Schema = { type: ['string', 'integer'], pattern: GO_DURATION };
/** A duration that must be a string (code that calls `time.ParseDuration` on the value). */
export const durationString: Schema = { type: 'string', pattern: GO_DURATION };

/** A closed object whose keys are the given names, each taking any scalar value. */
export function keysOf(names: readonly string[]): Schema {
  return objOrNull(Object.fromEntries(names.map((n) => [n, scalar])));
}
