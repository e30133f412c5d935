import * as ini from 'ini';
import {
  fluentBitConfigSchema,
  grafanaDatasourcesSchema,
  grafanaIniSchema,
  lokiConfigRules,
  lokiConfigSchema,
} from '../../constructs/observability/schemas';
import { App, IniFile, JsonSchema, parseYaml, Testing, YamlFile } from '../../src';

/** The Loki single-binary config recommended in formats.md §2. */
const LOKI_YAML = `
auth_enabled: false
server:
  http_listen_port: 3100
  grpc_listen_port: 9096
  log_level: info
common:
  instance_addr: 127.0.0.1
  path_prefix: /loki
  storage:
    filesystem:
      chunks_directory: /loki/chunks
      rules_directory: /loki/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
schema_config:
  configs:
    - from: "2024-01-01"
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
limits_config:
  retention_period: 744h
  allow_structured_metadata: true
  volume_enabled: true
compactor:
  working_directory: /loki/compactor
  compaction_interval: 10m
  retention_enabled: true
  retention_delete_delay: 2h
  delete_request_store: filesystem
ruler:
  alertmanager_url: http://localhost:9093
analytics:
  reporting_enabled: false
`;

/** The Fluent Bit YAML recommended in formats.md §1.7: one journald input with three sources, one loki output. */
const FLUENT_BIT_YAML = `
service:
  flush: 1
  log_level: info
  daemon: off
  http_server: on
  http_listen: 0.0.0.0
  http_port: 2020
  health_check: on
  storage.path: /var/lib/fluent-bit/storage
  storage.sync: normal
  storage.backlog.mem_limit: 5M
pipeline:
  inputs:
    - name: systemd
      tag: journal
      systemd_filter:
        - SYSLOG_IDENTIFIER=rails-web
        - _SYSTEMD_UNIT=ssh.service
        - SYSLOG_IDENTIFIER=sudo
      systemd_filter_type: or
      db: /var/lib/fluent-bit/journal.db
      db.sync: normal
      read_from_tail: on
      strip_underscores: on
      lowercase: on
      storage.type: filesystem
  outputs:
    - name: loki
      match: journal
      host: rs-textbook-guide-observability-loki
      port: 3100
      uri: /loki/api/v1/push
      labels: job=fluent-bit, host=$hostname, unit=$systemd_unit
      label_keys: $syslog_identifier
      structured_metadata: pid=$pid, container_name=$container_name
      remove_keys: boot_id, machine_id, priority, container_tag, container_id, container_id_full, image_name
      line_format: json
      drop_single_key: raw
      auto_kubernetes_labels: off
      retry_limit: 10
`;

/** The datasource provisioning file recommended in formats.md §3.1. */
const DATASOURCES_YAML = `
apiVersion: 1
datasources:
  - name: Loki
    type: loki
    uid: loki
    access: proxy
    url: http://rs-textbook-guide-observability-loki:3100
    isDefault: true
    editable: false
    jsonData:
      maxLines: 1000
      timeout: 60
`;

/** A grafana.ini an estate might write, as a model object. */
const GRAFANA_INI = {
  paths: { provisioning: '/etc/grafana/provisioning' },
  server: { http_port: 3000, domain: 'grafana.example.com', root_url: 'https://grafana.example.com/', enforce_domain: false },
  security: { admin_user: 'admin', admin_password: '$__env{GF_SECURITY_ADMIN_PASSWORD}', cookie_secure: true, cookie_samesite: 'lax' },
  users: { allow_sign_up: false, default_theme: 'dark' },
  auth: { disable_login_form: false, anonymous: { enabled: false, org_role: 'Viewer' } },
  analytics: { reporting_enabled: false, check_for_updates: false },
  log: { mode: 'console', level: 'info' },
};

/** A YAML file's document as synth hands it to the validator (parsed as YAML 1.1). */
function yaml(text: string): any {
  return parseYaml(text);
}

