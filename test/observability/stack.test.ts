import { Estate } from '../../constructs/estate';
import { Construct } from 'constructs';
import { EndpointAccess, KamalConfigValidator, KamalDeploy, KamalSecrets, SecretSource } from '../../constructs/kamal';
import {
  fluentBitConfigSchema,
  grafanaDatasourcesSchema,
  JournaldSource,
  lokiConfigSchema,
  ObservabilityStack,
} from '../../constructs/observability';
import { Erb, parseYaml, Testing } from '../../src';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/**
 * The rs-textbook-guide log stack: a Rails app whose web role logs to journald through the
 * rails-web source, and the observability config collecting it with ssh and sudo.
 */
function testEstate() {
  const app = Testing.app();
  const estate = new Estate(app, 'estate');
  new KamalSecrets(estate, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env(), RAILS_MASTER_KEY: SecretSource.env() },
    withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env() },
  });
  const logs = new Construct(estate, 'logs');
  const railsLogs = JournaldSource.syslogIdentifier(logs, 'rails', 'rails-web', { description: 'Rails containers (production and staging)' });
  const sshLogs = JournaldSource.systemdUnit(logs, 'ssh', 'ssh.service', { description: 'SSH logins to the VPS' });
  const sudoLogs = JournaldSource.syslogIdentifier(logs, 'sudo', 'sudo', { description: 'sudo on the VPS' });
  const rails = new KamalDeploy(estate, 'app', {
    service: 'rs-textbook-guide',
    image: 'daichi-629/rs-textbook-guide',
    registry: { server: 'repo.suubutsuseminar.com', username: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST], logging: railsLogs.dockerLogging } },
    proxy: { access: EndpointAccess.public(), hosts: ['guide.suubutsuseminar.com'], ssl: true, forwardHeaders: true, healthcheck: { path: '/up' } },
    env: { secrets: ['RAILS_MASTER_KEY'] },
  });
  const stack = new ObservabilityStack(estate, 'observability', {
    service: 'rs-textbook-guide-observability',
    host: HOST,
    grafanaDomain: 'grafana.suubutsuseminar.com',
    sources: [railsLogs, sshLogs, sudoLogs],
  });
  return { app, rails, stack, railsLogs, sshLogs, sudoLogs };
}

const OBSERVABILITY_FILES = [
  'config/deploy.observability.yml',
  'config/observability/fluent-bit.yaml',
  'config/observability/grafana/datasources.yaml',
  'config/observability/loki.yaml',
];

test('the test estate synthesizes the observability config and its files with no errors or warnings', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const synthesis = Testing.synthesize(app, true);
  // THEN
  expect(synthesis.errors).toEqual([]);
  expect(synthesis.files.map((f) => f.path)).toEqual(expect.arrayContaining(OBSERVABILITY_FILES));
  expect(synthesis.files.map((f) => f.path).filter((p) => p.startsWith('config/observability/'))).toEqual(OBSERVABILITY_FILES.slice(1));
});

test('every emitted file, read back as YAML 1.1, passes its schema and rules, and both deploy files pass Kamal\'s validator', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect(lokiConfigSchema.validate(parseYaml(files['config/observability/loki.yaml']))).toEqual([]);
  expect(fluentBitConfigSchema.validate(parseYaml(files['config/observability/fluent-bit.yaml']))).toEqual([]);
  expect(grafanaDatasourcesSchema.validate(parseYaml(files['config/observability/grafana/datasources.yaml']))).toEqual([]);
  expect(new KamalConfigValidator().validate(parseYaml(files['config/deploy.observability.yml']))).toEqual([]);
  expect(new KamalConfigValidator().validate(parseYaml(files['config/deploy.yml']))).toEqual([]);
});

test('the loki output ships to exactly the Loki construct\'s container name and port', () => {
  // GIVEN
  const { app, stack } = testEstate();
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/fluent-bit.yaml']) as any;
  // THEN
  const [output] = cfg.pipeline.outputs;
  expect(cfg.pipeline.outputs).toHaveLength(1);
  expect(output.name).toBe('loki');
  expect(output.host).toBe(stack.loki.containerName);
  expect(output.host).toBe('rs-textbook-guide-observability-loki');
  expect(output.port).toBe(stack.loki.port);
  expect(output.uri).toBe('/loki/api/v1/push');
  expect(stack.loki.pushUrl).toBe('http://rs-textbook-guide-observability-loki:3100/loki/api/v1/push');
});

test('the Rails role logs with the tag that Fluent Bit filters on, both taken from one source', () => {
  // GIVEN
  const { app, railsLogs } = testEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  const deploy = parseYaml(files['config/deploy.yml']) as any;
  const fluentBit = parseYaml(files['config/observability/fluent-bit.yaml']) as any;
  expect(deploy.servers.web.logging).toEqual({ driver: 'journald', options: { tag: 'rails-web' } });
  expect(deploy.servers.web.logging).toEqual(railsLogs.dockerLogging);
  expect(fluentBit.pipeline.inputs).toHaveLength(1);
  expect(fluentBit.pipeline.inputs[0].systemd_filter).toEqual(['SYSLOG_IDENTIFIER=rails-web', '_SYSTEMD_UNIT=ssh.service', 'SYSLOG_IDENTIFIER=sudo']);
  expect(fluentBit.pipeline.inputs[0].systemd_filter).toContain(railsLogs.systemdFilter);
  expect(fluentBit.pipeline.inputs[0].systemd_filter_type).toBe('or');
});

