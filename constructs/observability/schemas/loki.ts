import * as path from 'path';
import { DocumentProblem, JsonSchema } from '../../../src/schema';
import {
  bool,
  child,
  goDuration,
  int,
  isRecord,
  listOf,
  mapOf,
  nonEmptyStr,
  num,
  obj,
  oneOf,
  pointer,
  problem,
  promDuration,
  promDurationMs,
  records,
  Schema,
  str,
  strList,
  uint,
} from './_schema';

/*
 * Loki 3.4 `config.yaml` for the single binary (target `all`). Loki reads it with
 * `yaml.UnmarshalStrict`, so an unknown key is a startup error; the schema is closed everywhere
 * so the same typo fails at synth instead of on the server.
 *
 * Each block mirrors an upstream struct at tag v3.4.1 (key names from
 * `docs/sources/shared/configuration.md`, types from the Go fields). Blocks a single-binary
 * estate has no use for (distributor, memberlist, table_manager, bloom_*, kafka_config, the
 * object-store clients s3/gcs/azure/..., cache backends memcached/redis, consul/etcd kv, gRPC and
 * TLS client sub-blocks) are not modelled: they are rejected as unknown keys. Add them here, from
 * the upstream struct, when an estate needs one.
 *
 * Types: `<int>` is an integer, `<duration>` a Go duration string, limits and schema periods a
 * Prometheus duration (`31d` is fine there, `1.5h` is not), sizes a datasize (`256KB`, `1MB`, or
 * bytes).
 */

/** Loki's `flagext.ByteSize` (datasize): bytes, or a number with a unit such as `256KB`. */
const byteSize: Schema = {
  type: ['integer', 'string'],
  minimum: 0,
  pattern: '^[0-9]+ *([bBkKmMgGtTpPeE]|[kKmMgGtTpPeE][bB]|[bB][yY][tT][eE])?$',
};

/** A store path prefix as Loki's `ValidatePathPrefix` wants it: relative, `/`-separated, ending in `/`. */
const lokiPathPrefix: Schema = { type: 'string', pattern: '^[^/\\\\][^\\\\]*/$' };

/** dskit `backoff.Config`. */
const backoff = obj({ min_period: goDuration, max_period: goDuration, max_retries: int });

/** dskit `kv.Config`, backends other than `inmemory` not modelled. */
const kvstore = obj({
  store: oneOf('consul', 'etcd', 'inmemory', 'memberlist', 'multi'),
  prefix: str,
});

/** Loki `util/ring.RingConfig` (common.ring); the compactor's ring fixes num_tokens and replication_factor at 1. */
const ringProperties: Record<string, Schema> = {
  kvstore,
  heartbeat_period: goDuration,
  heartbeat_timeout: goDuration,
  tokens_file_path: str,
  zone_awareness_enabled: bool,
  instance_id: str,
  instance_interface_names: strList,
  instance_port: int,
  instance_addr: str,
  instance_availability_zone: str,
  instance_enable_ipv6: bool,
};
const ringConfig = obj({ ...ringProperties, num_tokens: int, replication_factor: int });
const compactorRing = obj(ringProperties);

/** dskit `crypto/tls.ServerConfig`. */
const serverTls = obj({
  cert: str,
  key: str,
  client_ca: str,
  cert_file: str,
  key_file: str,
  client_auth_type: oneOf('NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'),
  client_ca_file: str,
});