/** A grafana.ini model as synth hands it to the validator: written by `ini`, parsed back by `ini`. */
function iniRoundTrip(obj: object): any {
  return ini.parse(ini.stringify(obj, { whitespace: true }));
}

/** The YAML fixture with one change applied to its parsed form. */
function edit(text: string, change: (doc: any) => void): any {
  const doc = yaml(text);
  change(doc);
  return doc;
}

/** The errors a whole synth reports for the one file `add` puts in a fresh app. */
function synthErrors(add: (app: App) => void): string[] {
  const app = Testing.app();
  add(app);
  return Testing.errors(app);
}

// ---------------------------------------------------------------------------------------------
// Loki

test('the recommended single-binary Loki config passes, also through synth', () => {
  // GIVEN
  const doc = yaml(LOKI_YAML);
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  const errors = synthErrors((app) => new YamlFile(app, 'loki', { path: 'loki/config.yaml', obj: doc, validator: lokiConfigSchema }));
  // THEN
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
});

test('a Loki key nobody reads is rejected at the top and inside a block', () => {
  // GIVEN
  const doc = edit(LOKI_YAML, (d) => {
    d.auth_enable = false;
    d.compactor.delte = true;
  });
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    { pointer: '/auth_enable', message: 'unknown key' },
    { pointer: '/compactor/delte', message: 'unknown key' },
  ]);
});

test('a tsdb period needs its index period at 24h', () => {
  // GIVEN
  const weekly = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].index.period = '168h'));
  const daily = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].index.period = '24h'));
  const asDay = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].index.period = '1d'));
  // WHEN
  const problems = lokiConfigSchema.validate(weekly);
  // THEN
  expect(problems).toEqual([
    { pointer: '/schema_config/configs/0/index/period', message: 'tsdb must always have periodic config for index set to 24h; set index.period: 24h' },
  ]);
  expect(lokiConfigSchema.validate(daily)).toEqual([]);
  expect(lokiConfigSchema.validate(asDay)).toEqual([]);
});

test('a tsdb period without an index block is told to add the 24h index period', () => {
  // GIVEN
  const doc = edit(LOKI_YAML, (d) => delete d.schema_config.configs[0].index);
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    { pointer: '/schema_config/configs/0/index', message: 'tsdb must always have periodic config for index set to 24h; set index.period: 24h' },
  ]);
});

test('structured metadata needs the active schema period on v13 with tsdb', () => {
  // GIVEN
  const v12 = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].schema = 'v12'));
  const v13 = yaml(LOKI_YAML);
  // WHEN
  const problems = lokiConfigSchema.validate(v12);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/schema_config/configs/0/schema',
      message: 'structured metadata (limits_config.allow_structured_metadata, default true) needs schema v13, but the active schema period uses v12; append a period with schema: v13 and store: tsdb, or set allow_structured_metadata: false',
    },
  ]);
  expect(lokiConfigSchema.validate(v13)).toEqual([]);
});

test('structured metadata is on by default, so a v12 period fails even without the key, and passes once it is turned off', () => {
  // GIVEN
  const byDefault = edit(LOKI_YAML, (d) => {
    d.schema_config.configs[0].schema = 'v12';
    delete d.limits_config.allow_structured_metadata;
  });
  const off = edit(LOKI_YAML, (d) => {
    d.schema_config.configs[0].schema = 'v12';
    d.limits_config.allow_structured_metadata = false;
  });
  // WHEN
  const problems = lokiConfigSchema.validate(byDefault);
  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/schema_config/configs/0/schema']);
  expect(lokiConfigSchema.validate(off)).toEqual([]);
});

