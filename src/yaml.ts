import { Construct } from 'constructs';
import { isDeepStrictEqual } from 'util';
import * as YAML from 'yaml';
import { obviouslyReadsBack, obviouslyString } from './private/plain-scalars';
import { controlCharProblem } from './_control-chars';
import { ObjectFile, ObjectFileProps } from './object-file';

/** Which YAML the consumer reads. */
export enum YamlDialect {
  /**
   * YAML 1.1 as Ruby's Psych (Kamal), Go's yaml.v2/v3 (Loki, Grafana, registry, docker_auth) and
   * libyaml (Fluent Bit) read it: `on`, `yes`, `n`, `2025-01-01`, `1_000`, `12:30` are quoted so
   * they stay strings.
   */
  YAML_1_1 = '1.1',
  /** Plain YAML 1.2, for consumers that read the core schema. */
  YAML_1_2 = '1.2',
}

/** Props of a YamlFile: ObjectFile's, plus the dialect and ERB handling. */
export interface YamlFileProps extends ObjectFileProps {
  /** The YAML the consumer reads. @default YamlDialect.YAML_1_1 - every consumer in a Kamal estate reads 1.1 */
  readonly dialect?: YamlDialect;
  /**
   * Whether the consumer runs the file through ERB before YAML (Kamal's deploy files, accessory
   * files ending in `.erb`). ERB fragments (`<%= ... %>`) are then emitted single-quoted, so the
   * value ERB produces is read back as the intended string; a `<%` that is not meant as ERB
   * cannot be written (ERB would run it), nor a `'` inside a tag (YAML would double it).
   * @default false
   */
  readonly erb?: boolean;
  /**
   * Other dialects a reader of the file follows (GitHub reads workflows as YAML 1.2, while
   * `actionlint` and most tools around them read 1.1). The file is rendered for `dialect`, and
   * synth fails when any of these would read a scalar of it differently.
   * @default - none
   */
  readonly alsoReadAs?: readonly YamlDialect[];
}

/**
 * A YAML file: block style, no line folding, quotes only where the dialect needs them, keys in
 * the order the model built them (models sort the maps their users fill).
 */
export class YamlFile extends ObjectFile {
  /** The YAML the consumer reads; decides which scalars are quoted. */
  public readonly dialect: YamlDialect;
  /** Whether the consumer runs the file through ERB first. */
  public readonly erb: boolean;
  /** Other dialects a reader of the file follows; each must read it as `dialect` does. */
  public readonly alsoReadAs: readonly YamlDialect[];
  private rendered?: { text: string; obj: unknown };

  constructor(scope: Construct, id: string, props: YamlFileProps) {
    super(scope, id, props);
    this.dialect = props.dialect ?? YamlDialect.YAML_1_1;
    this.erb = props.erb ?? false;
    this.alsoReadAs = (props.alsoReadAs ?? []).filter((d) => d !== this.dialect);
  }

  /** Parses the text in this file's dialect, for the validator. */
  public parse(text: string): unknown {
    return parseYaml(text, this.dialect);
  }

  /**
   * The model the text was rendered from, once every scalar in it is proved to read back as
   * itself in this dialect: the only way YAML text can say something other than its model is a
   * scalar the reader resolves to another type or value (`yes`, `0600`, `:sym`); structure is the
   * yaml package's job and is tested in the engine's suite. Each distinct scalar is proved once
   * per process, so an estate of thousands of files is not parsed a second time.
   */
  public documentForValidation(text: string): unknown {
    const checked = this.rendered && text.endsWith(this.rendered.text) ? readBackModel(this.rendered.obj, this.dialect, this.erb) : FALLBACK;
    if (checked === FALLBACK) {
      const doc = this.parse(text);
      for (const other of this.alsoReadAs) {
        if (!isDeepStrictEqual(doc, parseYaml(text, other))) throw new Error(`it reads differently as YAML ${other} than as YAML ${this.dialect}; quote the scalar that differs`);
      }
      return doc;
    }
    for (const other of this.alsoReadAs) readBackModel(this.rendered!.obj, this.dialect, this.erb, other);
    return checked;
  }