/** dskit `server.Config`. */
const server = obj({
  http_listen_network: str,
  http_listen_address: str,
  http_listen_port: uint,
  http_listen_conn_limit: uint,
  grpc_listen_network: str,
  grpc_listen_address: str,
  grpc_listen_port: uint,
  grpc_listen_conn_limit: uint,
  proxy_protocol_enabled: bool,
  tls_cipher_suites: str,
  tls_min_version: str,
  http_tls_config: serverTls,
  grpc_tls_config: serverTls,
  register_instrumentation: bool,
  report_grpc_codes_in_instrumentation_label_enabled: bool,
  graceful_shutdown_timeout: goDuration,
  http_server_read_timeout: goDuration,
  http_server_read_header_timeout: goDuration,
  http_server_write_timeout: goDuration,
  http_server_idle_timeout: goDuration,
  http_log_closed_connections_without_response_enabled: bool,
  grpc_server_max_recv_msg_size: int,
  grpc_server_max_send_msg_size: int,
  grpc_server_max_concurrent_streams: uint,
  grpc_server_max_connection_idle: goDuration,
  grpc_server_max_connection_age: goDuration,
  grpc_server_max_connection_age_grace: goDuration,
  grpc_server_keepalive_time: goDuration,
  grpc_server_keepalive_timeout: goDuration,
  grpc_server_min_time_between_pings: goDuration,
  grpc_server_ping_without_stream_allowed: bool,
  grpc_server_num_workers: uint,
  grpc_server_stats_tracking_enabled: bool,
  grpc_server_recv_buffer_pools_enabled: bool,
  log_format: oneOf('logfmt', 'json'),
  log_level: oneOf('debug', 'info', 'warn', 'error'),
  log_source_ips_enabled: bool,
  log_source_ips_full: bool,
  log_source_ips_header: str,
  log_source_ips_regex: str,
  log_request_headers: bool,
  log_request_at_info_level_enabled: bool,
  log_request_exclude_headers_list: str,
  http_path_prefix: str,
});

/** Loki `loki.CommonConfig`; only the filesystem object store is modelled. */
const common = obj({
  path_prefix: str,
  storage: obj({
    filesystem: obj({ chunks_directory: str, rules_directory: str }),
  }),
  persist_tokens: bool,
  replication_factor: int,
  ring: ringConfig,
  instance_interface_names: strList,
  instance_addr: str,
  compactor_address: str,
  compactor_grpc_address: str,
});

/** Loki `storage/config.PeriodicTableConfig`; `period` is a Prometheus duration there. */
const periodicTable = obj({ prefix: str, period: promDuration, tags: mapOf(str) });

/** Loki `storage/config.PeriodConfig`. `from` is a plain string here: the rules check its form. */
const periodConfig = obj(
  {
    from: str,
    store: oneOf('tsdb', 'boltdb-shipper'),
    object_store: oneOf('filesystem', 'aws', 's3', 'alibabacloud', 'azure', 'bos', 'cos', 'gcs', 'swift'),
    schema: oneOf('v9', 'v10', 'v11', 'v12', 'v13'),
    index: obj({
      path_prefix: lokiPathPrefix,
      prefix: str,
      period: promDuration,
      tags: mapOf(str),
    }),
    chunks: periodicTable,
    row_shards: uint,
  },
  ['from', 'store', 'object_store', 'schema'],
);

/** Loki `storage/config.SchemaConfig`. */
const schemaConfig = obj({ configs: listOf(periodConfig, 1) }, ['configs']);

/** Loki `storage.Config` (storage_config): local filesystem and the tsdb shipper only. */
const storageConfig = obj({
  filesystem: obj({ directory: str }),
  tsdb_shipper: obj({
    active_index_directory: str,
    cache_location: str,
    cache_ttl: goDuration,
    resync_interval: goDuration,
    query_ready_num_days: int,
  }),
  index_cache_validity: goDuration,
  object_prefix: str,
  disable_broad_index_queries: bool,
  max_parallel_get_chunk: int,
  max_chunk_batch_size: int,
});