test('the active period is the one that has started: a v13 period planned for later does not excuse a v12 one today', () => {
  // GIVEN
  const doc = edit(LOKI_YAML, (d) => {
    d.schema_config.configs[0].schema = 'v12';
    d.schema_config.configs.push({ ...d.schema_config.configs[0], from: '2026-06-01', schema: 'v13' });
  });
  const before = new JsonSchema(lokiConfigSchema.schema, lokiConfigRules(() => new Date('2026-05-31T12:00:00Z')));
  const after = new JsonSchema(lokiConfigSchema.schema, lokiConfigRules(() => new Date('2026-06-01T00:00:00Z')));
  // WHEN
  const problems = before.validate(doc);
  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/schema_config/configs/0/schema']);
  expect(after.validate(doc)).toEqual([]);
});

test('structured metadata with a boltdb-shipper active period names the store to change', () => {
  // GIVEN
  const doc = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].store = 'boltdb-shipper'));
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/schema_config/configs/0/store',
      message: 'structured metadata (limits_config.allow_structured_metadata, default true) needs the tsdb index, but the active schema period uses boltdb-shipper; append a period with schema: v13 and store: tsdb, or set allow_structured_metadata: false',
    },
  ]);
});

test('compactor retention needs a delete_request_store', () => {
  // GIVEN
  const missing = edit(LOKI_YAML, (d) => delete d.compactor.delete_request_store);
  const present = yaml(LOKI_YAML);
  // WHEN
  const problems = lokiConfigSchema.validate(missing);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/compactor',
      message: "missing key 'delete_request_store': Loki refuses retention_enabled without it (compactor.delete-request-store should be configured when retention is enabled); set it to the object store of the index, e.g. filesystem",
    },
  ]);
  expect(lokiConfigSchema.validate(present)).toEqual([]);
});

test('schema period dates must be written YYYY-MM-DD', () => {
  // GIVEN
  const loose = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].from = '2024-1-1'));
  const impossible = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].from = '2024-02-30'));
  const exact = edit(LOKI_YAML, (d) => (d.schema_config.configs[0].from = '2024-01-01'));
  // WHEN
  const problems = lokiConfigSchema.validate(loose);
  // THEN
  expect(problems).toEqual([
    { pointer: '/schema_config/configs/0/from', message: '"2024-1-1" is not a date in YYYY-MM-DD form (Loki parses it with Go\'s 2006-01-02 layout); write e.g. "2024-01-01"' },
  ]);
  expect(lokiConfigSchema.validate(impossible).map((p) => p.pointer)).toEqual(['/schema_config/configs/0/from']);
  expect(lokiConfigSchema.validate(exact)).toEqual([]);
});

test('an unquoted period date, which a YAML 1.1 reader turns into a timestamp, is refused by the schema', () => {
  // GIVEN
  const doc = yaml(LOKI_YAML.replace('from: "2024-01-01"', 'from: 2024-01-01'));
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([{ pointer: '/schema_config/configs/0/from', message: 'must be string' }]);
});

test('schema periods must start on strictly increasing dates', () => {
  // GIVEN
  const period = (from: string) => ({ from, store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } });
  const same = edit(LOKI_YAML, (d) => (d.schema_config.configs = [period('2024-01-01'), period('2024-01-01')]));
  const later = edit(LOKI_YAML, (d) => (d.schema_config.configs = [period('2024-01-01'), period('2024-01-02')]));
  // WHEN
  const problems = lokiConfigSchema.validate(same);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/schema_config/configs/1/from',
      message: 'from time in schemas must be distinct and in increasing order: 2024-01-01 does not come after 2024-01-01; give this period a later date than the one before it',
    },
  ]);
  expect(lokiConfigSchema.validate(later)).toEqual([]);
});

test('retention_period must be a duration Loki reads', () => {
  // GIVEN
  const fractional = edit(LOKI_YAML, (d) => (d.limits_config.retention_period = '1.5h'));
  const hours = edit(LOKI_YAML, (d) => (d.limits_config.retention_period = '744h'));
  const days = edit(LOKI_YAML, (d) => (d.limits_config.retention_period = '31d'));
  const forever = edit(LOKI_YAML, (d) => (d.limits_config.retention_period = 0));
  // WHEN
  const problems = lokiConfigSchema.validate(fractional);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/limits_config/retention_period',
      message: '"1.5h" is not a duration Loki reads: write whole numbers with units largest first (y, w, d, h, m, s, ms), e.g. 744h or 31d, or 0 to keep logs forever',
    },
  ]);
  expect(lokiConfigSchema.validate(hours)).toEqual([]);
  expect(lokiConfigSchema.validate(days)).toEqual([]);
  expect(lokiConfigSchema.validate(forever)).toEqual([]);
});

