import { KamalDeploy } from '../../constructs/kamal';
import { Loki, LokiProps } from '../../constructs/observability';
import { App, Erb, parseYaml, Testing } from '../../src';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** A Loki alone in a standalone accessories config. */
function lokiIn(app: App, props: Partial<LokiProps> = {}): Loki {
  const deploy = new KamalDeploy(app, 'logs', { file: 'config/deploy.logs.yml', service: 'infra-logs', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' } });
  return new Loki(deploy, 'loki', { host: HOST, ...props });
}

test('Loki is a single binary on the filesystem: one tenant, in-memory ring, data under the loki-data volume', () => {
  // GIVEN
  const app = Testing.app();
  lokiIn(app);
  // WHEN
  const files = Testing.synth(app);
  // THEN
  const cfg = parseYaml(files['config/observability/loki.yaml']) as any;
  expect(cfg.auth_enabled).toBe(false);
  expect(cfg.common).toMatchObject({ path_prefix: '/loki', replication_factor: 1, ring: { kvstore: { store: 'inmemory' } } });
  expect(cfg.common.storage.filesystem).toEqual({ chunks_directory: '/loki/chunks', rules_directory: '/loki/rules' });
  expect(cfg.analytics).toEqual({ reporting_enabled: false });
  const deploy = parseYaml(files['config/deploy.logs.yml']) as any;
  expect(deploy.accessories.loki).toEqual({
    image: 'grafana/loki:3.4.1',
    host: HOST,
    files: ['config/observability/loki.yaml:/etc/loki/local-config.yaml'],
    volumes: ['loki-data:/loki'],
  });
});

test('the schema period is tsdb v13 with a 24h index from a fixed date, quoted so a YAML 1.1 reader keeps it a string', () => {
  // GIVEN
  const app = Testing.app();
  lokiIn(app);
  // WHEN
  const text = Testing.synth(app)['config/observability/loki.yaml'];
  // THEN
  expect((parseYaml(text) as any).schema_config.configs).toEqual([
    { from: '2025-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
  ]);
  expect(text).toContain('- from: "2025-01-01"\n');
});

test('retention runs in the compactor with a delete-request store, 31 days by default, structured metadata allowed', () => {
  // GIVEN
  const app = Testing.app();
  lokiIn(app);
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/loki.yaml']) as any;
  // THEN
  expect(cfg.limits_config).toEqual({ retention_period: '744h', allow_structured_metadata: true });
  expect(cfg.compactor).toEqual({ working_directory: '/loki/compactor', retention_enabled: true, delete_request_store: 'filesystem' });
});

test('retention period and schema date are props', () => {
  // GIVEN
  const app = Testing.app();
  lokiIn(app, { retentionPeriod: '2160h', schemaFrom: '2026-03-01' });
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/loki.yaml']) as any;
  // THEN
  expect(cfg.limits_config.retention_period).toBe('2160h');
  expect(cfg.schema_config.configs[0].from).toBe('2026-03-01');
});

test('a retention that is not whole days in hours is refused', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const odd = () => lokiIn(app, { retentionPeriod: '36h' });
  // THEN
  expect(odd).toThrow("[logs/loki] retention period '36h' must be whole days written in hours, at least 24h (e.g. '744h' for 31 days)");
});

test('a schema date that is not YYYY-MM-DD is refused', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const declare = () => lokiIn(app, { schemaFrom: '2025-1-1' });
  // THEN
  expect(declare).toThrow("[logs/loki] schemaFrom '2025-1-1' must be a date YYYY-MM-DD");
});

test('other constructs reach Loki by container name on port 3100, and it is ready at /ready', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const loki = lokiIn(app);
  // THEN
  expect(loki.host).toBe('infra-logs-loki');
  expect(loki.host).toBe(loki.containerName);
  expect(loki.port).toBe(3100);
  expect(loki.url).toBe('http://infra-logs-loki:3100');
  expect(loki.pushUrl).toBe('http://infra-logs-loki:3100/loki/api/v1/push');
  expect(loki.readyPath).toBe('/ready');
  expect(loki.publishedPort).toBeUndefined();
  expect(loki.proxy).toBeUndefined();
});

test('an override that breaks a Loki rule fails synth through the file\'s schema', () => {
  // GIVEN
  const app = Testing.app();
  const loki = lokiIn(app);
  loki.configFile.addOverride('compactor', { working_directory: '/loki/compactor', retention_enabled: true });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [logs/loki/Config] out/config/observability/loki.yaml: /compactor missing key 'delete_request_store': Loki refuses retention_enabled without it (compactor.delete-request-store should be configured when retention is enabled); set it to the object store of the index, e.g. filesystem",
  ]);
});
