import { YamlFile } from '../../src';
import { Accessory, addressOf, HostRef, IAccessoryOwner } from '../kamal';
import { lokiConfigSchema } from './schemas';

/** Props of Loki: where it runs, its retention and its storage. */
export interface LokiProps {
  /** The server it runs on (an address or an ERB fragment that yields one). */
  readonly host: HostRef;
  /** Docker image with tag. @default 'grafana/loki:3.4.1' */
  readonly image?: string;
  /**
   * How long logs are kept, in whole days of hours (`744h`). The compactor deletes per daily
   * index table, so anything that is not a multiple of 24h would only be rounded by Loki.
   * @default '744h' - 31 days: a whole calendar month is always queryable (this month against
   * the last), while a single VPS disk stays bounded
   */
  readonly retentionPeriod?: string;
  /**
   * First day of the tsdb/v13 schema period (`YYYY-MM-DD`). Fixed for the life of the store:
   * changing the schema means appending a period with a future date, never editing this one.
   * @default '2025-01-01'
   */
  readonly schemaFrom?: string;
  /** Named volume holding chunks, index and compactor state, mounted at /loki. @default 'loki-data' */
  readonly volume?: string;
  /** Where the config file is written, relative to the app root. @default 'config/observability/loki.yaml' */
  readonly configPath?: string;
}

/** The port Loki's HTTP API listens on (push, query, `/ready`). */
const HTTP_PORT = 3100;
/** Loki's data root in the image (owned by its uid 10001, so a named volume inherits that). */
const DATA_DIR = '/loki';
/** The image's default `-config.file`, so no `cmd` is needed. */
const CONFIG_IN_CONTAINER = '/etc/loki/local-config.yaml';

/**
 * Loki 3.4 as a single-binary Kamal accessory: filesystem storage in a named volume, tsdb schema
 * v13, retention by the compactor, structured metadata on. Not published on the host: Fluent Bit
 * and Grafana reach it by container name on the kamal network, and ask this construct for it.
 */
export class Loki extends Accessory {
  /** The config file, mounted through the accessory's `files:`. */
  public readonly configFile: YamlFile;
  /** How long logs are kept, in hours (`744h`). */
  public readonly retentionPeriod: string;
  /** First day of the store's tsdb/v13 schema period. */
  public readonly schemaFrom: string;
  /** Named volume holding chunks, index and compactor state. */
  public readonly volume: string;
  /** The server it runs on. */
  public readonly server: string;

  constructor(scope: IAccessoryOwner, id: string, props: LokiProps) {
    const volume = props.volume ?? 'loki-data';
    super(scope, id, {
      image: props.image ?? 'grafana/loki:3.4.1',
      host: props.host,
      volumes: [{ volume, path: DATA_DIR }],
    });
    this.server = addressOf(props.host);
    this.volume = volume;
    this.retentionPeriod = props.retentionPeriod ?? '744h';
    const hours = /^([0-9]+)h$/.exec(this.retentionPeriod);
    if (!hours || Number(hours[1]) < 24 || Number(hours[1]) % 24 !== 0) {
      throw new Error(`[${this.node.path}] retention period '${this.retentionPeriod}' must be whole days written in hours, at least 24h (e.g. '744h' for 31 days)`);
    }
    this.schemaFrom = props.schemaFrom ?? '2025-01-01';
    if (!/^\d{4}-\d{2}-\d{2}$/.test(this.schemaFrom) || Number.isNaN(Date.parse(this.schemaFrom))) {
      throw new Error(`[${this.node.path}] schemaFrom '${this.schemaFrom}' must be a date YYYY-MM-DD`);
    }
    this.configFile = new YamlFile(this, 'Config', {
      path: props.configPath ?? 'config/observability/loki.yaml',
      obj: () => this.renderConfig(),
      validator: lokiConfigSchema,
    });
    this.addFile({ file: this.configFile, remote: CONFIG_IN_CONTAINER });
  }

  /** The host name others connect to: the container name on the kamal network. */
  public get host(): string {
    return this.containerName;
  }

  /** The HTTP port (push, query, readiness). */
  public get port(): number {
    return HTTP_PORT;
  }

  /** Base URL on the kamal network, for Grafana's datasource. */
  public get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** The push API path Fluent Bit's loki output posts to. */
  public get pushPath(): string {
    return '/loki/api/v1/push';
  }

  /** Full URL of the push API on the kamal network. */
  public get pushUrl(): string {
    return `${this.url}${this.pushPath}`;
  }

  /**
   * Readiness endpoint: 200 once the ingester has joined its ring and waited
   * `min_ready_duration` (15 s), so a probe needs a start period of ~20 s.
   */
  public get readyPath(): string {
    return '/ready';
  }

  private renderConfig(): Record<string, unknown> {
    return {
      // One tenant: no X-Scope-OrgID needed from Fluent Bit or Grafana.
      auth_enabled: false,
      server: { http_listen_port: HTTP_PORT, grpc_listen_port: 9096, log_level: 'info' },
      common: {
        // The in-memory ring of a single instance, as upstream's docker config has it.
        instance_addr: '127.0.0.1',
        path_prefix: DATA_DIR,
        storage: { filesystem: { chunks_directory: `${DATA_DIR}/chunks`, rules_directory: `${DATA_DIR}/rules` } },
        replication_factor: 1,
        ring: { kvstore: { store: 'inmemory' } },
      },
      schema_config: {
        configs: [
          {
            from: this.schemaFrom,
            store: 'tsdb',
            object_store: 'filesystem',
            schema: 'v13',
            // tsdb requires a 24h index period.
            index: { prefix: 'index_', period: '24h' },
          },
        ],
      },
      limits_config: {
        retention_period: this.retentionPeriod,
        // Fluent Bit sends pid and container name as structured metadata (needs tsdb + v13).
        allow_structured_metadata: true,
      },
      compactor: {
        working_directory: `${DATA_DIR}/compactor`,
        retention_enabled: true,
        // Loki refuses retention without a store for delete requests.
        delete_request_store: 'filesystem',
      },
      // No usage reports to stats.grafana.org from an operator's log store.
      analytics: { reporting_enabled: false },
    };
  }
}