test('Go durations are checked by the schema: an integer is not a duration', () => {
  // GIVEN
  const doc = edit(LOKI_YAML, (d) => (d.compactor.compaction_interval = 10));
  // WHEN
  const problems = lokiConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([{ pointer: '/compactor/compaction_interval', message: 'must be string' }]);
});

test('without common.path_prefix, a tsdb index needs its directories spelled out', () => {
  // GIVEN
  const bare = edit(LOKI_YAML, (d) => {
    delete d.common.path_prefix;
    delete d.compactor.working_directory;
  });
  const spelled = edit(LOKI_YAML, (d) => {
    delete d.common.path_prefix;
    d.storage_config = { tsdb_shipper: { active_index_directory: '/loki/tsdb-index', cache_location: '/loki/tsdb-cache' } };
  });
  // WHEN
  const problems = lokiConfigSchema.validate(bare);
  // THEN
  expect(problems).toEqual([
    { pointer: '/storage_config/tsdb_shipper', message: "missing key 'active_index_directory': the tsdb index needs it; set it, or set common.path_prefix to derive it" },
    { pointer: '/storage_config/tsdb_shipper', message: "missing key 'cache_location': the tsdb index needs it; set it, or set common.path_prefix to derive it" },
    { pointer: '/compactor', message: "missing key 'working_directory': the tsdb index needs it; set it, or set common.path_prefix to derive it" },
  ]);
  expect(lokiConfigSchema.validate(spelled)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Fluent Bit

test('the recommended Fluent Bit config with three journald sources passes, also through synth', () => {
  // GIVEN
  const doc = yaml(FLUENT_BIT_YAML);
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  const errors = synthErrors((app) => new YamlFile(app, 'fb', { path: 'fluent-bit/fluent-bit.yaml', obj: doc, validator: fluentBitConfigSchema }));
  // THEN
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
});

test('a misspelt systemd property is rejected', () => {
  // GIVEN
  const doc = edit(FLUENT_BIT_YAML, (d) => {
    delete d.pipeline.inputs[0].read_from_tail;
    d.pipeline.inputs[0].Read_From_Tial = true;
  });
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(problems).toContainEqual({ pointer: '/pipeline/inputs/0/Read_From_Tial', message: 'unknown key' });
});

test('a misspelt loki or service property is rejected', () => {
  // GIVEN
  const doc = edit(FLUENT_BIT_YAML, (d) => {
    d.pipeline.outputs[0].lable_keys = '$unit';
    d.service.flsuh = 5;
  });
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(problems).toContainEqual({ pointer: '/pipeline/outputs/0/lable_keys', message: 'unknown key' });
  expect(problems).toContainEqual({ pointer: '/service/flsuh', message: 'unknown key' });
});

test('unknown sections, which Fluent Bit accepts silently, are rejected at the top and under pipeline', () => {
  // GIVEN
  const doc = edit(FLUENT_BIT_YAML, (d) => {
    d.pipelines = {};
    d.pipeline.input = [];
  });
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipelines', message: 'unknown key' },
    { pointer: '/pipeline/input', message: 'unknown key' },
  ]);
});

test('network and TLS keys are rejected on the systemd input, which reads the local journal', () => {
  // GIVEN
  const doc = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.inputs[0].tls = true));
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(problems).toContainEqual({ pointer: '/pipeline/inputs/0/tls', message: 'unknown key' });
});

