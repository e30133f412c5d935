import { IConstruct } from 'constructs';
import { Checks, Finding, YamlFile } from '../../src';
import { Accessory, IAccessoryOwner, KamalDeploy, L1 } from '../kamal';
import { IJournaldCollector, JournaldField, JournaldSource } from './journald-source';
import { Loki } from './loki';
import { fluentBitConfigSchema } from './schemas';

export interface FluentBitProps {
  /** The server it runs on: the one whose journal it reads. */
  readonly host: string;
  /** The Loki it ships to; host and port are asked of it. */
  readonly loki: Loki;
  /** Journal sources to collect. More can be added with `addSource`. @default - none yet */
  readonly sources?: readonly JournaldSource[];
  /** Docker image with tag. @default 'fluent/fluent-bit:4.2.2' */
  readonly image?: string;
  /** Named volume for the journal cursor DB and the filesystem buffer. @default 'fluentbit-state' */
  readonly volume?: string;
  /** Value of the `job` label on every stream. @default 'fluent-bit' */
  readonly job?: string;
  /** Where the config file is written, relative to the app root. @default 'config/observability/fluent-bit.yaml' */
  readonly configPath?: string;
}

/** Where the state volume is mounted: cursor DB and buffer chunks. */
const STATE_DIR = '/var/lib/fluent-bit';
const CONFIG_IN_CONTAINER = '/fluent-bit/etc/fluent-bit.yaml';
/** The built-in HTTP server: `/api/v1/health` for operators, on the kamal network only. */
const HTTP_PORT = 2020;
/** Route tag of the journal input; static, because a `*` tag would expand to docker.service for every container. */
const TAG = 'journal';

/**
 * The record keys that survive to Loki (after `strip_underscores` + `lowercase`), and what each
 * becomes. Everything else a journal entry carries (uid, cmdline, cgroup, boot id, ...) is
 * dropped by an allowlist filter, so that once labels and metadata are taken out only `message`
 * remains and `drop_single_key: raw` sends the bare log line.
 */
const LABELS: ReadonlyArray<[label: string, key: string]> = [
  ['host', 'hostname'],
  ['unit', 'systemd_unit'],
];
/** Becomes a label named after itself: how the rails-web and sudo sources are told apart. */
const LABEL_KEYS = ['syslog_identifier'];
const STRUCTURED_METADATA: ReadonlyArray<[name: string, key: string]> = [
  ['pid', 'pid'],
  ['container_name', 'container_name'],
];

const REGISTRY = new WeakMap<IConstruct, FluentBit[]>();

/**
 * Fluent Bit 4.2 as a Kamal accessory that reads the host's journal and ships to Loki. One
 * `systemd` input (the sources' filters OR-ed, its own cursor DB) and one `loki` output, in
 * Fluent Bit's YAML config format: the classic `.conf` is not INI and is being retired upstream.
 */
export class FluentBit extends Accessory implements IJournaldCollector {
  /** Every FluentBit in the tree of `scope`. */
  public static all(scope: IConstruct): readonly FluentBit[] {
    return REGISTRY.get(scope.node.root) ?? [];
  }

  public readonly loki: Loki;
  public readonly configFile: YamlFile;
  public readonly volume: string;
  public readonly job: string;
  /** The server it runs on. */
  public readonly server: string;
  private readonly sourceList: JournaldSource[] = [];

  constructor(scope: IAccessoryOwner, id: string, props: FluentBitProps) {
    const volume = props.volume ?? 'fluentbit-state';
    super(scope, id, {
      image: props.image ?? 'fluent/fluent-bit:4.2.2',
      host: props.host,
      // The image's default command reads the classic fluent-bit.conf; the format follows the extension.
      cmd: `-c ${CONFIG_IN_CONTAINER}`,
      volumes: [
        { volume, path: STATE_DIR },
        // Persistent and volatile journal locations, whichever the host uses, plus the machine id
        // that names the journal folder.
        { hostPath: '/var/log/journal', path: '/var/log/journal', readOnly: true },
        { hostPath: '/run/log/journal', path: '/run/log/journal', readOnly: true },
        { hostPath: '/etc/machine-id', path: '/etc/machine-id', readOnly: true },
      ],
    });
    this.loki = props.loki;
    this.server = props.host;
    this.volume = volume;
    this.job = props.job ?? 'fluent-bit';
    if (!/^[A-Za-z0-9_.-]+$/.test(this.job)) throw new Error(`[${this.node.path}] job label '${this.job}' must be letters, digits, '_', '.' and '-' (it goes into a comma list)`);
    for (const s of props.sources ?? []) this.addSource(s);
    this.configFile = new YamlFile(this, 'Config', {
      path: props.configPath ?? 'config/observability/fluent-bit.yaml',
      obj: () => this.renderConfig(),
      validator: fluentBitConfigSchema,
    });
    this.addFile({ file: this.configFile, remote: CONFIG_IN_CONTAINER });
    const list = REGISTRY.get(this.node.root) ?? [];
    if (list.length === 0) Checks.of(this).add(() => uncollectedJournaldLogging(this.node.root));
    list.push(this);
    REGISTRY.set(this.node.root, list);
    this.node.addValidation({ validate: () => this.validateFluentBit() });
  }

  /** The journal sources collected, in the order added. */
  public get sources(): readonly JournaldSource[] {
    return this.sourceList;
  }

  /** Collects a journal source: its `systemd_filter` joins the input's OR-ed filters. */
  public addSource(source: JournaldSource): void {
    if (this.sourceList.includes(source)) return;
    this.sourceList.push(source);
    source._collectedBy(this);
  }

