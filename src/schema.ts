import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { loadWithCodeCache } from './code-cache';
import { ownCacheDir, writeCacheFile } from './private/own-cache';

/** A problem found in a parsed document, located by JSON pointer (`''` is the whole document). */
export interface DocumentProblem {
  /** JSON pointer to the offending value (`/servers/web/hosts/0`); `''` for the whole document. */
  readonly pointer: string;
  /** What is wrong there. */
  readonly message: string;
}

/**
 * Checks a parsed document. A file construct carries one; synth parses the rendered text back
 * and hands it over, so what is checked is exactly what a consumer will read.
 */
export interface IDocumentValidator {
  /** Problems with `doc`; empty when it is valid. */
  validate(doc: unknown): DocumentProblem[];
}

// inlineRefs off: each definition is a function of its own (see splitSchema).
const AJV_OPTIONS: Options = { strict: true, allErrors: true, allowUnionTypes: true, inlineRefs: false };
/** The layout splitSchema gives a schema: part of every validator's key, so a change recompiles. */
const LAYOUT = 'split-objects-1';
let sharedAjv: Ajv | undefined;

/** The one ajv instance: strict, every error, formats we need added by hand (no extra packages). */
export function ajv(): Ajv {
  sharedAjv ??= newAjv();
  return sharedAjv;
}

function newAjv(): Ajv {
  // Loaded on first use only: a synth runs precompiled or cached validators and never loads ajv's compiler.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const AjvClass = require('ajv').default as typeof Ajv;
  return new AjvClass({ ...AJV_OPTIONS, code: { source: true } });
}

const compiledSchemas = new WeakMap<object, ValidateFunction>();
/** Compiled validators and their code caches, with the package's other caches. */
const CACHE_DIR = ownCacheDir('ajv');

/** What a compiled validator depends on: ajv's version, its options and the schema's text. */
export function schemaKey(schema: object): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const version = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(`${version}\0${JSON.stringify(AJV_OPTIONS)}\0${LAYOUT}\0${JSON.stringify(schema)}`).digest('hex').slice(0, 40);
}

/**
 * ajv's standalone CommonJS module for `schema`, exporting the validator with its key: what the
 * cache holds and what a precompiled validator module is.
 */
export function standaloneValidator(schema: object): string {
  // A fresh instance: ajv numbers the functions it generates per instance, so the code would
  // otherwise depend on what was compiled before it in this process.
  const instance = newAjv();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standalone = require('ajv/dist/standalone').default as (a: Ajv, v: ValidateFunction) => string;
  // The schema as written is compiled too, for ajv's strict checks alone: split, a moved part no
  // longer knows its parent's type (strictTypes would miss \`type: object\` under a string).
  newAjv().compile(schema);
  const code = standalone(instance, instance.compile(splitSchema(schema)));
  // ASCII only: the generated code holds other characters only inside string literals (a Go
  // duration's µs in a pattern), where an escape means the same; Node then reads the file as a
  // one-byte string, half the memory and faster to load than UTF-16.
  const ascii = code.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${ascii}\nmodule.exports.key = ${JSON.stringify(schemaKey(schema))};\n`;
}

/**
 * Compiles a JSON Schema once per process (memoised by object), and never at all when the schema
 * ships its validator precompiled: `precompiled` is the path of the module scripts/validators.ts
 * wrote for it, used when its key says it was compiled from this very schema with this ajv and
 * ignored otherwise (a schema edited since gives the right answer, only slower). Without one,
 * ajv's standalone code is cached under node_modules/.cache, keyed the same way, so later runs
 * load a small generated module instead of compiling. Neither changes results: both are the code
 * ajv would have generated. V8's code cache of either is kept in the cache folder.
 */
export function compileSchema(schema: object, precompiled?: string): ValidateFunction {
  const memo = compiledSchemas.get(schema);
  if (memo) return memo;
  const key = schemaKey(schema);
  const load = (file: string, codeCache: string): ValidateFunction | undefined => {
    try {
      const exported = loadWithCodeCache(file, undefined, codeCache) as ValidateFunction & { default?: ValidateFunction; key?: string };
      return exported.key === key ? exported.default ?? exported : undefined;
    } catch {
      return undefined;
    }
  };
  const file = path.join(CACHE_DIR, `${key}.js`);
  let fn = precompiled !== undefined && fs.existsSync(precompiled) ? load(precompiled, path.join(CACHE_DIR, `${key}.shipped.v8cache`)) : undefined;
  if (!fn && fs.existsSync(file)) fn = load(file, `${file}.v8cache`);
  if (!fn) {
    writeCacheFile(file, standaloneValidator(schema));
    fn = ajv().compile(splitSchema(schema));
  }
  compiledSchemas.set(schema, fn);
  return fn;
}

/** The keywords whose value is a map of subschemas, and those whose value is a subschema or a list of them (draft-07). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);
const SCHEMA_VALUES = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'if', 'then', 'else', 'not', 'allOf', 'anyOf', 'oneOf']);

/**
 * A shallow copy of schema `s` with `fn` applied to each of its direct subschemas; \`movable\` is
 * false for a definition (it stays where references name it). A \`dependencies\` entry that lists
 * property names (an array) is not a schema and is kept.
 */
function mapSubschemas(s: Record<string, unknown>, fn: (sub: unknown, movable: boolean) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (SCHEMA_MAPS.has(k) && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, Array.isArray(sub) ? sub : fn(sub, k !== 'definitions' && k !== '$defs')]));
    } else if (SCHEMA_VALUES.has(k)) {
      out[k] = Array.isArray(v) ? v.map((x) => fn(x, true)) : fn(v, true);
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * The same schema, with every object schema below the root (one with \`type: object\` and
 * \`properties\`) moved to \`definitions\` and referenced there. With ajv's inlineRefs off each
 * becomes a function of its own, so V8 compiles only the parts a document has (a Loki config uses
 * a few of its fifty sections) instead of one function the size of the whole schema; the code
 * cache then holds only those, too. A \`$ref\` to a whole subschema validates exactly what the
 * subschema did, and errors keep their instance paths and order. The root's definitions stay (the
 * new names can't collide: they are checked against them). A schema whose references could
 * resolve differently once parts move is returned as it is: one with a \`$ref\` other than \`#\` or
 * \`#/definitions/<name>\` (a pointer into a subschema that moves), or with an \`$id\` below the root
 * (references under it resolve against it).
 */
export function splitSchema(schema: object): object {
  const root = schema as Record<string, unknown>;
  const existing = (root.definitions ?? {}) as Record<string, unknown>;
  if (!onlyRootReferences(root, existing)) return schema;
  const added: Record<string, unknown> = {};
  let n = 0;
  const nextName = (): string => {
    let name: string;
    do name = `_object${n++}`;
    while (name in existing);
    return name;
  };
  const isObjectSchema = (s: Record<string, unknown>): boolean =>
    s.properties !== undefined && (s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')));
  const walk = (s: unknown, hoist: boolean): unknown => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return s;
    const out = mapSubschemas(s as Record<string, unknown>, walk);
    if (!hoist || !isObjectSchema(out)) return out;
    const name = nextName();
    added[name] = out;
    return { $ref: `#/definitions/${name}` };
  };
  const split = walk(root, false) as Record<string, unknown>;
  if (Object.keys(added).length === 0) return schema;
  return { ...split, definitions: { ...((split.definitions as object | undefined) ?? {}), ...added } };
}