test('a comma-list loki property written as a YAML list is rejected; multi-value properties take lists', () => {
  // GIVEN
  const listed = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].remove_keys = ['boot_id', 'machine_id']));
  const headers = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].header = ['X-A 1', 'X-B 2']));
  // WHEN
  const problems = fluentBitConfigSchema.validate(listed);
  // THEN
  expect(problems).toContainEqual({ pointer: '/pipeline/outputs/0/remove_keys', message: 'must be string,number' });
  expect(fluentBitConfigSchema.validate(headers)).toEqual([]);
});

test('plugins the schema does not model take any scalar or list properties', () => {
  // GIVEN
  const doc = edit(FLUENT_BIT_YAML, (d) => {
    d.pipeline.inputs.push({ name: 'tail', tag: 'files', path: ['/var/log/a.log', '/var/log/b.log'], refresh_interval: 10 });
    d.pipeline.filters = [{ name: 'grep', match: 'files', regex: 'log error' }];
    d.pipeline.outputs.push({ name: 'stdout', match: 'files', format: 'json_lines' });
  });
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(problems).toEqual([]);
});

test('label_keys entries must start with $', () => {
  // GIVEN
  const bare = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].label_keys = 'syslog_identifier'));
  const accessor = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].label_keys = '$syslog_identifier'));
  // WHEN
  const problems = fluentBitConfigSchema.validate(bare);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/pipeline/outputs/0/label_keys',
      message: 'label key \'syslog_identifier\' must start with \'$\' (Fluent Bit fails at start with "invalid label key, the name must start with \'$\'"); write \'$syslog_identifier\'',
    },
  ]);
  expect(fluentBitConfigSchema.validate(accessor)).toEqual([]);
});

test('line_format is json or key_value', () => {
  // GIVEN
  const logfmt = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].line_format = 'logfmt'));
  const keyValue = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].line_format = 'key_value'));
  // WHEN
  const problems = fluentBitConfigSchema.validate(logfmt);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipeline/outputs/0/line_format', message: 'must be json or key_value, not \'logfmt\' (Fluent Bit fails at start with "invalid \'line_format\' value")' },
  ]);
  expect(fluentBitConfigSchema.validate(keyValue)).toEqual([]);
});

test('drop_single_key is off, on or raw, or a boolean', () => {
  // GIVEN
  const maybe = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].drop_single_key = 'maybe'));
  const raw = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].drop_single_key = 'raw'));
  const on = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.outputs[0].drop_single_key = true));
  // WHEN
  const problems = fluentBitConfigSchema.validate(maybe);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipeline/outputs/0/drop_single_key', message: 'must be off, on or raw (or a boolean), not \'maybe\' (Fluent Bit fails at start with "invalid \'drop_single_key\' value")' },
  ]);
  expect(fluentBitConfigSchema.validate(raw)).toEqual([]);
  expect(fluentBitConfigSchema.validate(on)).toEqual([]);
});

test('systemd_filter_type is and or or', () => {
  // GIVEN
  const xor = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.inputs[0].systemd_filter_type = 'xor'));
  const and = edit(FLUENT_BIT_YAML, (d) => (d.pipeline.inputs[0].systemd_filter_type = 'and'));
  // WHEN
  const problems = fluentBitConfigSchema.validate(xor);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipeline/inputs/0/systemd_filter_type', message: 'must be and or or, not \'xor\' (Fluent Bit fails at start with "systemd_filter_type must be \'and\' or \'or\'")' },
  ]);
  expect(fluentBitConfigSchema.validate(and)).toEqual([]);
});

