import { SecretSource } from '../../constructs/kamal';
import { FluentBit, JournaldSource, ObservabilityStack } from '../../constructs/observability';
import { parseYaml, Testing } from '../../src';
import { twoHosts } from '../fixtures/estate/hosts';

/** The log stack on db, the shop's web role on web logging to journald with a collected tag. */
function logged(options: { fluentBitOnWeb: boolean; network?: boolean }) {
  const t = twoHosts({ network: options.network });
  t.secrets.addWithoutDestination('GF_SECURITY_ADMIN_PASSWORD', SecretSource.env());
  const web = JournaldSource.syslogIdentifier(t.estate, 'WebLogs', 'shop-web');
  JournaldSource.systemdUnit(t.estate, 'SshLogs', 'ssh.service');
  t.shop.addOverride('logging', web.dockerLogging);
  const stack = new ObservabilityStack(t.estate, 'logs', {
    service: 'logs',
    host: t.db,
    fluentBitHosts: options.fluentBitOnWeb ? [t.web, t.db] : [t.db],
    grafanaDomain: 'grafana.example.com',
    sources: JournaldSource.all(t.estate),
  });
  return { ...t, stack };
}

test('Fluent Bit on every host: one config, shipping to Loki at its host\'s private address, which Loki publishes there', () => {
  // GIVEN
  const { app, stack } = logged({ fluentBitOnWeb: true });
  // WHEN
  const files = Testing.synth(app);
  const cfg = parseYaml(files['config/deploy.observability.yml']) as any;
  // THEN
  expect(cfg.accessories['fluent-bit'].hosts).toEqual(['192.0.2.10', '198.51.100.30']);
  expect((parseYaml(files['config/observability/fluent-bit.yaml']) as any).pipeline.outputs[0]).toMatchObject({ host: '10.0.0.30', port: 3100 });
  expect(cfg.accessories.loki.port).toBe('10.0.0.30:3100:3100');
  expect(stack.fluentBit.servers).toEqual(['192.0.2.10', '198.51.100.30']);
  expect(Testing.synthesize(app).warnings).toEqual([]);
});

test('a role logging on a host where no Fluent Bit runs, and a host with no Fluent Bit, are warnings naming the host', () => {
  // GIVEN
  const { app } = logged({ fluentBitOnWeb: false });
  // WHEN
  const warnings = Testing.synthesize(app).warnings.map((w) => `${w.id}: [${w.path}] ${w.message}`);
  // THEN
  expect(warnings).toEqual([
    'observability:host-not-collected: [estate/logs/Deploy/fluent-bit] host web (192.0.2.10) runs containers of the estate but no FluentBit, so its journal (_SYSTEMD_UNIT=ssh.service) is never collected — ' +
      'run the FluentBit there too (FluentBit hosts, ObservabilityStack fluentBitHosts)',
    "observability:journald-not-collected: [estate/shop] config/deploy.yml: role web logs to journald with tag 'shop-web' on host web (192.0.2.10), where no FluentBit runs, so its logs stay there — " +
      'run a FluentBit collecting it on every host of the role (FluentBit hosts, ObservabilityStack fluentBitHosts)',
  ]);
});

test('Fluent Bit on a host off Loki\'s private network is an error on Loki naming both hosts and what to declare', () => {
  // GIVEN
  const { app } = logged({ fluentBitOnWeb: true, network: false });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/logs/Deploy/loki] clients on web (192.0.2.10) connect to it on db (198.51.100.30), where its container name resolves only on that host's Docker network, and db has no private address — " +
      "declare a PrivateNetwork and give db and the clients' hosts a privateAddress on it (HostProps privateNetwork, privateAddress), or run the clients on db",
  );
});

test('FluentBit takes exactly one of host or hosts', () => {
  // GIVEN
  const { db, stack } = logged({ fluentBitOnWeb: true });
  // THEN
  expect(() => new FluentBit(stack.deploy, 'fb2', { host: db, hosts: [db], loki: stack.loki, configPath: 'config/x.yaml' })).toThrow(
    '[estate/logs/Deploy/fb2] give exactly one of host or hosts: the servers whose journal it reads',
  );
});