/** Loki `validation.Limits` (limits_config): ingestion, query, retention and structured metadata limits. */
const limitsConfig = obj({
  ingestion_rate_strategy: oneOf('global', 'local'),
  ingestion_rate_mb: num,
  ingestion_burst_size_mb: num,
  max_label_name_length: int,
  max_label_value_length: int,
  max_label_names_per_series: int,
  reject_old_samples: bool,
  reject_old_samples_max_age: promDuration,
  creation_grace_period: promDuration,
  max_line_size: byteSize,
  max_line_size_truncate: bool,
  increment_duplicate_timestamp: bool,
  discover_service_name: strList,
  discover_log_levels: bool,
  log_level_fields: strList,
  use_owned_stream_count: bool,
  max_streams_per_user: int,
  max_global_streams_per_user: int,
  unordered_writes: bool,
  per_stream_rate_limit: byteSize,
  per_stream_rate_limit_burst: byteSize,
  max_chunks_per_query: int,
  max_query_series: int,
  max_query_lookback: promDuration,
  max_query_length: promDuration,
  max_query_range: promDuration,
  max_query_parallelism: int,
  tsdb_max_query_parallelism: int,
  tsdb_max_bytes_per_shard: byteSize,
  tsdb_sharding_strategy: oneOf('power_of_two', 'bounded'),
  tsdb_precompute_chunks: bool,
  cardinality_limit: int,
  max_streams_matchers_per_query: int,
  max_concurrent_tail_requests: int,
  max_entries_limit_per_query: int,
  max_cache_freshness_per_query: promDuration,
  max_metadata_cache_freshness: promDuration,
  max_stats_cache_freshness: promDuration,
  max_queriers_per_tenant: uint,
  max_query_capacity: num,
  query_ready_index_num_days: int,
  query_timeout: promDuration,
  split_queries_by_interval: promDuration,
  split_metadata_queries_by_interval: promDuration,
  split_recent_metadata_queries_by_interval: promDuration,
  recent_metadata_query_window: promDuration,
  split_instant_metric_queries_by_interval: promDuration,
  split_ingester_queries_by_interval: promDuration,
  min_sharding_lookback: promDuration,
  max_query_bytes_read: byteSize,
  max_querier_bytes_read: byteSize,
  volume_enabled: bool,
  volume_max_series: int,
  deletion_mode: oneOf('disabled', 'filter-only', 'filter-and-delete'),
  // The rules check the duration form, with a message that says which form Loki wants.
  retention_period: { type: ['string', 'integer'] },
  retention_stream: listOf(obj({ selector: nonEmptyStr, priority: int, period: promDuration }, ['selector', 'period'])),
  per_tenant_override_config: str,
  per_tenant_override_period: promDuration,
  required_labels: strList,
  minimum_labels_number: int,
  allow_structured_metadata: bool,
  max_structured_metadata_size: byteSize,
  max_structured_metadata_entries_count: int,
  enforced_labels: strList,
  metric_aggregation_enabled: bool,
});

/** Loki `compactor.Config`. */
const compactor = obj({
  working_directory: str,
  compaction_interval: goDuration,
  apply_retention_interval: goDuration,
  retention_enabled: bool,
  retention_delete_delay: goDuration,
  retention_delete_worker_count: int,
  retention_table_timeout: goDuration,
  retention_backoff_config: backoff,
  delete_request_store: str,
  delete_request_store_key_prefix: lokiPathPrefix,
  delete_batch_size: int,
  delete_request_cancel_period: goDuration,
  delete_max_interval: goDuration,
  max_compaction_parallelism: { type: 'integer', minimum: 1 },
  upload_parallelism: int,
  compactor_ring: compactorRing,
  tables_to_compact: int,
  skip_latest_n_tables: int,
});

/** Loki `ruler.Config`: local rule storage and the alertmanager client basics. */
const ruler = obj({
  external_url: str,
  datasource_uid: str,
  evaluation_interval: goDuration,
  poll_interval: goDuration,
  storage: obj({ type: oneOf('local'), local: obj({ directory: str }) }),
  rule_path: str,
  alertmanager_url: str,
  enable_alertmanager_discovery: bool,
  alertmanager_refresh_interval: goDuration,
  enable_alertmanager_v2: bool,
  notification_queue_capacity: int,
  notification_timeout: goDuration,
  for_outage_tolerance: goDuration,
  for_grace_period: goDuration,
  resend_delay: goDuration,
  enable_sharding: bool,
  search_pending_for: goDuration,
  flush_period: goDuration,
  enable_api: bool,
  enabled_tenants: str,
  disabled_tenants: str,
  query_stats_enabled: bool,
  disable_rule_group_label: bool,
  wal: obj({ dir: str, truncate_frequency: goDuration, min_age: goDuration, max_age: goDuration }),
  wal_cleaner: obj({ min_age: goDuration, period: goDuration }),
});

/** Loki `analytics.Config`. */
const analytics = obj({ reporting_enabled: bool, usage_stats_url: str, proxy_url: str });

