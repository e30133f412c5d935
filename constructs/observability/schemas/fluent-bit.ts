import * as path from 'path';
import { DocumentProblem, JsonSchema } from '../../../src/schema';
import { child, isRecord, listOf, mapOf, nonEmptyStr, obj, oneOf, pointer, problem, records, Schema } from './_schema';

/*
 * Fluent Bit 4.2 YAML configuration (`fluent-bit.yaml`). Fluent Bit itself is lenient here:
 * unknown top-level sections and unknown `service` keys are accepted silently, and
 * `--dry-run` in 4.2 does not look at plugin properties at all (a typo only fails when the plugin
 * starts). The schema is closed so those typos fail at synth.
 *
 * Sources (tag v4.2.2): sections from `src/config_format/flb_cf_yaml.c` (note `customs` is a
 * top-level section there; under `pipeline` only inputs, filters and outputs are accepted);
 * service keys from `include/fluent-bit/flb_config.h` / `src/flb_config.c`; generic input and
 * output properties from `src/flb_input.c` / `src/flb_output.c` / `src/flb_upstream.c`; plugin
 * properties from the config maps in `plugins/in_systemd/systemd.c` and `plugins/out_loki/loki.c`.
 *
 * Fluent Bit matches keys case-insensitively; the schema pins the lowercase spelling so there is
 * one way to write each key and the rules can find them. Values reach Fluent Bit as strings, so a
 * YAML boolean or number is as good as its text; a list is only accepted where the property is
 * multi-valued (`systemd_filter`, `header`): for any other key Fluent Bit would fail with
 * "configuration property '...' is set N times".
 */

