/**
 * The multi-host example estate: one Rails app on five servers, deployed with Kamal 2.
 *
 *   web-1, web-2  the web role behind kamal-proxy, TLS with a custom certificate (Kamal's
 *                 automatic Let's Encrypt TLS works on one server only)
 *   jobs          the jobs role (Solid Queue's bin/jobs), no proxy
 *   db            PostgreSQL and Valkey, reached from the others on the private network only
 *   ops           the private Docker registry, Loki and Grafana
 * and Fluent Bit on every host, shipping its journal to Loki over the private network. Deployed
 * with ./setup_production.sh, then ./deploy_production.sh or its GitHub Actions workflow.
 *
 * Public addresses are from the documentation ranges (RFC 5737) and the private network is
 * 10.0.0.0/24: they are config values only, never contacted.
 *
 *   cd examples/multi-host
 *   node ../../bin/kamal-cdk.js synth    validate and write out/
 *   node ../../bin/kamal-cdk.js check    compare out/ with a fresh synth (CI runs this)
 */
import { OperationsPage } from '../../constructs/docs';
import { Estate } from '../../constructs/estate';
import { EndpointAccess, Host, KamalSecrets, PrivateNetwork, SecretSource } from '../../constructs/kamal';
import { JournaldSource, ObservabilityStack } from '../../constructs/observability';
import { DeployWorkflow, KamalDeployScripts, RailsApp } from '../../constructs/rails';
import { DockerAuth, RegistryStack } from '../../constructs/registry';
import { App } from '../../src';

/** Builds the whole estate under `app` (the tests call it too). */
export function buildEstate(app: App): Estate {
  const estate = new Estate(app, 'estate');

  // The servers, declared once and placed by object. Every host is on the private network: the
  // database, the cache and Loki are published on their host's private address only.
  const lan = new PrivateNetwork(estate, 'lan', { cidr: '10.0.0.0/24' });
  const host = (id: string, address: string, privateAddress: string) => new Host(estate, id, { address, privateNetwork: lan, privateAddress });
  const web1 = host('web-1', '192.0.2.10', '10.0.0.10');
  const web2 = host('web-2', '192.0.2.11', '10.0.0.11');
  const jobs = host('jobs', '198.51.100.20', '10.0.0.20');
  const db = host('db', '198.51.100.30', '10.0.0.30');
  const ops = host('ops', '203.0.113.40', '10.0.0.40');

  // What Fluent Bit collects on every host: the app's containers (Docker's journald driver, with
  // the tag of their source), SSH and sudo.
  const webLogs = JournaldSource.syslogIdentifier(estate, 'WebLogs', 'shop-web', { description: 'the web role (Docker journald log driver, tag shop-web)' });
  const jobLogs = JournaldSource.syslogIdentifier(estate, 'JobLogs', 'shop-jobs', { description: 'the jobs role (Docker journald log driver, tag shop-jobs)' });
  JournaldSource.systemdUnit(estate, 'SshLogs', 'ssh.service', { description: "each host's SSH daemon" });
  JournaldSource.syslogIdentifier(estate, 'SudoLogs', 'sudo', { description: 'sudo on each host' });

  // The private registry on ops, in its own config (config/deploy.registry.yml). One server, so
  // kamal-proxy's automatic TLS is fine there.
  const registry = new RegistryStack(estate, 'registry', {
    service: 'shop-registry',
    domain: 'registry.example.com',
    host: ops,
    users: [{ name: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }],
    secretsPath: '.kamal/registry-secrets',
  });

  // The Rails app: web on two hosts, jobs on a third; its database and cache on db.
  const shop = new RailsApp(estate, 'shop', {
    service: 'shop',
    image: 'acme/shop',
    registry: registry.loginAs('deploy'),
    hosts: [web1, web2],
    logging: webLogs.dockerLogging,
    // One certificate for both web hosts, from the secrets (a wildcard or a SAN certificate
    // bought or issued with DNS validation, renewed by the operator).
    tls: { certificatePem: 'SHOP_TLS_CERTIFICATE', privateKeyPem: 'SHOP_TLS_PRIVATE_KEY' },
    roles: { jobs: { cmd: 'bin/jobs', hosts: [jobs], logging: jobLogs.dockerLogging } },
    rails: { activeStorage: 's3', actionCable: 'redis', cacheStore: 'redis', forceSsl: false, assumeSsl: true },
  });
  const production = shop.addDestination('production', {
    domain: 'shop.example.com',
    access: EndpointAccess.public(),
    database: {
      host: db,
      version: 18,
      volume: 'shop-postgres',
      databases: ['shop_production', 'shop_production_cache', 'shop_production_queue'],
    },
    redis: { engine: 'valkey', version: '8.1', volume: 'shop-valkey', passwordSecret: 'REDIS_PASSWORD' },
  });

  // The log stack on ops (config/deploy.observability.yml), Fluent Bit on every host.
  new ObservabilityStack(estate, 'observability', {
    service: 'shop-observability',
    host: ops,
    fluentBitHosts: [web1, web2, jobs, db, ops],
    grafanaDomain: 'grafana.example.com',
    sources: JournaldSource.all(estate),
  });

  // Secrets by name; values come from the deployer's environment.
  const secrets = new KamalSecrets(estate, 'secrets', {
    common: {
      RAILS_MASTER_KEY: SecretSource.env(),
      POSTGRES_PASSWORD: SecretSource.env(),
      REDIS_PASSWORD: SecretSource.env(),
      KAMAL_REGISTRY_PASSWORD: SecretSource.env(),
      SHOP_TLS_CERTIFICATE: SecretSource.env(),
      SHOP_TLS_PRIVATE_KEY: SecretSource.env(),
    },
    withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env() },
  });
  new KamalSecrets(estate, 'registry-secrets', {
    path: '.kamal/registry-secrets',
    withoutDestination: DockerAuth.passwordHashSecrets(registry.auth),
  });

  // The deploy flow: ./setup_production.sh the first time, ./deploy_production.sh after. The hosts
  // are the addresses above, written in the config, so the scripts look nothing up in the Rails
  // credentials. GitHub Actions runs the deploy script by hand only; its env is derived from the
  // secrets files.
  const scripts = new KamalDeployScripts(estate, 'production-scripts', { destination: production });
  new DeployWorkflow(estate, 'production-workflow', { scripts, secrets, triggers: { manual: true } });

  // The operations page: hosts, endpoints, containers per host, secrets and log collection, read
  // from the configs above (docs/src/content/docs/server-architecture.md, for a Starlight site).
  new OperationsPage(estate, 'operations-page');
  return estate;
}

// Run only as the entry point (kamal-cdk synth), not when imported by tests.
if (process.argv[1] === __filename) {
  const app = new App();
  buildEstate(app);
  app.synth();
}