test('the three sources are queryable by job, host, unit and syslog_identifier, with the bare message as the line', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/fluent-bit.yaml']) as any;
  // THEN
  const [output] = cfg.pipeline.outputs;
  expect(output.labels).toBe('job=fluent-bit, host=$hostname, unit=$systemd_unit');
  expect(output.label_keys).toBe('$syslog_identifier');
  expect(output.structured_metadata).toBe('pid=$pid, container_name=$container_name');
  expect(output.line_format).toBe('json');
  expect(output.drop_single_key).toBe('raw');
  // Only message survives once labels and metadata are taken out, so `raw` applies.
  expect(cfg.pipeline.filters).toEqual([
    { name: 'record_modifier', match: 'journal', allowlist_key: ['message', 'hostname', 'systemd_unit', 'syslog_identifier', 'pid', 'container_name'] },
  ]);
});

test('Grafana\'s single default datasource is Loki at the Loki construct\'s URL', () => {
  // GIVEN
  const { app, stack } = testEstate();
  // WHEN
  const doc = parseYaml(Testing.synth(app)['config/observability/grafana/datasources.yaml']) as any;
  // THEN
  expect(doc.datasources).toHaveLength(1);
  expect(doc.datasources[0]).toMatchObject({ name: 'Loki', type: 'loki', uid: 'loki', access: 'proxy', isDefault: true, editable: false });
  expect(doc.datasources[0].url).toBe(stack.loki.url);
  expect(doc.datasources[0].url).toBe('http://rs-textbook-guide-observability-loki:3100');
});

test('the standalone config uses Kamal\'s local registry, an amd64 builder and Kamal\'s accessory names', () => {
  // GIVEN
  const { app, stack } = testEstate();
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect(cfg.service).toBe('rs-textbook-guide-observability');
  expect(cfg.registry).toEqual({ server: 'localhost:5555' });
  expect(cfg.builder).toEqual({ arch: 'amd64' });
  expect(cfg.image).toBeUndefined();
  expect(cfg.servers).toBeUndefined();
  expect(Object.keys(cfg.accessories)).toEqual(['fluent-bit', 'grafana', 'loki']);
  expect([stack.loki.containerName, stack.fluentBit.containerName, stack.grafana.containerName]).toEqual([
    'rs-textbook-guide-observability-loki',
    'rs-textbook-guide-observability-fluent-bit',
    'rs-textbook-guide-observability-grafana',
  ]);
});

test('each accessory mounts its config from the path its file construct writes', () => {
  // GIVEN
  const { app, stack } = testEstate();
  // WHEN
  const { accessories } = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect(accessories.loki.files).toEqual([`${stack.loki.configFile.path}:/etc/loki/local-config.yaml`]);
  expect(accessories['fluent-bit'].files).toEqual([`${stack.fluentBit.configFile.path}:/fluent-bit/etc/fluent-bit.yaml`]);
  expect(accessories['fluent-bit'].cmd).toBe('-c /fluent-bit/etc/fluent-bit.yaml');
  expect(accessories.grafana.files).toEqual([`${stack.grafana.datasourcesFile.path}:/etc/grafana/provisioning/datasources/datasources.yaml`]);
});

test('state lives in the estate\'s named volumes and the host journal is mounted read-only', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const { accessories } = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect(accessories.loki.volumes).toEqual(['loki-data:/loki']);
  expect(accessories.grafana.volumes).toEqual(['grafana-data:/var/lib/grafana']);
  expect(accessories['fluent-bit'].volumes).toEqual([
    'fluentbit-state:/var/lib/fluent-bit',
    '/var/log/journal:/var/log/journal:ro',
    '/run/log/journal:/run/log/journal:ro',
    '/etc/machine-id:/etc/machine-id:ro',
  ]);
  expect(accessories.loki.port).toBeUndefined();
  expect(accessories['fluent-bit'].port).toBeUndefined();
});

test('Grafana is behind kamal-proxy with TLS and /api/health, its password a secret and its settings clear env', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const { accessories } = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect(accessories.grafana.proxy).toEqual({ host: 'grafana.suubutsuseminar.com', app_port: 3000, ssl: true, healthcheck: { path: '/api/health' } });
  expect(accessories.grafana.env).toEqual({
    clear: {
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_SERVER_ROOT_URL: 'https://grafana.suubutsuseminar.com/',
      GF_USERS_ALLOW_SIGN_UP: 'false',
    },
    secret: ['GF_SECURITY_ADMIN_PASSWORD'],
  });
});

test('every emitted file of the test estate is guarded by a snapshot', () => {
  // GIVEN
  const { app } = testEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  for (const [path, text] of Object.entries(files)) expect(text).toMatchSnapshot(path);
});
