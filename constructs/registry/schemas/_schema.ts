/**
 * Small JSON Schema builders shared by the registry and docker_auth schemas. Internal: the
 * schemas are the public surface, these are just shorthand for writing them.
 */

/** A JSON Schema fragment as ajv reads it. */
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const nonEmptyStr: Schema = { type: 'string', minLength: 1 };
export const bool: Schema = { type: 'boolean' };
export const int: Schema = { type: 'integer' };
export const strList: Schema = { type: 'array', items: str };
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

/** A closed object: only the listed keys, so a typo is an error rather than silently ignored. */
export function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/** A closed object that YAML may also leave empty (`inmemory:` parses to null). */
export function objOrNull(properties: Record<string, Schema>): Schema {
  return { ...obj(properties), type: ['object', 'null'] };
}

/** A map from user-chosen names (header names, labels, user names) to values of one shape. */
export function mapOf(values: Schema): Schema {
  return { type: 'object', additionalProperties: values };
}

/** A list of items of one shape. */
export function listOf(items: Schema): Schema {
  return { type: 'array', items };
}

/** A closed object whose keys are the given names, each taking any scalar value. */
export function keysOf(names: readonly string[]): Schema {
  return objOrNull(Object.fromEntries(names.map((n) => [n, scalar])));
}

/** The value at `key` of a plain object, or undefined for anything else. */
export function child(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A closed object schema with more properties added. */
export function withProperties(base: Schema, more: Record<string, Schema>): Schema {
  return { ...base, properties: { ...(base.properties as Record<string, Schema>), ...more } };
}
