import * as YAML from 'yaml';
import { escapePointer } from '../../src/schema';

/** A YAML document read as Psych's `unsafe_load` reads it, with the line of each node. */
export interface PsychDocument {
  /** The document as Psych loads it (hashes, arrays, scalars). */
  readonly value: unknown;
  /** The 1-based line of the node at a JSON pointer, or of its nearest ancestor that has one. */
  lineOf(pointer: string): number | undefined;
}

/** A YAML syntax error, with its line. */
export class YamlSyntaxError extends Error {
  constructor(message: string, public readonly line: number | undefined) {
    super(message);
  }
}

const BOOL = 'tag:yaml.org,2002:bool';
const INT = 'tag:yaml.org,2002:int';
const FLOAT = 'tag:yaml.org,2002:float';

// Psych 4's ScalarScanner (psych/scalar_scanner.rb, Ruby 3.1-3.3), for plain scalars.
const PSYCH_INTEGER = /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/;
const PSYCH_FLOAT = /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/;
const PSYCH_SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$/;
const PSYCH_SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$/;

/** Ruby's `Integer(s)` of what Psych passes it (`,` and `_` deleted): 0b binary, 0x hex, a leading 0 octal. */
function rubyInteger(source: string): number {
  const s = source.replace(/[,_]/g, '');
  const sign = s.startsWith('-') ? -1 : 1;
  const digits = s.replace(/^[-+]/, '');
  if (/^0b/i.test(digits)) return sign * parseInt(digits.slice(2), 2);
  if (/^0x/i.test(digits)) return sign * parseInt(digits.slice(2), 16);
  if (/^0[0-7]+$/.test(digits)) return sign * parseInt(digits.slice(1), 8);
  return sign * parseInt(digits, 10);
}

/**
 * Psych's base-60 numbers, with its arithmetic: each field is weighted by 60 to the power of its
 * distance from the third field, so `1:20` is 4800 and `1:20:30` is 4830.
 */
function psychSexagesimal(source: string, parse: (n: string) => number): number {
  return source.split(':').reduce((sum, n, e) => sum + parse(n) * 60 ** Math.abs(e - 2), 0);
}

/**
 * Psych's reading of plain scalars where it differs from YAML 1.1's: its booleans (yes/true/on
 * and no/false/off, any case; `y` and `n` stay strings), its integers (`1,000` is 1000, `09` and
 * `1__0` stay strings), its floats (they need a dot: `1e3` stays a string, and so do `.`, `-.`
 * and `+.`), and its base-60 numbers.
 */
function psychScalars(tags: YAML.Tags): YAML.Tags {
  const tag = (name: string, test: RegExp, value: (source: string) => unknown) => ({
    identify: () => false,
    default: true,
    tag: name,
    test,
    resolve: (source: string) => new YAML.Scalar(value(source)),
  });
  const others = tags.filter((t) => {
    const name = typeof t === 'object' ? (t as { tag?: string }).tag : undefined;
    return name !== BOOL && name !== INT && name !== FLOAT;
  });
  return [
    tag(BOOL, /^(?:yes|true|on)$/i, () => true),
    tag(BOOL, /^(?:no|false|off)$/i, () => false),
    tag(FLOAT, /^\+?\.inf$/i, () => Infinity),
    tag(FLOAT, /^-\.inf$/i, () => -Infinity),
    tag(FLOAT, /^\.nan$/i, () => NaN),
    tag(INT, PSYCH_SEXAGESIMAL_INT, (s) => psychSexagesimal(s, (n) => parseInt(n.replace(/_/g, ''), 10))),
    tag(FLOAT, PSYCH_SEXAGESIMAL_FLOAT, (s) => psychSexagesimal(s, (n) => parseFloat(n.replace(/_/g, '')))),
    // Psych leaves `.`, `-.` and `+.` strings although they match its float pattern.
    { ...tag(FLOAT, PSYCH_FLOAT, (s) => parseFloat(s.replace(/[,_]/g, ''))), test: new RegExp(`^(?![-+]?\\.$)${PSYCH_FLOAT.source.slice(1)}`) },
    tag(INT, PSYCH_INTEGER, rubyInteger),
    ...others,
  ] as YAML.Tags;
}

/**
 * Parses as Psych does for Kamal: YAML 1.1 scalars (`yes`, `0600`), anchors, aliases and `<<`
 * merge keys (Kamal uses `unsafe_load`), and a repeated key keeps its last value without a word.
 */
export function parsePsych(text: string): PsychDocument {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { version: '1.1', uniqueKeys: false, merge: true, lineCounter: lines, customTags: psychScalars });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new YamlSyntaxError(e.message.split('\n')[0], e.linePos?.[0].line);
  }
  const value = doc.toJS({ maxAliasCount: -1 });
  const map = new Map<string, number>();
  const lineOfNode = (node: unknown): number | undefined => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? lines.linePos(range[0]).line : undefined;
  };
  const walk = (node: unknown, pointer: string, seen: Set<unknown>, weak = false): void => {
    const set = (p: string, line: number | undefined) => {
      if (line !== undefined && !(weak && map.has(p))) map.set(p, line);
    };
    if (YAML.isAlias(node)) {
      const target = node.resolve(doc);
      if (target && !seen.has(target)) walk(target, pointer, new Set([...seen, target]), weak);
      return;
    }
    if (YAML.isMap(node)) {
      for (const pair of node.items) {
        const key = YAML.isScalar(pair.key) ? (typeof pair.key.value === 'symbol' ? (pair.key.source ?? '') : String(pair.key.value)) : String(pair.key);
        if (key === '<<') {
          // Merged keys get the lines of the hash they come from, unless given here.
          const sources = YAML.isSeq(pair.value) ? pair.value.items : [pair.value];
          for (const s of sources) walk(s, pointer, seen, true);
          continue;
        }
        const p = `${pointer}/${escapePointer(key)}`;
        set(p, lineOfNode(pair.key) ?? lineOfNode(pair.value));
        walk(pair.value, p, seen, weak);
      }
    } else if (YAML.isSeq(node)) {
      node.items.forEach((item, i) => {
        const p = `${pointer}/${i}`;
        set(p, lineOfNode(item));
        walk(item, p, seen, weak);
      });
    }
  };
  walk(doc.contents, '', new Set());
  const top = lineOfNode(doc.contents) ?? 1;
  return {
    value,
    lineOf(pointer: string): number | undefined {
      let p = pointer;
      for (;;) {
        const line = map.get(p);
        if (line !== undefined) return line;
        if (p === '') return top;
        p = p.slice(0, p.lastIndexOf('/'));
      }
    },
  };
}
