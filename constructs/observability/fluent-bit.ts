import { IConstruct } from 'constructs';
import { Checks, Finding, YamlFile } from '../../src';
import { Accessory, AccessoryAddress, addressOf, describeHost, EmittedAddress, HostRef, IAccessoryOwner, KamalDeploy } from '../kamal';
import { IJournaldCollector, JournaldField, JournaldSource } from './journald-source';
import { Loki } from './loki';
import { fluentBitConfigSchema } from './schemas';

/**
 * Props of FluentBit: the servers whose journal it reads, the Loki it ships to, and its sources.
 */
export interface FluentBitProps {
  /**
   * The server it runs on: the one whose journal it reads. Give this or `hosts`.
   * @default - none; then `hosts` is required
   */
  readonly host?: HostRef;
  /**
   * The servers it runs on, one container each reading that server's journal (every host of a
   * multi-host estate). On a host other than Loki's it ships to Loki's private address.
   * @default - `[host]`
   */
  readonly hosts?: readonly HostRef[];
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

  /** The Loki it ships to. */
  public readonly loki: Loki;
  /** The generated Fluent Bit YAML config, mounted into the container. */
  public readonly configFile: YamlFile;
  /** Named volume holding the journal cursor DB and the filesystem buffer. */
  public readonly volume: string;
  /** Value of the `job` label on every stream it ships. */
  public readonly job: string;
  /** The (first) server it runs on. */
  public readonly server: string;
  /** Every server it runs on. */
  public readonly servers: readonly string[];
  /** Where it reaches Loki: the container name on Loki's host, Loki's private address from elsewhere. */
  public readonly lokiAddress: AccessoryAddress;
  private readonly sourceList: JournaldSource[] = [];

  constructor(scope: IAccessoryOwner, id: string, props: FluentBitProps) {
    const volume = props.volume ?? 'fluentbit-state';
    super(scope, id, {
      image: props.image ?? 'fluent/fluent-bit:4.2.2',
      host: props.hosts ? undefined : props.host,
      hosts: props.hosts,
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
    const hosts = props.hosts ?? (props.host !== undefined ? [props.host] : []);
    if (hosts.length === 0 || (props.host !== undefined && props.hosts !== undefined)) {
      throw new Error(`[${this.node.path}] give exactly one of host or hosts: the servers whose journal it reads`);
    }
    this.loki = props.loki;
    this.servers = hosts.map(addressOf);
    this.server = this.servers[0];
    // One config file for every host: from a host other than Loki's, all of them use Loki's private address.
    this.lokiAddress = props.loki.addressFrom(hosts, props.loki.port);
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
            host: this.lokiAddress.host,
            port: this.lokiAddress.port,
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
      const want = this.lokiAddress;
      if (o.host !== want.host || String(o.port) !== String(want.port)) {
        errors.push(
          `${this.configFile.path}: the loki output ships to ${String(o.host)}:${String(o.port)}, but [${this.loki.node.path}] listens at ${want.host}:${want.port} — ` +
            'remove the override of host/port; they come from the Loki construct',
        );
      }
    }
    return errors;
  }

  /** The Loki host of every loki output, as emitted: the estate checks it is deployed on this host's network. */
  public emittedAddresses(): EmittedAddress[] {
    const doc = this.configFile.toObject() as { pipeline?: { outputs?: Array<Record<string, unknown>> } };
    const out: EmittedAddress[] = [];
    (doc.pipeline?.outputs ?? []).forEach((o, i) => {
      if (o.name !== 'loki' || o.host === undefined) return;
      const port = Number(o.port);
      out.push({ file: this.configFile.path, key: `pipeline/outputs/${i}/host`, what: "Fluent Bit's loki output", host: String(o.host), port: Number.isInteger(port) ? port : undefined, from: 'container' });
    });
    return out;
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
  const views = KamalDeploy.resolvedViews(root);
  // Where each FluentBit runs, as emitted: it reads only its own host's journal.
  const fluentBits = FluentBit.all(root);
  const runsOn = new Map<string, FluentBit[]>();
  for (const view of views) {
    for (const c of view.accessories) {
      const fb = fluentBits.find((f) => f === c.owner);
      if (fb) for (const h of c.hosts) runsOn.set(h, [...(runsOn.get(h) ?? []), fb]);
    }
  }
  for (const view of views) {
    for (const role of view.roles) {
      const driver = role.logging?.driver;
      const tag = role.logging?.options?.tag;
      if (driver !== 'journald') continue;
      if (tag !== undefined && collected.has(String(tag))) {
        // Collected somewhere: on every host the role runs on, a FluentBit there must collect it.
        for (const host of role.hosts) {
          const here = runsOn.get(host) ?? [];
          if (here.some((fb) => fb.sources.some((s) => s.field === JournaldField.SYSLOG_IDENTIFIER && s.value === String(tag)))) continue;
          findings.push({
            construct: view.owner,
            severity: 'warning',
            id: 'observability:journald-not-collected',
            message:
              `${view.where}: role ${role.name} logs to journald with tag '${String(tag)}' on host ${describeHost(root, host)}, ` +
              `where ${here.length === 0 ? 'no FluentBit runs' : 'no FluentBit collects that tag'}, so its logs stay there — run a FluentBit collecting it on every host of the role (FluentBit hosts, ObservabilityStack fluentBitHosts)`,
          });
        }
        continue;
      }
      const what = tag === undefined ? 'without a tag (Docker uses the container id)' : `with tag '${String(tag)}'`;
      findings.push({
        construct: view.owner,
        severity: 'warning',
        id: 'observability:journald-not-collected',
        message: `${view.where}: role ${role.name} logs to journald ${what}, which no FluentBit collects — log through a JournaldSource's dockerLogging and add the source to the FluentBit`,
      });
    }
  }
  // A host's own sources (ssh.service, sudo) are collected only where a FluentBit runs.
  if (fluentBits.length > 0) {
    const hosts = new Set<string>();
    for (const view of views) for (const c of view.containers) for (const h of c.hosts) hosts.add(h);
    const hostSources = JournaldSource.all(root).filter((s) => s.collectedBy.length > 0 && !s.usedForDockerLogging);
    for (const host of hosts) {
      if (runsOn.has(host) || hostSources.length === 0) continue;
      findings.push({
        construct: fluentBits[0],
        severity: 'warning',
        id: 'observability:host-not-collected',
        message:
          `host ${describeHost(root, host)} runs containers of the estate but no FluentBit, so its journal (${hostSources.map((s) => s.systemdFilter).join(', ')}) is never collected — ` +
          'run the FluentBit there too (FluentBit hosts, ObservabilityStack fluentBitHosts)',
      });
    }
  }
  return findings;
}
