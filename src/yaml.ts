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

  constructor(scope: Construct, id: string, props: YamlFileProps) {
    super(scope, id, props);
    this.dialect = props.dialect ?? YamlDialect.YAML_1_1;
    this.erb = props.erb ?? false;
  }

  public parse(text: string): unknown {
    return parseYaml(text, this.dialect);
  }

  protected renderBody(): string {
    return stringifyYaml(this.toObject(), { dialect: this.dialect, erb: this.erb });
  }

  protected markerLine(): string {
    return `# ${MARKER}`;
  }
}

/** Renders one YAML document the way every YamlFile does. */
export function stringifyYaml(obj: unknown, opts: { dialect?: YamlDialect; erb?: boolean } = {}): string {
  const dialect = opts.dialect ?? YamlDialect.YAML_1_1;
  const doc = new YAML.Document(obj, { version: dialect });
  YAML.visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (opts.erb && node.value.includes('<%')) {
        const why = erbUnsafe(node.value);
        if (why) throw new Error(`ERB fragment ${JSON.stringify(node.value)} cannot be single-quoted: ${why}`);
        node.type = YAML.Scalar.QUOTE_SINGLE;
      } else if (dialect === YamlDialect.YAML_1_1 && psychReadsAsNonString(node.value)) {
        node.type = YAML.Scalar.QUOTE_DOUBLE;
      }
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true });
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