/** dskit `ring.LifecyclerConfig` as the ingester uses it. */
const lifecycler = obj({
  ring: obj({
    kvstore,
    heartbeat_timeout: goDuration,
    replication_factor: int,
    zone_awareness_enabled: bool,
    excluded_zones: str,
  }),
  num_tokens: int,
  heartbeat_period: goDuration,
  heartbeat_timeout: goDuration,
  observe_period: goDuration,
  join_after: goDuration,
  min_ready_duration: goDuration,
  interface_names: strList,
  enable_inet6: bool,
  final_sleep: goDuration,
  tokens_file_path: str,
  availability_zone: str,
  unregister_on_shutdown: bool,
  readiness_check_ring_health: bool,
  address: str,
  port: int,
  id: str,
});

/** Loki `ingester.Config` (without the kafka ingestion block). */
const ingester = obj({
  lifecycler,
  concurrent_flushes: int,
  flush_check_period: goDuration,
  flush_op_backoff: backoff,
  flush_op_timeout: goDuration,
  chunk_retain_period: goDuration,
  chunk_idle_period: goDuration,
  chunk_block_size: int,
  chunk_target_size: int,
  chunk_encoding: oneOf('none', 'gzip', 'lz4-64k', 'snappy', 'lz4-256k', 'lz4-1M', 'lz4', 'flate', 'zstd'),
  max_chunk_age: goDuration,
  autoforget_unhealthy: bool,
  sync_period: goDuration,
  sync_min_utilization: num,
  max_returned_stream_errors: int,
  query_store_max_look_back_period: goDuration,
  wal: obj({ enabled: bool, dir: str, checkpoint_duration: goDuration, flush_on_shutdown: bool, replay_memory_ceiling: byteSize }),
  index_shards: int,
  max_dropped_streams: int,
  shutdown_marker_path: str,
  owned_streams_check_interval: goDuration,
});

/** dskit `cache.Config` (results caches), the embedded cache only. */
const resultsCache = obj({
  cache: obj({
    default_validity: goDuration,
    embedded_cache: obj({ enabled: bool, max_size_mb: int, max_size_items: int, ttl: goDuration }),
  }),
  compression: oneOf('', 'snappy'),
});

/** Loki `queryrangebase.Config` plus Loki's own query_range options. */
const queryRange = obj({
  align_queries_with_step: bool,
  results_cache: resultsCache,
  cache_results: bool,
  max_retries: int,
  parallelise_shardable_queries: bool,
  shard_aggregations: str,
  cache_index_stats_results: bool,
  index_stats_results_cache: resultsCache,
  cache_volume_results: bool,
  volume_results_cache: resultsCache,
  cache_instant_metric_results: bool,
  instant_metric_results_cache: resultsCache,
  instant_metric_query_split_align: bool,
  cache_series_results: bool,
  series_results_cache: resultsCache,
  cache_label_results: bool,
  label_results_cache: resultsCache,
});

/** Loki `lokifrontend.Config` (frontend). */
const frontend = obj({
  log_queries_longer_than: goDuration,
  log_query_request_headers: str,
  max_body_size: int,
  query_stats_enabled: bool,
  max_outstanding_per_tenant: int,
  querier_forget_delay: goDuration,
  scheduler_address: str,
  scheduler_dns_lookup_period: goDuration,
  scheduler_worker_concurrency: int,
  graceful_shutdown_timeout: goDuration,
  instance_interface_names: strList,
  encoding: oneOf('json', 'protobuf'),
  compress_responses: bool,
  downstream_url: str,
  tail_proxy_url: str,
});

/** Loki `querier.Config`. */
const querier = obj({
  tail_max_duration: goDuration,
  extra_query_delay: goDuration,
  query_ingesters_within: goDuration,
  engine: obj({ max_look_back_period: goDuration, max_count_min_sketch_heap_size: int }),
  max_concurrent: int,
  query_store_only: bool,
  query_ingester_only: bool,
  multi_tenant_queries_enabled: bool,
  per_request_limits_enabled: bool,
  query_partition_ingesters: bool,
});

/** Loki `pattern.Config` (pattern_ingester), as upstream's local config uses it. */
const patternIngester = obj({
  enabled: bool,
  concurrent_flushes: int,
  flush_check_period: goDuration,
  max_clusters: int,
  max_eviction_ratio: num,
  connection_timeout: goDuration,
  max_allowed_line_length: int,
  metric_aggregation: obj({
    downsample_period: goDuration,
    loki_address: str,
    timeout: goDuration,
    push_period: goDuration,
    use_tls: bool,
  }),
});

