import { Estate } from '../../constructs/estate';
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { KamalDeploy } from '../../constructs/kamal';
import { FluentBit, JournaldSource, Loki } from '../../constructs/observability';
import { ExitCode } from '../../cli';
import { App, Erb, parseYaml, Testing, YamlFile } from '../../src';
import { synthIn, tempDir } from '../engine/helpers';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** A standalone accessories config with a Loki and a Fluent Bit beside it. */
function logStack(scope: Construct, opts: { fluentBitHost?: string; sources?: (scope: Construct) => JournaldSource[] } = {}) {
  const deploy = new KamalDeploy(scope, 'logs', { file: 'config/deploy.logs.yml', service: 'infra-logs', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' } });
  const loki = new Loki(deploy, 'loki', { host: HOST });
  const sources = opts.sources ? opts.sources(scope) : [JournaldSource.syslogIdentifier(scope, 'sudo', 'sudo')];
  const fluentBit = new FluentBit(deploy, 'fluent-bit', { host: opts.fluentBitHost ?? HOST, loki, sources });
  return { deploy, loki, fluentBit };
}

/** Synths into a temp folder and returns the error lines and whether the folder was created. */
function failedSynth(build: (app: App) => void): { exitCode: ExitCode; errors: string[]; wrote: boolean } {
  const out = path.join(tempDir('kamal-cdk-observability-'), 'out');
  const run = synthIn(out, [], build);
  const errors = run.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error ['));
  return { exitCode: run.exitCode, errors, wrote: fs.existsSync(out) };
}

test('Fluent Bit asks Loki for host and port, so they follow the config\'s service name', () => {
  // GIVEN
  const app = Testing.app();
  const { fluentBit } = logStack(app);
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/fluent-bit.yaml']) as any;
  // THEN
  expect(cfg.pipeline.outputs[0].host).toBe('infra-logs-loki');
  expect(cfg.pipeline.outputs[0].port).toBe(3100);
  expect(fluentBit.healthUrl).toBe('http://infra-logs-fluent-bit:2020/api/v1/health');
});

test('the config is Fluent Bit YAML, chosen by its extension and passed with -c', () => {
  // GIVEN
  const app = Testing.app();
  const { deploy, fluentBit } = logStack(app);
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect(fluentBit.configFile).toBeInstanceOf(YamlFile);
  expect(fluentBit.configFile.path).toBe('config/observability/fluent-bit.yaml');
  expect(deploy.effectiveConfig().accessories!['fluent-bit'].cmd).toBe('-c /fluent-bit/etc/fluent-bit.yaml');
  const cfg = parseYaml(files['config/observability/fluent-bit.yaml']) as any;
  expect(Object.keys(cfg)).toEqual(['service', 'pipeline']);
  expect(cfg.service).toMatchObject({ http_server: true, http_port: 2020, health_check: true, 'storage.path': '/var/lib/fluent-bit/storage' });
});

test('one systemd input reads every source with its own cursor DB in the state volume', () => {
  // GIVEN
  const app = Testing.app();
  logStack(app, {
    sources: (s) => [
      JournaldSource.syslogIdentifier(s, 'rails', 'rails-web'),
      JournaldSource.systemdUnit(s, 'ssh', 'ssh.service'),
      JournaldSource.syslogIdentifier(s, 'sudo', 'sudo'),
    ],
  });
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/observability/fluent-bit.yaml']) as any;
  // THEN
  expect(cfg.pipeline.inputs).toEqual([
    {
      name: 'systemd',
      tag: 'journal',
      systemd_filter: ['SYSLOG_IDENTIFIER=rails-web', '_SYSTEMD_UNIT=ssh.service', 'SYSLOG_IDENTIFIER=sudo'],
      systemd_filter_type: 'or',
      db: '/var/lib/fluent-bit/journal.db',
      'db.sync': 'normal',
      read_from_tail: true,
      strip_underscores: true,
      lowercase: true,
      'storage.type': 'filesystem',
    },
  ]);
});

test('adding a source twice, or two sources with the same match, emits the filter once', () => {
  // GIVEN
  const app = Testing.app();
  const { fluentBit } = logStack(app);
  const again = JournaldSource.syslogIdentifier(app, 'sudo-again', 'sudo');
  // WHEN
  fluentBit.addSource(fluentBit.sources[0]);
  fluentBit.addSource(again);
  // THEN
  expect(fluentBit.sources).toHaveLength(2);
  expect(fluentBit.systemdFilters).toEqual(['SYSLOG_IDENTIFIER=sudo']);
  expect(Testing.errors(app)).toEqual([]);
});

test('FluentBit.all lists the collectors of one App', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const { fluentBit } = logStack(app);
  // THEN
  expect(FluentBit.all(app)).toEqual([fluentBit]);
  expect(FluentBit.all(Testing.app())).toEqual([]);
});

test('a loki output overridden away from the Loki construct fails synth on the FluentBit, and nothing is written', () => {
  // GIVEN
  const build = (app: App) => {
    const { fluentBit } = logStack(app);
    const [output] = (fluentBit.configFile.toObject() as any).pipeline.outputs;
    fluentBit.configFile.addOverride('pipeline.outputs', [{ ...output, host: 'loki', port: 3101 }]);
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
  expect(run.errors).toEqual([
    'error [logs/fluent-bit] config/observability/fluent-bit.yaml: pipeline/outputs/0/host (Fluent Bit\'s loki output, deployed with config/deploy.logs.yml) points at loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names',
    'error [logs/fluent-bit] config/observability/fluent-bit.yaml: the loki output ships to loki:3101, but [logs/loki] listens at infra-logs-loki:3100 — remove the override of host/port; they come from the Loki construct',
  ]);
  expect(run.wrote).toBe(false);
});

test('a FluentBit with no source fails synth, since an unfiltered systemd input ships the whole journal', () => {
  // GIVEN
  const build = (app: App) => {
    logStack(app, { sources: () => [] });
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.errors).toEqual([
    'error [logs/fluent-bit] collects no journald source, and a systemd input without systemd_filter ships the whole journal — add one with addSource(JournaldSource.syslogIdentifier(...))',
  ]);
  expect(run.wrote).toBe(false);
});

test('a FluentBit on another server than its Loki fails synth, since the kamal network is per host', () => {
  // GIVEN
  const build = (app: App) => {
    logStack(app, { fluentBitHost: '10.0.0.2' });
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.errors).toEqual([
    "error [logs/fluent-bit] config/observability/fluent-bit.yaml: pipeline/outputs/0/host (Fluent Bit's loki output, deployed with config/deploy.logs.yml) points at container infra-logs-loki, " +
      'which runs on $KAMAL_SERVER_IP_ADDRESS (network kamal, config/deploy.logs.yml) but not on host 10.0.0.2 network kamal, where accessories/fluent-bit of config/deploy.logs.yml runs' +
      " — container names resolve only on their own host's Docker network; run them on the same host and network",
    // Loki says what to declare so that it can be reached from the other host.
    "error [logs/loki] clients on 10.0.0.2 connect to it on $KAMAL_SERVER_IP_ADDRESS, where its container name resolves only on that host's Docker network, and $KAMAL_SERVER_IP_ADDRESS is not a declared Host — " +
      'declare a Host with a privateAddress on a PrivateNetwork and place it there, or run the clients on its host',
  ]);
  expect(run.wrote).toBe(false);
});

test('a second loki output added by override must carry workers: 1, as the schema\'s upstream-pitfall rule says', () => {
  // GIVEN
  const app = Testing.app();
  const { fluentBit } = logStack(app);
  const [output] = (fluentBit.configFile.toObject() as any).pipeline.outputs;
  fluentBit.configFile.addOverride('pipeline.outputs', [output, { ...output, labels: 'job=copy' }]);
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toHaveLength(2);
  expect(errors[0]).toMatch(/^error \[logs\/fluent-bit\/Config\] out\/config\/observability\/fluent-bit\.yaml: \/pipeline\/outputs\/0 with 2 loki outputs each needs workers: 1/);
});

test('a job label that would break the labels list is refused', () => {
  // GIVEN
  const app = Testing.app();
  const deploy = new KamalDeploy(app, 'logs', { service: 'logs', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' } });
  const loki = new Loki(deploy, 'loki', { host: HOST });
  // WHEN
  const declare = () => new FluentBit(deploy, 'fluent-bit', { host: HOST, loki, job: 'a, b=c' });
  // THEN
  expect(declare).toThrow("[logs/fluent-bit] job label 'a, b=c' must be letters, digits, '_', '.' and '-' (it goes into a comma list)");
});

test('a role that logs to journald with a hand-typed tag no FluentBit collects is a warning on its config', () => {
  // GIVEN
  const app = Testing.app();
  new Estate(app, 'estate');
  logStack(app);
  new KamalDeploy(app, 'shop', {
    service: 'shop',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST], proxy: false, logging: { driver: 'journald', options: { tag: 'shop-web' } } } },
  });
  // WHEN
  const synthesis = Testing.synthesize(app);
  // THEN
  expect(synthesis.errors).toEqual([]);
  expect(synthesis.warnings.map((w) => [w.path, w.id, w.message])).toEqual([
    [
      'shop',
      'observability:journald-not-collected',
      "config/deploy.yml: role web logs to journald with tag 'shop-web', which no FluentBit collects — log through a JournaldSource's dockerLogging and add the source to the FluentBit",
    ],
  ]);
});

test('a role that logs through a collected source\'s dockerLogging raises no warning', () => {
  // GIVEN
  const app = Testing.app();
  new Estate(app, 'estate');
  const { fluentBit } = logStack(app);
  const shopLogs = JournaldSource.syslogIdentifier(app, 'shop-logs', 'shop-web');
  fluentBit.addSource(shopLogs);
  new KamalDeploy(app, 'shop', {
    service: 'shop',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST], proxy: false, logging: shopLogs.dockerLogging } },
  });
  // WHEN
  const synthesis = Testing.synthesize(app, true);
  // THEN
  expect(synthesis.errors).toEqual([]);
  expect(synthesis.warnings).toEqual([]);
});