  /** Health endpoint on the kamal network (`health_check` on the built-in HTTP server). */
  public get healthUrl(): string {
    return `http://${this.containerName}:${HTTP_PORT}/api/v1/health`;
  }

  /** The `systemd_filter` values, in source order, without repeats. */
  public get systemdFilters(): string[] {
    return [...new Set(this.sourceList.map((s) => s.systemdFilter))];
  }

  private renderConfig(): Record<string, unknown> {
    const keep = ['message', ...LABELS.map(([, k]) => k), ...LABEL_KEYS, ...STRUCTURED_METADATA.map(([, k]) => k)];
    return {
      service: {
        flush: 1,
        log_level: 'info',
        daemon: false,
        http_server: true,
        http_listen: '0.0.0.0',
        http_port: HTTP_PORT,
        health_check: true,
        // Buffer chunks on disk so a Loki restart or outage doesn't lose what was read.
        'storage.path': `${STATE_DIR}/storage`,
        'storage.sync': 'normal',
        'storage.backlog.mem_limit': '5M',
      },
      pipeline: {
        // One input for every source: the cursor table holds a single row per DB file, so a
        // second systemd input would need its own `db`.
        inputs: [
          {
            name: 'systemd',
            tag: TAG,
            // Omitted rather than empty when there is no source; the validation reports that.
            ...(this.sourceList.length > 0 ? { systemd_filter: this.systemdFilters } : {}),
            systemd_filter_type: 'or',
            db: `${STATE_DIR}/journal.db`,
            'db.sync': 'normal',
            // First start: begin at the end of the journal rather than replay weeks of backlog,
            // which Loki would reject as too old anyway. Later starts resume from the cursor.
            read_from_tail: true,
            strip_underscores: true,
            lowercase: true,
            'storage.type': 'filesystem',
          },
        ],
        filters: [{ name: 'record_modifier', match: TAG, allowlist_key: keep }],
        // One loki output: Fluent Bit 4.2 shares remove_keys between loki outputs on the engine
        // thread, so any second one would need `workers: 1` on each.
        outputs: [
          {
            name: 'loki',
            match: TAG,
            host: this.loki.host,
            port: this.loki.port,
            uri: this.loki.pushPath,
            labels: [`job=${this.job}`, ...LABELS.map(([label, key]) => `${label}=$${key}`)].join(', '),
            label_keys: LABEL_KEYS.map((k) => `$${k}`).join(', '),
            structured_metadata: STRUCTURED_METADATA.map(([name, key]) => `${name}=$${key}`).join(', '),
            line_format: 'json',
            drop_single_key: 'raw',
            auto_kubernetes_labels: false,
            retry_limit: 10,
          },
        ],
      },
    };
  }

  /** Problems with the file as emitted (overrides included) against the constructs it talks to. */
  private validateFluentBit(): string[] {
    const errors: string[] = [];
    if (this.sourceList.length === 0) {
      errors.push('collects no journald source, and a systemd input without systemd_filter ships the whole journal — add one with addSource(JournaldSource.syslogIdentifier(...))');
    }
    const doc = this.configFile.toObject() as { pipeline?: { outputs?: Array<Record<string, unknown>> } };
    const outputs = (doc.pipeline?.outputs ?? []).filter((o) => o.name === 'loki');
    for (const o of outputs) {
      if (o.host !== this.loki.host || String(o.port) !== String(this.loki.port)) {
        errors.push(
          `${this.configFile.path}: the loki output ships to ${String(o.host)}:${String(o.port)}, but [${this.loki.node.path}] listens at ${this.loki.host}:${this.loki.port} — ` +
            'remove the override of host/port; they come from the Loki construct',
        );
      }
    }
    if (this.loki.server !== this.server) {
      errors.push(
        `runs on ${this.server} but its Loki [${this.loki.node.path}] runs on ${this.loki.server}; it reaches Loki by container name on the kamal network, which exists per host — run both on the same host`,
      );
    }
    return errors;
  }
}

/**
 * Roles that log to journald with a tag no FluentBit collects: a tag typed by hand instead of a
 * source's `dockerLogging`, or one whose source was never added. Their logs stay on the host.
 * A warning (id `observability:journald-not-collected`), since journald may be wanted for
 * `journalctl` alone.
 */
function uncollectedJournaldLogging(root: IConstruct): Finding[] {
  const collected = new Set(
    JournaldSource.all(root)
      .filter((s) => s.field === JournaldField.SYSLOG_IDENTIFIER && s.collectedBy.length > 0)
      .map((s) => s.value),
  );
  const findings: Finding[] = [];
  for (const deploy of KamalDeploy.all(root)) {
    for (const dest of deploy.destinationNames()) {
      const cfg = deploy.effectiveConfig(dest);
      const servers = cfg.servers ?? {};
      const roles: Record<string, L1.HostEntry[] | L1.Role> = Array.isArray(servers) ? { web: servers } : servers;
      for (const [name, role] of Object.entries(roles)) {
        const own = Array.isArray(role) ? undefined : role.logging;
        const driver = own?.driver ?? cfg.logging?.driver;
        const tag = own?.options?.tag ?? cfg.logging?.options?.tag;
        if (driver !== 'journald' || (tag !== undefined && collected.has(String(tag)))) continue;
        const where = dest ? `${deploy.file} -d ${dest}` : deploy.file;
        const what = tag === undefined ? 'without a tag (Docker uses the container id)' : `with tag '${String(tag)}'`;
        findings.push({
          construct: deploy,
          severity: 'warning',
          id: 'observability:journald-not-collected',
          message: `${where}: role ${name} logs to journald ${what}, which no FluentBit collects — log through a JournaldSource's dockerLogging and add the source to the FluentBit`,
        });
      }
    }
  }
  return findings;
}