/** The JSON Schema of a Loki 3.4 config file (`loki.Config`, the blocks listed above). */
const LOKI_CONFIG_SCHEMA: Schema = obj({
  target: str,
  auth_enabled: bool,
  server,
  common,
  schema_config: schemaConfig,
  storage_config: storageConfig,
  limits_config: limitsConfig,
  compactor,
  ruler,
  analytics,
  ingester,
  query_range: queryRange,
  frontend,
  querier,
  pattern_ingester: patternIngester,
  tracing: obj({ enabled: bool }),
}, ['schema_config']);

const DAY_MS = 86_400_000;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** Midnight UTC of a `YYYY-MM-DD` that Go's `time.Parse("2006-01-02")` accepts, else undefined. */
function parseDay(value: unknown): number | undefined {
  const m = typeof value === 'string' ? DATE.exec(value) : null;
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? t : undefined;
}

function periods(doc: unknown): Array<[number, Record<string, unknown>]> {
  return records(child(child(doc, 'schema_config'), 'configs'));
}

/** `from` dates: Go's date layout, and strictly increasing (Loki `errSchemaIncreasingFromTime`). */
function checkFromDates(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  let previous: { day: number; text: string } | undefined;
  for (const [i, p] of periods(doc)) {
    const at = pointer('schema_config', 'configs', i, 'from');
    const day = parseDay(p.from);
    if (day === undefined) {
      out.push(problem(
        at,
        `${JSON.stringify(p.from)} is not a date in YYYY-MM-DD form (Loki parses it with Go's 2006-01-02 layout); write e.g. "2024-01-01"`,
      ));
      previous = undefined;
      continue;
    }
    if (previous && day <= previous.day) {
      out.push(problem(
        at,
        `from time in schemas must be distinct and in increasing order: ${p.from} does not come after ${previous.text}; ` +
          'give this period a later date than the one before it',
      ));
    }
    previous = { day, text: String(p.from) };
  }
  return out;
}

/** Index and chunk periods: tsdb needs exactly 24h, every table period a multiple of 24h. */
function checkTablePeriods(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  for (const [i, p] of periods(doc)) {
    const indexPeriod = promDurationMs(child(p.index, 'period'));
    if (p.store === 'tsdb' && indexPeriod !== DAY_MS) {
      const at = isRecord(p.index) && 'period' in p.index ? ['index', 'period'] : ['index'];
      out.push(problem(
        pointer('schema_config', 'configs', i, ...at),
        'tsdb must always have periodic config for index set to 24h; set index.period: 24h',
      ));
    } else if (indexPeriod !== undefined && indexPeriod % DAY_MS !== 0) {
      out.push(problem(pointer('schema_config', 'configs', i, 'index', 'period'), 'the table period must be a multiple of 24h; use 24h'));
    }
    const chunkPeriod = promDurationMs(child(p.chunks, 'period'));
    if (chunkPeriod !== undefined && chunkPeriod % DAY_MS !== 0) {
      out.push(problem(pointer('schema_config', 'configs', i, 'chunks', 'period'), 'the table period must be a multiple of 24h; use 24h'));
    }
  }
  return out;
}

/**
 * Structured metadata (on by default in Loki 3.x) needs schema v13 and the tsdb index in the
 * active period (Loki `validateSchemaRequirements`). Periods that start later will become active
 * without a config change, so they are held to the same requirement.
 */