/** Whether every \`$ref\` in the schema is \`#\` or names one of the root's definitions, and no \`$id\` is below the root. */
function onlyRootReferences(root: Record<string, unknown>, definitions: Record<string, unknown>): boolean {
  let all = true;
  const check = (v: unknown, top: boolean): unknown => {
    if (!all || typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const o = v as Record<string, unknown>;
    if (!top && (o.$id !== undefined || o.$anchor !== undefined)) all = false;
    if (o.$recursiveRef !== undefined || o.$dynamicRef !== undefined) all = false;
    if (o.$ref !== undefined && o.$ref !== '#') {
      const name = typeof o.$ref === 'string' ? /^#\/definitions\/([^/~%]+)$/.exec(o.$ref)?.[1] : undefined;
      if (name === undefined || !Object.prototype.hasOwnProperty.call(definitions, name)) all = false;
    }
    mapSubschemas(o, (sub) => check(sub, false));
    return v;
  };
  check(root, true);
  return all;
}

/**
 * A JSON Schema checked with ajv. Compiled once per schema object and reused by every file that
 * carries it, however many files an estate emits.
 */
export class JsonSchema implements IDocumentValidator {
  /**
   * @param schema - the JSON Schema (draft-07 as ajv reads it by default)
   * @param rules - semantic checks that a schema cannot express, run after the schema passes
   * @param precompiled - the path of the schema's validator compiled ahead of time by
   *   scripts/validators.ts (used only while it was compiled from this very schema)
   */
  constructor(
    public readonly schema: object,
    private readonly rules: ReadonlyArray<(doc: any) => DocumentProblem[]> = [],
    private readonly precompiled?: string,
  ) {}

  /** Schema errors in plain words or, once the schema passes, the rules' problems. */
  public validate(doc: unknown): DocumentProblem[] {
    const fn = compileSchema(this.schema, this.precompiled);
    // An `if` error only summarises the errors of its `then` branch, which are reported themselves.
    if (!fn(doc)) return (fn.errors ?? []).filter((e) => e.keyword !== 'if').map(describeAjvError);
    return this.rules.flatMap((rule) => rule(doc));
  }
}

/** One ajv error in plain words, pointing at the key itself for unknown keys. */
export function describeAjvError(e: ErrorObject): DocumentProblem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { pointer: `${e.instancePath}/${escapePointer(String(p.additionalProperty))}`, message: 'unknown key' };
    case 'required':
      return { pointer: e.instancePath, message: `missing required key '${String(p.missingProperty)}'` };
    case 'enum':
      return { pointer: e.instancePath, message: `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    default:
      return { pointer: e.instancePath, message: e.message ?? e.keyword };
  }
}

/** Escapes one key for a JSON pointer (`~` as `~0`, `/` as `~1`), as RFC 6901 requires. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
