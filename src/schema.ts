import Ajv, { ErrorObject, ValidateFunction } from 'ajv';

/** A problem found in a parsed document, located by JSON pointer (`''` is the whole document). */
export interface DocumentProblem {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Checks a parsed document. A file construct carries one; synth parses the rendered text back
 * and hands it over, so what is checked is exactly what a consumer will read.
 */
export interface IDocumentValidator {
  validate(doc: unknown): DocumentProblem[];
}

let sharedAjv: Ajv | undefined;

/** The one ajv instance: strict, every error, formats we need added by hand (no extra packages). */
export function ajv(): Ajv {
  if (!sharedAjv) {
    sharedAjv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  }
  return sharedAjv;
}

/**
 * A JSON Schema checked with ajv. Compiled once per schema object and reused by every file that
 * carries it, however many files an estate emits.
 */
export class JsonSchema implements IDocumentValidator {
  private static readonly compiled = new WeakMap<object, ValidateFunction>();

  /**
   * @param schema the JSON Schema (draft-07 as ajv reads it by default)
   * @param rules semantic checks that a schema cannot express, run after the schema passes
   */
  constructor(
    public readonly schema: object,
    private readonly rules: ReadonlyArray<(doc: any) => DocumentProblem[]> = [],
  ) {}

  public validate(doc: unknown): DocumentProblem[] {
    let fn = JsonSchema.compiled.get(this.schema);
    if (!fn) {
      fn = ajv().compile(this.schema);
      JsonSchema.compiled.set(this.schema, fn);
    }
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

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