function checkStructuredMetadata(now: () => Date): (doc: unknown) => DocumentProblem[] {
  return (doc) => {
    if (child(child(doc, 'limits_config'), 'allow_structured_metadata') === false) return [];
    const all = periods(doc);
    const days = all.map(([, p]) => parseDay(p.from));
    if (all.length === 0 || days.some((d) => d === undefined)) return [];
    // Loki's ActivePeriodConfig: the last period that has started, or the first if none has.
    const today = now().getTime();
    const started = days.filter((d) => (d as number) <= today).length;
    const active = Math.max(started - 1, 0);
    const out: DocumentProblem[] = [];
    const feature = 'structured metadata (limits_config.allow_structured_metadata, default true)';
    const fix = 'append a period with schema: v13 and store: tsdb, or set allow_structured_metadata: false';
    for (const [i, p] of all.slice(active)) {
      const when = i === all[active][0] ? 'the active schema period' : `the schema period starting ${p.from}`;
      if (p.schema !== 'v13') {
        out.push(problem(
          pointer('schema_config', 'configs', i, 'schema'),
          `${feature} needs schema v13, but ${when} uses ${String(p.schema)}; ${fix}`,
        ));
      }
      if (p.store !== 'tsdb') {
        out.push(problem(
          pointer('schema_config', 'configs', i, 'store'),
          `${feature} needs the tsdb index, but ${when} uses ${String(p.store)}; ${fix}`,
        ));
      }
    }
    return out;
  };
}

/** Retention is applied by the compactor, which must know where delete requests live. */
function checkCompactorRetention(doc: unknown): DocumentProblem[] {
  const compactorBlock = child(doc, 'compactor');
  if (child(compactorBlock, 'retention_enabled') !== true) return [];
  const store = child(compactorBlock, 'delete_request_store');
  if (typeof store === 'string' && store !== '') return [];
  return [problem(
    pointer('compactor'),
    "missing key 'delete_request_store': Loki refuses retention_enabled without it " +
      '(compactor.delete-request-store should be configured when retention is enabled); ' +
      'set it to the object store of the index, e.g. filesystem',
  )];
}

/** retention_period and per-stream retention: Prometheus durations, streams at least 24h. */
function checkRetention(doc: unknown): DocumentProblem[] {
  const limits = child(doc, 'limits_config');
  const out: DocumentProblem[] = [];
  const period = child(limits, 'retention_period');
  if (period !== undefined && period !== 0 && promDurationMs(period) === undefined) {
    out.push(problem(
      pointer('limits_config', 'retention_period'),
      `${JSON.stringify(period)} is not a duration Loki reads: write whole numbers with units largest first (y, w, d, h, m, s, ms), ` +
        'e.g. 744h or 31d, or 0 to keep logs forever',
    ));
  }
  for (const [i, s] of records(child(limits, 'retention_stream'))) {
    const ms = promDurationMs(s.period);
    if (ms !== undefined && ms < DAY_MS) {
      out.push(problem(pointer('limits_config', 'retention_stream', i, 'period'), `retention period must be >= 24h, was ${String(s.period)}`));
    }
  }
  return out;
}

/**
 * Where the tsdb index and the compactor keep their files: set directly or derived from
 * common.path_prefix (Loki `validateDirectoriesExist`).
 */
function checkDirectories(doc: unknown): DocumentProblem[] {
  if (!periods(doc).some(([, p]) => p.store === 'tsdb')) return [];
  const prefix = child(child(doc, 'common'), 'path_prefix');
  if (typeof prefix === 'string' && prefix !== '') return [];
  const needed: Array<[string[], string]> = [
    [['storage_config', 'tsdb_shipper'], 'active_index_directory'],
    [['storage_config', 'tsdb_shipper'], 'cache_location'],
    [['compactor'], 'working_directory'],
  ];
  const out: DocumentProblem[] = [];
  for (const [block, key] of needed) {
    const value = child(block.reduce<unknown>((node, k) => child(node, k), doc), key);
    if (typeof value !== 'string' || value === '') {
      out.push(problem(pointer(...block), `missing key '${key}': the tsdb index needs it; set it, or set common.path_prefix to derive it`));
    }
  }
  return out;
}

/** The rules, with the clock that decides which schema period is active injectable for tests. */
export function lokiConfigRules(now: () => Date = () => new Date()): Array<(doc: any) => DocumentProblem[]> {
  return [
    checkFromDates,
    checkTablePeriods,
    checkStructuredMetadata(now),
    checkCompactorRetention,
    checkRetention,
    checkDirectories,
  ];
}

/** Loki 3.4 `config.yaml`: the strict schema above plus the checks Loki's `Config.Validate()` runs. */
export const lokiConfigSchema = new JsonSchema(LOKI_CONFIG_SCHEMA, lokiConfigRules(), path.join(__dirname, 'loki.validator.js'));