  protected renderBody(): string {
    const obj = this.toObject();
    const text = stringifyYaml(obj, { dialect: this.dialect, erb: this.erb });
    this.rendered = { text, obj };
    return text;
  }

  protected markerLine(): string {
    return `# ${this.marker}`;
  }
}

/** What a YamlFile's body is rendered from. */
export interface YamlRenderInput {
  /** The document to render. */
  readonly obj: unknown;
  /**
   * The YAML the consumer reads.
   * @default YamlDialect.YAML_1_1
   */
  readonly dialect?: YamlDialect;
  /**
   * Whether ERB fragments must survive an ERB pass.
   * @default false
   */
  readonly erb?: boolean;
}

/** Renders one YAML document the way every YamlFile does. */
export function stringifyYaml(obj: unknown, opts: Omit<YamlRenderInput, 'obj'> = {}): string {
  const dialect = opts.dialect ?? YamlDialect.YAML_1_1;
  // No anchors and aliases for objects the model happens to share: consumers get plain YAML.
  const doc = new YAML.Document(null, { version: dialect, aliasDuplicateObjects: false });
  try {
    doc.contents = toNode(doc, obj, dialect, opts.erb ?? false) as typeof doc.contents;
  } catch (e) {
    if (e instanceof ScalarError) throw new Error(`${e.asKey ? 'key' : 'value'} at ${e.pointer() || '/'} ${e.message}`);
    throw e;
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true, directives: false });
}

/** A scalar that can't be written, and where it is (filled in as the error leaves each level). */
class ScalarError extends Error {
  public readonly path: string[] = [];
  constructor(message: string, public readonly asKey: boolean) {
    super(message);
  }

