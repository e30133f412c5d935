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

/**
 * Psych's booleans (`ScalarScanner`: yes/true/on and no/false/off, any case), not YAML 1.1's
 * `y`/`n`, which Psych reads as strings.
 */
function psychBooleans(tags: YAML.Tags): YAML.Tags {
  const bool = (value: boolean, test: RegExp) => ({
    identify: (v: unknown) => v === value,
    default: true,
    tag: 'tag:yaml.org,2002:bool',
    test,
    resolve: () => new YAML.Scalar(value),
  });
  const others = tags.filter((t) => typeof t !== 'object' || (t as { tag?: string }).tag !== 'tag:yaml.org,2002:bool');
  return [bool(true, /^(?:yes|true|on)$/i), bool(false, /^(?:no|false|off)$/i), ...others] as YAML.Tags;
}

/**
 * Parses as Psych does for Kamal: YAML 1.1 scalars (`yes`, `0600`), anchors, aliases and `<<`
 * merge keys (Kamal uses `unsafe_load`), and a repeated key keeps its last value without a word.
 */
export function parsePsych(text: string): PsychDocument {
  const lines = new YAML.LineCounter();
  const doc = YAML.parseDocument(text, { version: '1.1', uniqueKeys: false, merge: true, lineCounter: lines, customTags: psychBooleans });
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
