/**
 * Shorthand for writing strict JSON Schemas and the rules beside them. Product-agnostic: the
 * schema folders of the domain library build on it.
 */
import { DocumentProblem, escapePointer } from './schema';

/** A JSON Schema fragment as ajv reads it. */
export type Schema = Record<string, unknown>;

/** Any string. */
export const str: Schema = { type: 'string' };
/** A string of at least one character. */
export const nonEmptyStr: Schema = { type: 'string', minLength: 1 };
/** `true` or `false`. */
export const bool: Schema = { type: 'boolean' };
/** An integer. */
export const int: Schema = { type: 'integer' };
/** An integer of 0 or more. */
export const uint: Schema = { type: 'integer', minimum: 0 };
/** Any number. */
export const num: Schema = { type: 'number' };
/** A list of strings. */
export const strList: Schema = { type: 'array', items: str };

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

/** A closed object schema with more properties added. */
export function withProperties(base: Schema, more: Record<string, Schema>): Schema {
  return { ...base, properties: { ...(base.properties as Record<string, Schema>), ...more } };
}

/** A map from user-chosen names (header names, labels, user names) to values of one shape. */
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

/** Whether a value is a plain object (not null, not a list). */
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

/** A DocumentProblem at `ptr`. */
export function problem(ptr: string, message: string): DocumentProblem {
  return { pointer: ptr, message };
}
