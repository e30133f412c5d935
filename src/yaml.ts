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
  const doc = new YAML.Document(obj, { version: opts.dialect ?? YamlDialect.YAML_1_1 });
  if (opts.erb) {
    YAML.visit(doc, {
      Scalar(_key, node) {
        if (typeof node.value === 'string' && node.value.includes('<%')) {
          if (!isErbSafe(node.value)) {
            throw new Error(`ERB fragment ${JSON.stringify(node.value)} cannot be single-quoted: the text around it contains a single quote`);
          }
          node.type = YAML.Scalar.QUOTE_SINGLE;
        }
      },
    });
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0, indentSeq: true });
}

export function parseYaml(text: string, dialect: YamlDialect = YamlDialect.YAML_1_1): unknown {
  const doc = YAML.parseDocument(text, { version: dialect, uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '));
  return doc.toJS({ maxAliasCount: -1 });
}

function isErbSafe(s: string): boolean {
  return !s.replace(/<%[\s\S]*?%>/g, '').includes("'");
}
