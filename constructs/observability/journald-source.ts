import { Construct, IConstruct } from 'constructs';
import { LoggingProps } from '../kamal';

/** The journal field a source matches on. */
export enum JournaldField {
  /** `SYSLOG_IDENTIFIER`: what a program (or Docker's journald driver, from its `tag`) names itself. */
  SYSLOG_IDENTIFIER = 'SYSLOG_IDENTIFIER',
  /** `_SYSTEMD_UNIT`: the unit that wrote the entry, set by journald itself (trusted). */
  SYSTEMD_UNIT = '_SYSTEMD_UNIT',
}

/** Options of JournaldSource.syslogIdentifier and JournaldSource.systemdUnit. */
export interface JournaldSourceOptions {
  /**
   * What the logs are, for the README and error messages.
   * @default - derived from the match (`journal entries with SYSLOG_IDENTIFIER=sudo`)
   */
  readonly description?: string;
}

/** Something that collects journald sources; implemented by FluentBit. */
export interface IJournaldCollector extends IConstruct {
  /** The sources it collects. */
  readonly sources: readonly JournaldSource[];
}

const REGISTRY = new WeakMap<IConstruct, JournaldSource[]>();
const SOURCE_SYMBOL = Symbol.for('kamal-cdk.JournaldSource');

/**
 * Docker's journald driver reads `tag` as a Go template and writes the result to
 * SYSLOG_IDENTIFIER. A literal of these characters is written as is, so the filter matches it;
 * anything else (a `{{.Name}}` template, spaces, quotes for the shell Kamal runs) would not.
 */
const DOCKER_TAG = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
/** `_SYSTEMD_UNIT` carries full unit names: `ssh` alone matches nothing, `ssh.service` does. */
const UNIT_NAME = /^[A-Za-z0-9:_.\\@-]+\.(service|scope|socket|mount|swap|timer|path|slice|target|device|automount)$/;

/**
 * A log source in the host's journal, declared once and used by object: a container logs into it
 * through `dockerLogging`, and a FluentBit collects it with the `systemdFilter` it contributes,
 * so the role's logging tag and the collector's filter can't disagree.
 *
 * Every source declared anywhere in the App must be collected by some FluentBit.
 */
export class JournaldSource extends Construct {
  /**
   * Entries whose SYSLOG_IDENTIFIER is `identifier`: a program that names itself (`sudo`), or
   * containers logging through Docker's journald driver with this `tag` (use `dockerLogging`).
   */
  public static syslogIdentifier(scope: Construct, id: string, identifier: string, options: JournaldSourceOptions = {}): JournaldSource {
    return new JournaldSource(scope, id, JournaldField.SYSLOG_IDENTIFIER, identifier, options);
  }

  /** Entries written by a systemd unit (`ssh.service`), as journald records it in `_SYSTEMD_UNIT`. */
  public static systemdUnit(scope: Construct, id: string, unit: string, options: JournaldSourceOptions = {}): JournaldSource {
    return new JournaldSource(scope, id, JournaldField.SYSTEMD_UNIT, unit, options);
  }

  /** Every source declared in the tree of `scope`, in creation order. */
  public static all(scope: IConstruct): readonly JournaldSource[] {
    return REGISTRY.get(scope.node.root) ?? [];
  }

  /** Whether `x` is a JournaldSource, also across copies of this library loaded twice. */
  public static isJournaldSource(x: unknown): x is JournaldSource {
    return typeof x === 'object' && x !== null && SOURCE_SYMBOL in x;
  }

  /** The journal field matched. */
  public readonly field: JournaldField;
  /** The value matched: the identifier or the unit name. */
  public readonly value: string;
  /** What the logs are, for the README and error messages. */
  public readonly description: string;
  private readonly collectors: IJournaldCollector[] = [];
  private usedByDocker = false;

  private constructor(scope: Construct, id: string, field: JournaldField, value: string, options: JournaldSourceOptions) {
    super(scope, id);
    Object.defineProperty(this, SOURCE_SYMBOL, { value: true });
    // A journal match is one `FIELD=value` line; these would make it a different match or none.
    if (!value || /[\s=]/.test(value)) {
      throw new Error(`[${this.node.path}] journald source '${value}' must be non-empty with no spaces or '='; give the bare identifier or unit name`);
    }
    if (field === JournaldField.SYSTEMD_UNIT && !UNIT_NAME.test(value)) {
      throw new Error(`[${this.node.path}] '${value}' is not a full systemd unit name; journald records _SYSTEMD_UNIT with its suffix, e.g. '${value}.service'`);
    }
    this.field = field;
    this.value = value;
    this.description = options.description ?? `journal entries with ${this.systemdFilter}`;
    const list = REGISTRY.get(this.node.root) ?? [];
    list.push(this);
    REGISTRY.set(this.node.root, list);
    this.node.addValidation({ validate: () => this.validateSource() });
  }

  /** The `systemd_filter` match Fluent Bit's systemd input gets for this source. */
  public get systemdFilter(): string {
    return `${this.field}=${this.value}`;
  }

  /**
   * Docker logging for a container whose output should land in this source: the journald driver
   * with `tag` = the identifier (Docker writes the tag to SYSLOG_IDENTIFIER). Only for
   * syslog-identifier sources: a container's entries carry `_SYSTEMD_UNIT=docker.service`.
   */
  public get dockerLogging(): LoggingProps {
    if (this.field !== JournaldField.SYSLOG_IDENTIFIER) {
      throw new Error(
        `[${this.node.path}] ${this.systemdFilter} can't be a container's logging: Docker's journald entries carry _SYSTEMD_UNIT=docker.service; ` +
          'declare the source with JournaldSource.syslogIdentifier() and log with its tag',
      );
    }
    this.usedByDocker = true;
    return { driver: 'journald', options: { tag: this.value } };
  }

  /** Whether some container logs into this source through `dockerLogging`. */
  public get usedForDockerLogging(): boolean {
    return this.usedByDocker;
  }

  /** The collectors (FluentBit) that collect it. */
  public get collectedBy(): readonly IJournaldCollector[] {
    return this.collectors;
  }

  /** @internal Called by a collector when it adds this source. */
  public _collectedBy(collector: IJournaldCollector): void {
    if (!this.collectors.includes(collector)) this.collectors.push(collector);
  }

  private validateSource(): string[] {
    const errors: string[] = [];
    if (this.collectors.length === 0) {
      errors.push(`${this.systemdFilter} is declared but no FluentBit collects it, so its logs never reach Loki — add it with fluentBit.addSource() (or to ObservabilityStack's sources), or remove it`);
    }
    if (this.usedByDocker && !DOCKER_TAG.test(this.value)) {
      errors.push(
        `'${this.value}' is used as a Docker journald tag, but Docker reads the tag as a Go template and Kamal passes it through a shell, ` +
          `so SYSLOG_IDENTIFIER would not be '${this.value}' — use letters, digits, '.', '_', '@' and '-' only (e.g. 'rails-web')`,
      );
    }
    return errors;
  }
}