test('two systemd inputs cannot share a cursor db', () => {
  // GIVEN
  const twoInputs = (secondDb: string) =>
    edit(FLUENT_BIT_YAML, (d) => {
      d.pipeline.inputs[0].systemd_filter = 'SYSLOG_IDENTIFIER=rails-web';
      d.pipeline.inputs.push({ ...d.pipeline.inputs[0], tag: 'ssh', systemd_filter: '_SYSTEMD_UNIT=ssh.service', db: secondDb });
      d.pipeline.outputs[0].match = '*';
    });
  const shared = twoInputs('/var/lib/fluent-bit//journal.db');
  const own = twoInputs('/var/lib/fluent-bit/ssh.db');
  // WHEN
  const problems = fluentBitConfigSchema.validate(shared);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipeline/inputs/1/db', message: 'systemd input 0 already keeps its journal cursor in /var/lib/fluent-bit/journal.db; the cursor table holds one row, so each systemd input needs its own db file' },
  ]);
  expect(fluentBitConfigSchema.validate(own)).toEqual([]);
});

test('more than one loki output needs workers: 1 on each', () => {
  // GIVEN
  const twoOutputs = (workers?: number) =>
    edit(FLUENT_BIT_YAML, (d) => {
      d.pipeline.outputs.push({ ...d.pipeline.outputs[0], match: 'audit', remove_keys: 'pid' });
      if (workers !== undefined) for (const o of d.pipeline.outputs) o.workers = workers;
    });
  // WHEN
  const problems = fluentBitConfigSchema.validate(twoOutputs());
  // THEN
  const message = "with 2 loki outputs each needs workers: 1; on the shared engine thread Fluent Bit 4.2 applies the first loki output's remove_keys to the others";
  expect(problems).toEqual([
    { pointer: '/pipeline/outputs/0', message },
    { pointer: '/pipeline/outputs/1', message },
  ]);
  expect(fluentBitConfigSchema.validate(twoOutputs(0))).toEqual([
    { pointer: '/pipeline/outputs/0/workers', message },
    { pointer: '/pipeline/outputs/1/workers', message },
  ]);
  expect(fluentBitConfigSchema.validate(twoOutputs(1))).toEqual([]);
});

test('a single loki output needs no workers setting', () => {
  // GIVEN
  const doc = yaml(FLUENT_BIT_YAML);
  // WHEN
  const problems = fluentBitConfigSchema.validate(doc);
  // THEN
  expect(doc.pipeline.outputs[0].workers).toBeUndefined();
  expect(problems).toEqual([]);
});

test('service flush must be greater than 0', () => {
  // GIVEN
  const zero = edit(FLUENT_BIT_YAML, (d) => (d.service.flush = 0));
  const half = edit(FLUENT_BIT_YAML, (d) => (d.service.flush = '0.5'));
  // WHEN
  const problems = fluentBitConfigSchema.validate(zero);
  // THEN
  expect(problems).toEqual([{ pointer: '/service/flush', message: 'must be a number of seconds greater than 0, not 0 (Fluent Bit aborts with "invalid flush value")' }]);
  expect(fluentBitConfigSchema.validate(half)).toEqual([]);
});

test('an output needs a match', () => {
  // GIVEN
  const unmatched = edit(FLUENT_BIT_YAML, (d) => delete d.pipeline.outputs[0].match);
  const byRegex = edit(FLUENT_BIT_YAML, (d) => {
    delete d.pipeline.outputs[0].match;
    d.pipeline.outputs[0].match_regex = '^journal$';
  });
  // WHEN
  const problems = fluentBitConfigSchema.validate(unmatched);
  // THEN
  expect(problems).toEqual([
    { pointer: '/pipeline/outputs/0', message: "missing key 'match': an output without match or match_regex receives no records; set match to the inputs' tag, or '*'" },
  ]);
  expect(fluentBitConfigSchema.validate(byRegex)).toEqual([]);
});