/** Text: a non-empty string, or a number (Fluent Bit reads the scalar's text). */
const text: Schema = { type: ['string', 'number'], minLength: 1 };
/** `flb_utils_bool`: YAML booleans, or their words in lowercase. */
const flag: Schema = { enum: [true, false, 'true', 'false', 'on', 'off', 'yes', 'no'] };
const integer: Schema = { type: ['integer', 'string'], pattern: '^-?[0-9]+$' };
const count: Schema = { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+$' };
/** `flb_utils_size_to_bytes`: bytes, or a number with K, M or G (optionally followed by B). */
const size: Schema = { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+(\\.[0-9]+)?([kKmMgG][bB]?)?$' };
/** `flb_utils_time_to_seconds`: seconds, or a whole number with s, m, h or d. */
const seconds: Schema = { type: ['integer', 'string'], minimum: 0, pattern: '^[0-9]+[sSmMhHdD]?$' };
const logLevel = oneOf('off', 'error', 'warn', 'warning', 'info', 'debug', 'trace');
/** Any property value of a plugin we do not model: a scalar, or a list of scalars. */
const anyValue: Schema = { type: ['string', 'number', 'boolean', 'array'], items: { type: ['string', 'number', 'boolean'] }, minItems: 1 };
/** A multi-valued text property (`FLB_CONFIG_MAP_MULT`): one value or a list of them. */
const multiText: Schema = { type: ['string', 'number', 'array'], minLength: 1, items: text, minItems: 1 };

/** A plugin entry whose properties are not modelled: `name` plus scalars or lists. */
function openPlugin(extra: Record<string, Schema> = {}): Schema {
  return { type: 'object', required: ['name'], properties: { name: nonEmptyStr, ...extra }, additionalProperties: anyValue };
}

/** `processors:` under an input or output: per signal, a list of processor plugins. */
const processors = obj({ logs: listOf(openPlugin()), metrics: listOf(openPlugin()), traces: listOf(openPlugin()) });

/** Conditional routing on inputs (4.2+): per signal, a list of named routes. */
const route: Schema = { type: 'object', required: ['name'], properties: { name: nonEmptyStr } };
const routes = obj(Object.fromEntries(['logs', 'metrics', 'traces', 'any'].map((signal) => [signal, listOf(route, 1)])));

/** Properties every input takes (`flb_input_set_property` and the input config map), for inputs that do no networking. */
const inputCommon: Record<string, Schema> = {
  tag: text,
  alias: text,
  log_level: logLevel,
  log_suppress_interval: seconds,
  routable: flag,
  mem_buf_limit: size,
  'storage.type': oneOf('filesystem', 'memory', 'memrb'),
  'storage.pause_on_chunks_overlimit': flag,
  threaded: flag,
  'thread.ring_buffer.capacity': { ...count, minimum: 1, pattern: '^[1-9][0-9]*$' },
  'thread.ring_buffer.window': { type: ['integer', 'string'], minimum: 1, maximum: 100, pattern: '^([1-9][0-9]?|100)$' },
  processors,
  routes,
};

/** The `systemd` input (`plugins/in_systemd/systemd.c` config map). It reads the journal, so no network or TLS keys. */
const systemdInput = obj(
  {
    name: { const: 'systemd' },
    ...inputCommon,
    path: text,
    max_fields: count,
    max_entries: count,
    // and/or: checked by the rules, which say what Fluent Bit answers.
    systemd_filter_type: text,
    systemd_filter: multiText,
    read_from_tail: flag,
    lowercase: flag,
    strip_underscores: flag,
    'db.sync': oneOf('extra', 'full', 'normal', 'off'),
    db: text,
  },
  ['name'],
);

/** Upstream networking properties outputs take (`src/flb_upstream.c`). */
const outputNet: Record<string, Schema> = {
  'net.dns.mode': oneOf('UDP', 'TCP'),
  'net.dns.resolver': oneOf('LEGACY', 'ASYNC'),
  'net.dns.prefer_ipv4': flag,
  'net.dns.prefer_ipv6': flag,
  'net.keepalive': flag,
  'net.keepalive_idle_timeout': seconds,
  'net.tcp_keepalive': flag,
  'net.tcp_keepalive_time': integer,
  'net.tcp_keepalive_interval': integer,
  'net.tcp_keepalive_probes': integer,
  'net.io_timeout': seconds,
  'net.connect_timeout': seconds,
  'net.connect_timeout_log_error': flag,
  'net.source_address': text,
  'net.keepalive_max_recycle': count,
  'net.max_worker_connections': count,
  'net.proxy_env_ignore': flag,
};

/** TLS properties of an output (`flb_output_set_property`). */
const outputTls: Record<string, Schema> = {
  tls: flag,
  'tls.verify': flag,
  'tls.verify_hostname': flag,
  'tls.debug': { type: ['integer', 'string'], minimum: 0, maximum: 4, pattern: '^[0-4]$' },
  'tls.vhost': text,
  'tls.ca_path': text,
  'tls.ca_file': text,
  'tls.crt_file': text,
  'tls.key_file': text,
  'tls.key_passwd': text,
  'tls.min_version': text,
  'tls.max_version': text,
  'tls.ciphers': text,
};

/** Properties every output takes (`flb_output_set_property` and the output config map). */
const outputCommon: Record<string, Schema> = {
  match: text,
  match_regex: text,
  alias: text,
  log_level: logLevel,
  log_suppress_interval: seconds,
  host: text,
  port: { type: ['integer', 'string'], minimum: 1, maximum: 65535, pattern: '^[0-9]+$' },
  ipv6: flag,
  // A positive count, or no_limits / false / off (retry forever), or no_retries.
  retry_limit: { type: ['integer', 'string', 'boolean'], minimum: 1, pattern: '^([1-9][0-9]*|no_limits|no_retries|false|off)$' },
  'storage.total_limit_size': { type: ['integer', 'string'], minimum: 0, pattern: '^([0-9]+(\\.[0-9]+)?([kKmMgG][bB]?)?|off)$' },
  workers: count,
  processors,
  ...outputNet,
  ...outputTls,
};

/** The built-in `loki` output (`plugins/out_loki/loki.c` config map). Comma-list keys take one string. */
const lokiOutput = obj(
  {
    name: { const: 'loki' },
    ...outputCommon,
    uri: { type: 'string', pattern: '^/' },
    tenant_id: text,
    tenant_id_key: text,
    labels: text,
    structured_metadata: text,
    structured_metadata_map_keys: text,
    auto_kubernetes_labels: flag,
    // Checked by the rules, which say what Fluent Bit answers.
    drop_single_key: { type: ['string', 'boolean'] },
    label_keys: text,
    remove_keys: text,
    line_format: text,
    label_map_path: text,
    http_user: text,
    http_passwd: text,
    buffer_size: size,
    bearer_token: text,
    header: multiText,
    compress: oneOf('gzip'),
  },
  ['name'],
);

/** A list entry dispatched on `name`: the strict schema for a modelled plugin, an open one otherwise. */
function plugins(modelled: Record<string, Schema>, open: Schema): Schema {
  const dispatch = Object.entries(modelled).map(([name, schema]) => ({
    if: { type: 'object', required: ['name'], properties: { name: { const: name } } },
    then: schema,
  }));
  const names = Object.keys(modelled);
  if (names.length === 0) return listOf(open);
  return listOf({
    type: 'object',
    required: ['name'],
    properties: { name: nonEmptyStr },
    allOf: [
      ...dispatch,
      { if: { type: 'object', required: ['name'], properties: { name: { enum: names } } }, else: open },
    ],
  });
}

/** The `service` section (`service_configs` in `src/flb_config.c`, 4.2.2). */
const service = obj({
  // Checked by the rules (> 0).
  flush: { type: ['number', 'string'] },
  grace: integer,
  daemon: flag,
  log_file: text,
  log_level: logLevel,
  parsers_file: text,
  plugins_file: text,
  streams_file: text,
  'sp.convert_from_str_to_num': flag,
  'json.convert_nan_to_null': flag,
  'json.escape_unicode': flag,
  http_server: flag,
  http_listen: text,
  http_port: { type: ['integer', 'string'], minimum: 1, maximum: 65535, pattern: '^[0-9]+$' },
  health_check: flag,
  hc_errors_count: count,
  hc_retry_failure_count: count,
  hc_period: count,
  'dns.mode': oneOf('UDP', 'TCP'),
  'dns.resolver': oneOf('LEGACY', 'ASYNC'),
  'dns.prefer_ipv4': flag,
  'dns.prefer_ipv6': flag,
  'storage.path': text,
  'storage.sync': oneOf('normal', 'full'),
  'storage.metrics': flag,
  'storage.checksum': flag,
  'storage.backlog.mem_limit': size,
  'storage.backlog.flush_on_shutdown': flag,
  'storage.max_chunks_up': count,
  'storage.delete_irrecoverable_chunks': flag,
  'storage.trim_files': flag,
  'storage.type': oneOf('filesystem', 'memory', 'memrb'),
  'storage.inherit': flag,
  'storage.keep.rejected': flag,
  'storage.rejected.path': text,
  coro_stack_size: count,
  multiline_buffer_limit: size,
  'scheduler.cap': count,
  'scheduler.base': count,
  enable_chunk_trace: flag,
  hot_reload: flag,
  'hot_reload.ensure_thread_safety': flag,
  'hot_reload.timeout': count,
});

/** The JSON Schema of a Fluent Bit 4.2 YAML config file. */
const FLUENT_BIT_CONFIG_SCHEMA: Schema = obj({
  env: mapOf({ type: ['string', 'number', 'boolean'] }),
  includes: listOf(nonEmptyStr),
  service,
  pipeline: obj({
    inputs: plugins({ systemd: systemdInput }, openPlugin({ processors, routes })),
    filters: plugins({}, openPlugin()),
    outputs: plugins({ loki: lokiOutput }, openPlugin({ processors })),
  }),
  customs: listOf(openPlugin()),
  parsers: listOf(openPlugin()),
  multiline_parsers: listOf(
    openPlugin({
      rules: listOf(obj({ state: nonEmptyStr, regex: nonEmptyStr, next_state: nonEmptyStr }, ['state', 'regex']), 1),
    }),
  ),
  plugins: listOf(nonEmptyStr),
  upstream_servers: listOf(openPlugin({ nodes: listOf(openPlugin(), 1) })),
});

type Entry = [number, Record<string, unknown>];

function entries(doc: unknown, kind: 'inputs' | 'filters' | 'outputs'): Entry[] {
  return records(child(child(doc, 'pipeline'), kind));
}

function named(list: Entry[], name: string): Entry[] {
  return list.filter(([, e]) => e.name === name);
}

/** Environment references are expanded at start; their value is not ours to check. */
function isEnvRef(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/** A string property's words, as Fluent Bit compares them (case-insensitively). */
function lower(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value).toLowerCase() : undefined;
}

/** `label_keys` entries are record accessors and must start with `$`. */
function checkLabelKeys(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  for (const [i, o] of named(entries(doc, 'outputs'), 'loki')) {
    if (o.label_keys === undefined || isEnvRef(o.label_keys)) continue;
    for (const key of String(o.label_keys).split(',').map((k) => k.trim()).filter((k) => k !== '')) {
      if (!key.startsWith('$')) {
        out.push(problem(
          pointer('pipeline', 'outputs', i, 'label_keys'),
          `label key '${key}' must start with '$' (Fluent Bit fails at start with "invalid label key, the name must start with '$'"); write '$${key}'`,
        ));
      }
    }
  }
  return out;
}

function checkLokiValues(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  for (const [i, o] of named(entries(doc, 'outputs'), 'loki')) {
    const format = lower(o.line_format);
    if (format !== undefined && !isEnvRef(o.line_format) && format !== 'json' && format !== 'key_value') {
      out.push(problem(
        pointer('pipeline', 'outputs', i, 'line_format'),
        `must be json or key_value, not '${String(o.line_format)}' (Fluent Bit fails at start with "invalid 'line_format' value")`,
      ));
    }
    const drop = o.drop_single_key;
    if (typeof drop === 'string' && !isEnvRef(drop) && !['raw', 'on', 'off', 'true', 'false', 'yes', 'no'].includes(drop.toLowerCase())) {
      out.push(problem(
        pointer('pipeline', 'outputs', i, 'drop_single_key'),
        `must be off, on or raw (or a boolean), not '${drop}' (Fluent Bit fails at start with "invalid 'drop_single_key' value")`,
      ));
    }
  }
  return out;
}

function checkSystemdFilterType(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  for (const [i, input] of named(entries(doc, 'inputs'), 'systemd')) {
    const type = lower(input.systemd_filter_type);
    if (type !== undefined && !isEnvRef(input.systemd_filter_type) && type !== 'and' && type !== 'or') {
      out.push(problem(
        pointer('pipeline', 'inputs', i, 'systemd_filter_type'),
        `must be and or or, not '${String(input.systemd_filter_type)}' (Fluent Bit fails at start with "systemd_filter_type must be 'and' or 'or'")`,
      ));
    }
  }
  return out;
}

/** The systemd cursor table holds a single row, so two inputs on one db file overwrite each other's position. */
function checkSystemdDbs(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  const owners = new Map<string, number>();
  for (const [i, input] of named(entries(doc, 'inputs'), 'systemd')) {
    if (input.db === undefined) continue;
    const file = path.posix.normalize(String(input.db));
    const first = owners.get(file);
    if (first === undefined) {
      owners.set(file, i);
    } else {
      out.push(problem(
        pointer('pipeline', 'inputs', i, 'db'),
        `systemd input ${first} already keeps its journal cursor in ${file}; the cursor table holds one row, so each systemd input needs its own db file`,
      ));
    }
  }
  return out;
}

/**
 * Fluent Bit 4.2's loki output caches its remove_keys in a thread-local shared by every loki
 * output; with workers 0 they all flush on the engine thread and the second one silently uses
 * the first one's keys. A worker thread per output keeps them apart.
 */
function checkLokiWorkers(doc: unknown): DocumentProblem[] {
  const lokis = named(entries(doc, 'outputs'), 'loki');
  if (lokis.length < 2) return [];
  const out: DocumentProblem[] = [];
  for (const [i, o] of lokis) {
    if (isEnvRef(o.workers) || Number(o.workers) >= 1) continue;
    const at = o.workers === undefined ? pointer('pipeline', 'outputs', i) : pointer('pipeline', 'outputs', i, 'workers');
    out.push(problem(
      at,
      `with ${lokis.length} loki outputs each needs workers: 1; on the shared engine thread Fluent Bit 4.2 applies the first loki output's remove_keys to the others`,
    ));
  }
  return out;
}

function checkFlush(doc: unknown): DocumentProblem[] {
  const flush = child(child(doc, 'service'), 'flush');
  if (flush === undefined || isEnvRef(flush)) return [];
  const interval = typeof flush === 'number' ? flush : Number.parseFloat(String(flush));
  if (Number.isFinite(interval) && interval > 0) return [];
  return [problem(
    pointer('service', 'flush'),
    `must be a number of seconds greater than 0, not ${JSON.stringify(flush)} (Fluent Bit aborts with "invalid flush value")`,
  )];
}

/** Records reach an output or filter only through its match rule (or an input's conditional routes). */
function checkMatch(doc: unknown): DocumentProblem[] {
  const out: DocumentProblem[] = [];
  const routed = entries(doc, 'inputs').some(([, input]) => isRecord(input.routes));
  const unmatched = ([, e]: Entry) => e.match === undefined && e.match_regex === undefined;
  if (!routed) {
    for (const [i] of entries(doc, 'outputs').filter(unmatched)) {
      out.push(problem(
        pointer('pipeline', 'outputs', i),
        "missing key 'match': an output without match or match_regex receives no records; set match to the inputs' tag, or '*'",
      ));
    }
  }
  for (const [i] of entries(doc, 'filters').filter(unmatched)) {
    out.push(problem(
      pointer('pipeline', 'filters', i),
      "missing key 'match': Fluent Bit unloads a filter without match or match_regex; set match to the tag it should see, or '*'",
    ));
  }
  return out;
}

/** Fluent Bit 4.2 `fluent-bit.yaml`: the strict schema above plus what the plugins check when they start. */
export const fluentBitConfigSchema = new JsonSchema(FLUENT_BIT_CONFIG_SCHEMA, [
  checkLabelKeys,
  checkLokiValues,
  checkSystemdFilterType,
  checkSystemdDbs,
  checkLokiWorkers,
  checkFlush,
  checkMatch,
], path.join(__dirname, 'fluent-bit.validator.js'));
