import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { KamalSecrets, SecretSource } from '../../constructs/kamal';
import { GrafanaLogin, JournaldSource, ObservabilityStack, ObservabilityStackProps } from '../../constructs/observability';
import { ExitCode } from '../../cli';
import { App, Erb, parseYaml, Testing } from '../../src';
import { synthIn, tempDir } from '../engine/helpers';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** The stack with one source and its admin secret declared. */
function stackIn(scope: Construct, props: Partial<ObservabilityStackProps> = {}): ObservabilityStack {
  const secret = props.grafanaAdminPasswordSecret ?? 'GF_SECURITY_ADMIN_PASSWORD';
  new KamalSecrets(scope, 'secrets', { withoutDestination: { [secret]: SecretSource.env() } });
  const sudo = JournaldSource.syslogIdentifier(scope, 'sudo', 'sudo');
  return new ObservabilityStack(scope, 'observability', { service: 'obs', host: HOST, grafanaDomain: 'grafana.example.com', sources: [sudo], ...props });
}

/** Synths into a temp folder and returns the error lines and whether the folder was created. */
function failedSynth(build: (app: App) => void): { exitCode: ExitCode; errors: string[]; wrote: boolean } {
  const out = path.join(tempDir('kamal-cdk-observability-'), 'out');
  const run = synthIn(out, [], build);
  const errors = run.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error ['));
  return { exitCode: run.exitCode, errors, wrote: fs.existsSync(out) };
}

test('the datasource URL is asked of Loki, so it follows the stack\'s service name', () => {
  // GIVEN
  const app = Testing.app();
  const stack = stackIn(app);
  // WHEN
  const doc = parseYaml(Testing.synth(app)['config/observability/grafana/datasources.yaml']) as any;
  // THEN
  expect(doc.apiVersion).toBe(1);
  expect(doc.datasources[0].url).toBe('http://obs-loki:3100');
  expect(stack.grafana.lokiDatasourceUid).toBe(doc.datasources[0].uid);
});

test('a datasource overridden away from the Loki construct fails synth on the Grafana, and nothing is written', () => {
  // GIVEN
  const build = (app: App) => {
    const { grafana } = stackIn(app);
    const [ds] = (grafana.datasourcesFile.toObject() as any).datasources;
    grafana.datasourcesFile.addOverride('datasources', [{ ...ds, url: 'http://loki:3100' }]);
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
  expect(run.errors).toEqual([
    "error [observability/Deploy/grafana] config/observability/grafana/datasources.yaml: datasource 'Loki' queries http://loki:3100, but [observability/Deploy/loki] serves http://obs-loki:3100 — remove the override of url; it comes from the Loki construct",
    "error [observability/Deploy/grafana] config/observability/grafana/datasources.yaml: datasources/0/url (Grafana datasource 'Loki', deployed with config/deploy.observability.yml) points at loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names",
  ]);
  expect(run.wrote).toBe(false);
});

test('a second default datasource added by override fails synth through the file\'s schema', () => {
  // GIVEN
  const app = Testing.app();
  const { grafana } = stackIn(app);
  const [ds] = (grafana.datasourcesFile.toObject() as any).datasources;
  grafana.datasourcesFile.addOverride('datasources', [ds, { name: 'Other', type: 'loki', uid: 'other', url: ds.url, isDefault: true }]);
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [observability/Deploy/grafana/Datasources] out/config/observability/grafana/datasources.yaml: /datasources/1/isDefault only one data source per organization can be marked as default, and 'Loki' (datasources/0) already is in org 1; Grafana would refuse every provisioning file",
  ]);
});

test('the Grafana route is restricted by Grafana login, which holds in the emitted config', () => {
  // GIVEN
  const app = Testing.app();
  const { deploy, grafana } = stackIn(app);
  // WHEN
  const access = grafana.proxy!.access!;
  const problems = access.control!.verify({ config: deploy.effectiveConfig(), target: { kind: 'accessory', name: 'grafana' }, container: deploy.view().accessories.find((c) => c.name === 'grafana')! });
  // THEN
  expect(access.isPublic).toBe(false);
  expect(access.control!.description).toBe('Grafana login');
  expect(problems).toEqual([]);
});

test('Grafana login does not hold once anonymous access is switched on or the admin password is not passed', () => {
  // GIVEN
  const app = Testing.app();
  const { deploy } = stackIn(app);
  deploy.addOverride('accessories.grafana.env', { clear: { GF_AUTH_ANONYMOUS_ENABLED: 'true', GF_USERS_ALLOW_SIGN_UP: 'false' } });
  // WHEN
  const problems = new GrafanaLogin().verify({ config: deploy.effectiveConfig(), target: { kind: 'accessory', name: 'grafana' }, container: deploy.view().accessories.find((c) => c.name === 'grafana')! });
  // THEN
  expect(problems).toEqual(["env GF_AUTH_ANONYMOUS_ENABLED is not 'false'", 'secret env GF_SECURITY_ADMIN_PASSWORD is not passed']);
});

test('the admin password can come from a differently named secret, still as GF_SECURITY_ADMIN_PASSWORD', () => {
  // GIVEN
  const app = Testing.app();
  stackIn(app, { grafanaAdminPasswordSecret: 'GRAFANA_ADMIN_PASSWORD' });
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect(cfg.accessories.grafana.env.secret).toEqual(['GF_SECURITY_ADMIN_PASSWORD:GRAFANA_ADMIN_PASSWORD']);
});

test('no grafana.ini is emitted: its settings are GF_* env', () => {
  // GIVEN
  const app = Testing.app();
  stackIn(app);
  // WHEN
  const paths = Object.keys(Testing.synth(app));
  // THEN
  expect(paths.filter((p) => p.includes('grafana'))).toEqual(['config/observability/grafana/datasources.yaml']);
});

test('a Grafana domain that is not a bare host name is refused', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const declare = () => stackIn(app, { grafanaDomain: 'https://grafana.example.com/' });
  // THEN
  expect(declare).toThrow("[observability/Deploy/grafana] 'https://grafana.example.com/' is not a host name; give the bare domain kamal-proxy routes, e.g. 'grafana.example.com'");
});

test('image overrides reach the accessories', () => {
  // GIVEN
  const app = Testing.app();
  stackIn(app, { lokiImage: 'grafana/loki:3.4.2', fluentBitImage: 'fluent/fluent-bit:4.2.3', grafanaImage: 'grafana/grafana:12.3.2' });
  // WHEN
  const { accessories } = parseYaml(Testing.synth(app)['config/deploy.observability.yml']) as any;
  // THEN
  expect([accessories.loki.image, accessories['fluent-bit'].image, accessories.grafana.image]).toEqual([
    'grafana/loki:3.4.2',
    'fluent/fluent-bit:4.2.3',
    'grafana/grafana:12.3.2',
  ]);
});
