import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { MARKER } from './file';
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

export interface YamlFileProps extends ObjectFileProps {
  /** The YAML the consumer reads. @default YamlDialect.YAML_1_1 - every consumer in a Kamal estate reads 1.1 */
  readonly dialect?: YamlDialect;
  /**
   * Whether the consumer runs the file through ERB before YAML (Kamal's deploy files, accessory
   * files ending in `.erb`). ERB fragments (`<%= ... %>`) are then emitted single-quoted, so the
   * value ERB produces is read back as the intended string; a `<%` that is not meant as ERB
   * cannot be written (ERB would run it).
   * @default false
   */
  readonly erb?: boolean;
}

/**
 * A YAML file: block style, no line folding, quotes only where the dialect needs them, keys in
 * the order the model built them (models sort the maps their users fill).
 */
export class YamlFile extends ObjectFile {
  public readonly dialect: YamlDialect;
  public readonly erb: boolean;
  private rendered?: { text: string; obj: unknown };

  constructor(scope: Construct, id: string, props: YamlFileProps) {
    super(scope, id, props);
    this.dialect = props.dialect ?? YamlDialect.YAML_1_1;
    this.erb = props.erb ?? false;
  }

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
    if (!this.rendered || !text.endsWith(this.rendered.text)) return this.parse(text);
    const checked = readBackModel(this.rendered.obj, this.dialect, this.erb);
    return checked === FALLBACK ? this.parse(text) : checked;
  }

  protected renderBody(): string {
    const obj = this.toObject();
    const text = stringifyYaml(obj, { dialect: this.dialect, erb: this.erb });
    this.rendered = { text, obj };
    return text;
  }

  protected markerLine(): string {
    return `# ${MARKER}`;
  }
}

/** Renders one YAML document the way every YamlFile does. */
export function stringifyYaml(obj: unknown, opts: { dialect?: YamlDialect; erb?: boolean } = {}): string {
  const dialect = opts.dialect ?? YamlDialect.YAML_1_1;
  // No anchors and aliases for objects the model happens to share: consumers get plain YAML.
  const doc = new YAML.Document(null, { version: dialect, aliasDuplicateObjects: false });
  doc.contents = toNode(doc, obj, dialect, opts.erb ?? false) as typeof doc.contents;
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true });
}

/**
 * The yaml package's nodes for a plain model value, built in one pass that also fixes each string
 * scalar's quoting (ERB single-quoted; strings Psych misreads double-quoted). Anything that is not
 * plain data (a Map, a Date) goes through the package's own createNode.
 */
function toNode(doc: YAML.Document, v: unknown, dialect: YamlDialect, erb: boolean): unknown {
  if (typeof v === 'string') {
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
    for (const x of v) seq.items.push(toNode(doc, x === undefined ? null : x, dialect, erb));
    return seq;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const map = new YAML.YAMLMap(doc.schema);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined) continue;
      map.items.push(new YAML.Pair(toNode(doc, k, dialect, erb), toNode(doc, x, dialect, erb)));
    }
    return map;
  }
  return doc.createNode(v);
}

const FALLBACK = Symbol('fallback');
const readsBack = new Map<string, boolean>();

/**
 * Strings that every YAML reader (1.1, 1.2 core, Psych, Go's yaml) takes as plain strings: a
 * letter, then letters, digits and `_ . / : -`, not ending in `:` and not a bool/null word. No
 * number, date, base-60, symbol, alias or indicator starts with a letter in these characters, so
 * they need no proof; every other scalar is proved by a real round trip.
 */
const PLAIN_STRING = /^[A-Za-z][A-Za-z0-9_./:-]*$/;
const KEYWORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

function obviouslyString(s: string): boolean {
  return PLAIN_STRING.test(s) && !s.endsWith(':') && !KEYWORDS.has(s.toLowerCase());
}

/**
 * A copy of `obj` as a YAML reader would return it (undefined members dropped), after proving that
 * every key and scalar reads back as itself; FALLBACK for values only a full parse can judge.
 */
function readBackModel(obj: unknown, dialect: YamlDialect, erb: boolean): unknown {
  const prove = (value: string | number, asKey: boolean): void => {
    if (typeof value === 'string' && obviouslyString(value)) return;
    const memo = `${dialect}${erb ? 'e' : ''}${asKey ? 'k' : 'v'}${typeof value}:${value}`;
    let ok = readsBack.get(memo);
    if (ok === undefined) {
      const probe = asKey ? { [value]: 0 } : { v: value };
      const back = parseYaml(stringifyYaml(probe, { dialect, erb }), dialect) as Record<string, unknown>;
      ok = asKey ? Object.keys(back).length === 1 && Object.keys(back)[0] === value : Object.is(back.v, value);
      readsBack.set(memo, ok);
    }
    if (!ok) throw new Error(`${asKey ? 'key' : 'value'} ${JSON.stringify(value)} does not read back as itself in YAML ${dialect}`);
  };
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'string' || typeof v === 'number') {
      prove(v, false);
      return v;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const x of v) {
        const y = walk(x === undefined ? null : x);
        if (y === FALLBACK) return FALLBACK;
        out.push(y);
      }
      return out;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (x === undefined) continue;
        prove(k, true);
        const y = walk(x);
        if (y === FALLBACK) return FALLBACK;
        if (k === '__proto__') Object.defineProperty(out, k, { value: y, enumerable: true, writable: true, configurable: true });
        else out[k] = y;
      }
      return out;
    }
    return FALLBACK;
  };
  return walk(obj);
}

export function parseYaml(text: string, dialect: YamlDialect = YamlDialect.YAML_1_1): unknown {
  const doc = YAML.parseDocument(text, { version: dialect, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
  return doc.toJS({ maxAliasCount: -1 });
}

/**
 * Why an ERB-bearing string can't be emitted so that ERB sees its tags verbatim, or undefined.
 * Single-quoted YAML doubles every `'` (inside a tag that changes the Ruby code ERB runs: `ENV['X']`
 * becomes `ENV[''X'']`), and a value with a line break may be folded or double-quoted with escapes.
 */
function erbUnsafe(s: string): string | undefined {
  const tags = s.match(/<%[\s\S]*?%>/g) ?? [];
  if (s.replace(/<%[\s\S]*?%>/g, '').includes('<%')) return 'a tag is not closed with %>';
  if (tags.some((t) => t.includes("'"))) {
    return 'a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag';
  }
  if (s.includes("'")) return 'the text around it contains a single quote';
  if (/[\r\n]/.test(s)) return 'it spans lines; keep each ERB value on one line';
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