test('log_level off must stay a word: a YAML boolean would reach Fluent Bit as "false"', () => {
  // GIVEN
  const boolean = edit(FLUENT_BIT_YAML, (d) => (d.service.log_level = false));
  const word = edit(FLUENT_BIT_YAML, (d) => (d.service.log_level = 'off'));
  // WHEN
  const problems = fluentBitConfigSchema.validate(boolean);
  // THEN
  expect(problems).toEqual([{ pointer: '/service/log_level', message: 'must be one of "off", "error", "warn", "warning", "info", "debug", "trace"' }]);
  expect(fluentBitConfigSchema.validate(word)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Grafana data sources

test('the recommended Loki data source file passes, also through synth', () => {
  // GIVEN
  const doc = yaml(DATASOURCES_YAML);
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(doc);
  const errors = synthErrors((app) => new YamlFile(app, 'ds', { path: 'grafana/provisioning/datasources/loki.yaml', obj: doc, validator: grafanaDatasourcesSchema }));
  // THEN
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
});

test('a misspelt data source key, which Grafana ignores silently, is rejected at the top and in an entry', () => {
  // GIVEN
  const doc = edit(DATASOURCES_YAML, (d) => {
    d.deleteDatasource = [{ name: 'Old' }];
    d.datasources[0].isdefault = true;
  });
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    { pointer: '/deleteDatasource', message: 'unknown key' },
    { pointer: '/datasources/0/isdefault', message: 'unknown key' },
  ]);
});

test('deleteDatasources and prune are accepted', () => {
  // GIVEN
  const doc = edit(DATASOURCES_YAML, (d) => {
    d.deleteDatasources = [{ name: 'Old Loki', orgId: 1 }];
    d.prune = true;
  });
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(doc);
  // THEN
  expect(problems).toEqual([]);
});

test('at most one default data source per organization', () => {
  // GIVEN
  const prometheus = { name: 'Prometheus', type: 'prometheus', uid: 'prometheus', access: 'proxy', url: 'http://prometheus:9090', isDefault: true };
  const bothInOrg1 = edit(DATASOURCES_YAML, (d) => d.datasources.push(prometheus));
  const secondInOrg2 = edit(DATASOURCES_YAML, (d) => d.datasources.push({ ...prometheus, orgId: 2 }));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(bothInOrg1);
  // THEN
  expect(problems).toEqual([
    {
      pointer: '/datasources/1/isDefault',
      message: "only one data source per organization can be marked as default, and 'Loki' (datasources/0) already is in org 1; Grafana would refuse every provisioning file",
    },
  ]);
  expect(grafanaDatasourcesSchema.validate(secondInOrg2)).toEqual([]);
});

test('an explicit orgId 1 is the same organization as none', () => {
  // GIVEN
  const doc = edit(DATASOURCES_YAML, (d) => d.datasources.push({ name: 'Other', type: 'loki', uid: 'other', orgId: 1, isDefault: true }));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(doc);
  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/datasources/1/isDefault']);
});

test('data source names are unique per organization', () => {
  // GIVEN
  const twin = { name: 'Loki', type: 'loki', uid: 'loki-2', url: 'http://other-loki:3100' };
  const sameOrg = edit(DATASOURCES_YAML, (d) => d.datasources.push(twin));
  const otherOrg = edit(DATASOURCES_YAML, (d) => d.datasources.push({ ...twin, orgId: 2 }));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(sameOrg);
  // THEN
  expect(problems).toEqual([
    { pointer: '/datasources/1/name', message: "data source name 'Loki' is already used by datasources/0 in org 1; Grafana upserts by name, so this entry would silently replace that one" },
  ]);
  expect(grafanaDatasourcesSchema.validate(otherOrg)).toEqual([]);
});

test('data source uids are unique', () => {
  // GIVEN
  const sameUid = edit(DATASOURCES_YAML, (d) => d.datasources.push({ name: 'Loki archive', type: 'loki', uid: 'loki' }));
  const ownUid = edit(DATASOURCES_YAML, (d) => d.datasources.push({ name: 'Loki archive', type: 'loki', uid: 'loki-archive' }));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(sameUid);
  // THEN
  expect(problems).toEqual([{ pointer: '/datasources/1/uid', message: "uid 'loki' is already used by datasources/0 in org 1; give each data source its own uid" }]);
  expect(grafanaDatasourcesSchema.validate(ownUid)).toEqual([]);
});

test('access is proxy or direct', () => {
  // GIVEN
  const server = edit(DATASOURCES_YAML, (d) => (d.datasources[0].access = 'server'));
  const direct = edit(DATASOURCES_YAML, (d) => (d.datasources[0].access = 'direct'));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(server);
  // THEN
  expect(problems).toEqual([
    { pointer: '/datasources/0/access', message: "must be proxy (server) or direct (browser), not 'server'; Grafana would use proxy and only log a warning" },
  ]);
  expect(grafanaDatasourcesSchema.validate(direct)).toEqual([]);
});

test('a uid Grafana would refuse is rejected by the schema', () => {
  // GIVEN
  const doc = edit(DATASOURCES_YAML, (d) => (d.datasources[0].uid = 'loki/main'));
  // WHEN
  const problems = grafanaDatasourcesSchema.validate(doc);
  // THEN
  expect(problems).toEqual([{ pointer: '/datasources/0/uid', message: 'must match pattern "^[a-zA-Z0-9_-]+$"' }]);
});

// ---------------------------------------------------------------------------------------------
// grafana.ini

test('a realistic grafana.ini passes as the ini package parses it back, also through synth', () => {
  // GIVEN
  const doc = iniRoundTrip(GRAFANA_INI);
  // WHEN
  const problems = grafanaIniSchema.validate(doc);
  const errors = synthErrors((app) => new IniFile(app, 'ini', { path: 'grafana/grafana.ini', obj: GRAFANA_INI, validator: grafanaIniSchema }));
  // THEN
  expect(doc.auth.anonymous.enabled).toBe(false);
  expect(doc.server.http_port).toBe('3000');
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
});

test('an unknown grafana.ini section or key is rejected, including inside [auth.anonymous]', () => {
  // GIVEN
  const doc = iniRoundTrip({
    ...GRAFANA_INI,
    servr: { http_port: 3000 },
    security: { ...GRAFANA_INI.security, admin_pasword: 'x' },
    auth: { anonymous: { enable: true } },
  });
  // WHEN
  const problems = grafanaIniSchema.validate(doc);
  // THEN
  expect(problems).toEqual([
    { pointer: '/servr', message: 'unknown key' },
    { pointer: '/security/admin_pasword', message: 'unknown key' },
    { pointer: '/auth/anonymous/enable', message: 'unknown key' },
  ]);
});

test('a dotted section built flat is written escaped, which Grafana reads as another section', () => {
  // GIVEN
  const { auth: _nested, ...rest } = GRAFANA_INI;
  const flat = { ...rest, 'auth.anonymous': { enabled: true } };
  const text = ini.stringify(flat, { whitespace: true });
  const doc = ini.parse(text);
  // WHEN
  const problems = grafanaIniSchema.validate(doc);
  // THEN
  expect(text).toContain('[auth\\.anonymous]');
  expect(problems).toEqual([
    { pointer: '/auth.anonymous', message: 'section header written as [auth\\.anonymous], which Grafana does not read as [auth.anonymous]; nest it instead: { auth: { anonymous: { ... } } }' },
  ]);
});

test('grafana.ini values keep their types: roles, booleans and ports', () => {
  // GIVEN
  const doc = iniRoundTrip({ ...GRAFANA_INI, users: { auto_assign_org_role: 'viewer' }, server: { http_port: 'http' }, analytics: { reporting_enabled: 'nope' } });
  const fine = iniRoundTrip({ ...GRAFANA_INI, users: { auto_assign_org_role: 'Viewer' }, server: { http_port: '$__env{GRAFANA_PORT}' }, analytics: { reporting_enabled: 'off' } });
  // WHEN
  const problems = grafanaIniSchema.validate(doc);
  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/server/http_port', '/analytics/reporting_enabled', '/users/auto_assign_org_role']);
  expect(grafanaIniSchema.validate(fine)).toEqual([]);
});
