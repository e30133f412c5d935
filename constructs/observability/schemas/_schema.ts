/**
 * Shorthand for writing the observability schemas and their rules. Internal: the schemas in the
 * sibling files are the public surface.
 */
import { DocumentProblem, escapePointer } from '../../../src/schema';

/** A JSON Schema fragment as ajv reads it. */
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const nonEmptyStr: Schema = { type: 'string', minLength: 1 };
export const bool: Schema = { type: 'boolean' };
export const int: Schema = { type: 'integer' };
export const uint: Schema = { type: 'integer', minimum: 0 };
export const num: Schema = { type: 'number' };
export const strList: Schema = { type: 'array', items: str };

/**
 * Go's `time.ParseDuration` (`10m`, `1h30m`, `0`). Only the string form: yaml.v2 would also take
 * a bare integer as nanoseconds, which in a config file is always a slip (`10` is 10ns).
 */
const GO_DURATION = '^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';
export const goDuration: Schema = { type: 'string', pattern: GO_DURATION };

/**
 * Prometheus' `model.ParseDuration`, which Loki uses for its limits and schema periods: whole
 * numbers, units largest first (`744h`, `31d`, `1w2d`), no fractions.
 */
const PROM_DURATION = '^(0|(?=[0-9])([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)$';
export const promDuration: Schema = { type: 'string', pattern: PROM_DURATION };

/** A closed object: only the listed keys, so a typo is an error rather than silently ignored. */
export function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return {
    type: 'object',
    additionalProperties: false,
    properties,
    ...(required.length > 0 ? { required } : {}),
  };
}

/** A map from user-chosen names to values of one shape. */
export function mapOf(values: Schema): Schema {
  return { type: 'object', additionalProperties: values };
}

/** A list of items of one shape. */
export function listOf(items: Schema, minItems = 0): Schema {
  return { type: 'array', items, ...(minItems > 0 ? { minItems } : {}) };
}

/** One of a closed set of strings (no `type`, so a wrong type gets the one "must be one of" message). */
export function oneOf(...values: string[]): Schema {
  return { enum: values };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `key` of a plain object, or undefined for anything else. */
export function child(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

/** The records of a list, with their index (non-records are skipped: the schema reports them). */
export function records(value: unknown): Array<[number, Record<string, unknown>]> {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v, i): Array<[number, Record<string, unknown>]> => (isRecord(v) ? [[i, v]] : []));
}

/** A JSON pointer from its segments, escaped. */
export function pointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${escapePointer(String(s))}`).join('');
}

export function problem(ptr: string, message: string): DocumentProblem {
  return { pointer: ptr, message };
}

const PROM_UNITS_MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Milliseconds of a Prometheus duration string, or undefined when Loki would reject it. */
export function promDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '' || !new RegExp(PROM_DURATION, 'u').test(value)) return undefined;
  if (value === '0') return 0;
  let total = 0;
  for (const m of value.matchAll(/([0-9]+)(ms|y|w|d|h|m|s)/g)) total += Number(m[1]) * PROM_UNITS_MS[m[2]];
  return total;
}