  public pointer(): string {
    return this.path.map((p) => `/${p.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  }
}

/**
 * Why a string can't be a scalar of a config file, or undefined. A value may span lines (a
 * script, a file body: YAML writes it as a block scalar, tabs included); a key may not. No other
 * control character reaches any reader intact: a CR would even be turned into a line break.
 */
function scalarProblem(s: string, asKey: boolean): ScalarError | undefined {
  const why = controlCharProblem(s, !asKey);
  return why ? new ScalarError(`${why}; the program reading this file would not get the text meant — remove it`, asKey) : undefined;
}

/**
 * The yaml package's nodes for a plain model value, built in one pass that also fixes each string
 * scalar's quoting (ERB single-quoted; strings Psych misreads double-quoted). Anything that is not
 * plain data (a Map, a Date) goes through the package's own createNode.
 */
function toNode(doc: YAML.Document, v: unknown, dialect: YamlDialect, erb: boolean): unknown {
  if (typeof v === 'string') {
    const bad = scalarProblem(v, false);
    if (bad) throw bad;
    const node = new YAML.Scalar(v);
    if (erb && v.includes('<%')) {
      const why = erbUnsafe(v);
      if (why) throw new Error(`ERB fragment ${JSON.stringify(v)} cannot be single-quoted: ${why}`);
      node.type = YAML.Scalar.QUOTE_SINGLE;
    } else if (dialect === YamlDialect.YAML_1_1 && !obviouslyString(v) && psychReadsAsNonString(v)) {
      node.type = YAML.Scalar.QUOTE_DOUBLE;
    }
    return node;
  }
  if (Array.isArray(v)) {
    const seq = new YAML.YAMLSeq(doc.schema);
    for (let i = 0; i < v.length; i++) {
      try {
        seq.items.push(toNode(doc, v[i] === undefined ? null : v[i], dialect, erb));
      } catch (e) {
        if (e instanceof ScalarError) e.path.unshift(String(i));
        throw e;
      }
    }
    return seq;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const map = new YAML.YAMLMap(doc.schema);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      try {
        const badKey = scalarProblem(k, true);
        if (badKey) throw badKey;
        map.items.push(new YAML.Pair(toNode(doc, k, dialect, erb), toNode(doc, x, dialect, erb)));
      } catch (e) {
        if (e instanceof ScalarError) e.path.unshift(k);
        throw e;
      }
    }
    return map;
  }
  // Not plain data (a Map, a Date, an object of another realm): the package renders it, after
  // the same check of its strings.
  assertScalars(v);
  return doc.createNode(v);
}

/** The scalar check of `toNode` for a value the yaml package renders itself. */
function assertScalars(v: unknown): void {
  const at = (key: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ScalarError) e.path.unshift(key);
      throw e;
    }
  };
  if (typeof v === 'string') {
    const bad = scalarProblem(v, false);
    if (bad) throw bad;
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => at(String(i), () => assertScalars(x)));
  } else if (v instanceof Map) {
    for (const [k, x] of v) {
      at(String(k), () => {
        const bad = typeof k === 'string' ? scalarProblem(k, true) : undefined;
        if (bad) throw bad;
        assertScalars(x);
      });
    }
  } else if (typeof v === 'object' && v !== null && !(v instanceof Date)) {
    for (const [k, x] of Object.entries(v)) {
      at(k, () => {
        const bad = scalarProblem(k, true);
        if (bad) throw bad;
        assertScalars(x);
      });
    }
  }
}

const FALLBACK = Symbol('fallback');
const readsBack = new Map<string, boolean>();


/**
 * `obj` as a YAML reader would return it (undefined members dropped; `obj` itself when it has
 * none, so a model is not copied for nothing), after proving that every key and scalar, rendered
 * for `dialect`, reads back as itself in `readAs` (the same dialect unless said); FALLBACK for
 * values only a full parse can judge.
 */
function readBackModel(obj: unknown, dialect: YamlDialect, erb: boolean, readAs: YamlDialect = dialect): unknown {
  // Scalars not yet known to read back, in the order met: proved together after the walk.
  const pending: Scalar[] = [];
  const prove = (value: string | number, asKey: boolean): void => {
    if (obviouslyReadsBack(value)) return;
    const memo = `${dialect}>${readAs}${erb ? 'e' : ''}${asKey ? 'k' : 'v'}${typeof value}:${value}`;
    if (readsBack.get(memo) !== true) pending.push({ value, asKey, memo });
  };
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'string' || typeof v === 'number') {
      prove(v, false);
      return v;
    }
    if (Array.isArray(v)) {
      // A hole or an undefined element reads back as null.
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        const y = walk(x === undefined ? null : x);
        if (y === FALLBACK) return FALLBACK;
        if (y !== x && !out) out = v.slice(0, i);
        out?.push(y);
      }
      return out ?? v;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const src = v as Record<string, unknown>;
      const keys = Object.keys(src);
      let out: Record<string, unknown> | undefined;
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const x = src[k];
        if (x === undefined) {
          out ??= copyKeys(src, keys, i);
          continue;
        }
        prove(k, true);
        const y = walk(x);
        if (y === FALLBACK) return FALLBACK;
        if (y !== x) out ??= copyKeys(src, keys, i);
        if (out) setOwn(out, k, y);
      }
      return out ?? src;
    }
    return FALLBACK;
  };
  const model = walk(obj);
  if (model === FALLBACK || pending.length === 0) return model;
  proveAll(pending.filter((p) => !readsBack.has(p.memo)), dialect, erb, readAs);
  const wrong = pending.find((p) => !readsBack.get(p.memo));
  if (wrong) {
    const what = `${wrong.asKey ? 'key' : 'value'} ${JSON.stringify(wrong.value)}`;
    throw new Error(readAs === dialect ? `${what} does not read back as itself in YAML ${dialect}` : `${what} reads differently as YAML ${readAs} than as YAML ${dialect}; quote it`);
  }
  return model;
}

interface Scalar {
  readonly value: string | number;
  readonly asKey: boolean;
  /** Its entry in `readsBack`. */
  readonly memo: string;
}

/**
 * Records in `readsBack` whether each scalar reads back as itself, rendered and parsed the way a
 * YamlFile renders it: a key alone in a document (`<key>: 0`, where a reader may treat the start
 * of a document specially), a value in a map (`v: <value>`). Values share one probe document
 * (`v0: ...`, `v1: ...`), one round trip instead of one per value; if it does not come back
 * whole, each value is proved on its own.
 */
function proveAll(scalars: Scalar[], dialect: YamlDialect, erb: boolean, readAs: YamlDialect): void {
  const roundTrip = (probe: Record<string, unknown>): Record<string, unknown> | undefined => {
    try {
      const back = parseYaml(stringifyYaml(probe, { dialect, erb }), readAs);
      return typeof back === 'object' && back !== null && !Array.isArray(back) ? (back as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  const alone = (s: Scalar): boolean => {
    const back = roundTrip(s.asKey ? { [s.value]: 0 } : { v: s.value });
    if (!back) return false;
    return s.asKey ? Object.keys(back).length === 1 && Object.keys(back)[0] === s.value : Object.is(back.v, s.value);
  };
  const values = scalars.filter((s) => !s.asKey);
  if (values.length > 1) {
    const back = roundTrip(Object.fromEntries(values.map((s, i) => [`v${i}`, s.value])));
    if (back && Object.keys(back).length === values.length && values.every((s, i) => Object.is(back[`v${i}`], s.value))) {
      for (const s of values) readsBack.set(s.memo, true);
    }
  }
  for (const s of scalars) if (!readsBack.has(s.memo)) readsBack.set(s.memo, alone(s));
}


/** A new object with the first `count` of `keys` of `src`. */
function copyKeys(src: Record<string, unknown>, keys: string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) setOwn(out, keys[i], src[keys[i]]);
  return out;
}

/** Sets an own property, `__proto__` included (a YAML key like any other). */
function setOwn(out: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  else out[k] = v;
}

/** Parses YAML as a consumer of `dialect` reads it; duplicate keys and syntax errors throw. */
export function parseYaml(text: string, dialect: YamlDialect = YamlDialect.YAML_1_1): unknown {
  const doc = YAML.parseDocument(text, { version: dialect, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
  return doc.toJS({ maxAliasCount: -1 });
}

/**
 * Why an ERB-bearing string can't be emitted single-quoted so that ERB sees its tags verbatim,
 * or undefined. Single-quoted YAML doubles every `'`: outside a tag that is harmless (ERB leaves
 * the text, YAML reads `''` back as `'`), inside one it changes the Ruby code ERB runs
 * (`ENV['X']` becomes `ENV[''X'']`). Double quotes are no way out: YAML would read escapes in what
 * the tag prints (`C:\new` would come back with a line break). A value with a line break may be
 * folded. What the tag prints must not hold a `'` (it would end the quoted value: a YAML error).
 */
function erbUnsafe(s: string): string | undefined {
  const tags = s.match(/<%[\s\S]*?%>/g) ?? [];
  if (s.replace(/<%[\s\S]*?%>/g, '').includes('<%')) return 'a tag is not closed with %>';
  if (tags.some((t) => t.includes("'"))) {
    return 'a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag';
  }
  if (/[\r\n\u0085\u2028\u2029]/.test(s)) return 'it spans lines; keep each ERB value on one line';
  // The yaml package double-quotes a scalar with a C1 control character, and escapes the tag there.
  if (/[\u0080-\u009f]/.test(s)) return 'it holds a C1 control character, which YAML can only write escaped in double quotes; remove it';
  return undefined;
}

/**
 * Psych, which reads Kamal's files, resolves a few plain scalars that the YAML 1.1 schema of the
 * `yaml` package leaves as strings: `:name` is a Symbol, and integers and floats may contain commas
 * (`1,000` is 1000). Such strings are quoted.
 */
function psychReadsAsNonString(s: string): boolean {
  if (/^:./.test(s)) return true;
  if (!s.includes(',')) return false;
  return PSYCH_FLOAT.test(s) || PSYCH_INTEGER_LEGACY.test(s);
}

// From ruby/psych lib/psych/scalar_scanner.rb (FLOAT, INTEGER_LEGACY).
const PSYCH_FLOAT = /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/;
const PSYCH_INTEGER_LEGACY = /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/;
