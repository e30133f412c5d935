/**
 * A synthetic estate of N apps for the benchmark: each app a KamalDeploy with two destinations,
 * a Postgres accessory per destination, a kamal-proxy route, 10 clear and 3 secret env vars;
 * spread over N/10 hosts so the same-host checks have real work; one registry stack and one log
 * stack shared by all. Valid as generated: synth must pass every check.
 */
import { Estate } from '../constructs/estate';
import { EndpointAccess, KamalDeploy, KamalSecrets, PostgresAccessory, SecretSource } from '../constructs/kamal';
import { JournaldSource, ObservabilityStack } from '../constructs/observability';
import { DockerAuth, RegistryStack } from '../constructs/registry';
import { App } from '../src';

export function generateEstate(app: App, n: number): Estate {
  const estate = new Estate(app, 'estate');
  const hostCount = Math.max(1, Math.ceil(n / 10));
  // Documentation addresses (TEST-NET-1): config text only, nothing connects to them.
  const hosts = Array.from({ length: hostCount }, (_, i) => `192.0.2.${i + 1}`);
  const logs = JournaldSource.syslogIdentifier(estate, 'AppLogs', 'app-web');

  const registry = new RegistryStack(estate, 'registry', {
    service: 'bench-registry',
    domain: 'registry.bench.example',
    host: hosts[0],
    users: [{ name: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }],
  });
  new ObservabilityStack(estate, 'observability', {
    service: 'bench-observability',
    host: hosts[0],
    grafanaDomain: 'grafana.bench.example',
    sources: [logs],
  });

  for (let i = 0; i < n; i++) {
    const host = hosts[i % hostCount];
    const slot = Math.floor(i / hostCount); // position of the app on its host
    const name = `app${String(i).padStart(4, '0')}`;
    const deploy = new KamalDeploy(estate, name, {
      file: `config/${name}/deploy.yml`,
      service: name,
      image: `bench/${name}`,
      registry: { server: registry.server, username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      builder: { arch: 'amd64' },
      roles: { web: { hosts: [host], logging: logs.dockerLogging } },
      proxy: { ssl: true, forwardHeaders: true, healthcheck: { path: '/up' } },
      env: {
        clear: { RAILS_ENV: 'production', RAILS_LOG_LEVEL: 'info', WEB_CONCURRENCY: '2', RAILS_MAX_THREADS: '5', TZ: 'UTC', APP_NAME: name, FEATURE_X: 'on' },
        secrets: ['RAILS_MASTER_KEY', 'SMTP_PASSWORD'],
      },
    });
    ['production', 'staging'].forEach((dest, d) => {
      const destination = deploy.addDestination(dest, {
        service: d === 0 ? name : `${name}-staging`,
        proxy: { hosts: [`${name}${d === 0 ? '' : '-stg'}.bench.example`], access: EndpointAccess.public() },
      });
      const db = new PostgresAccessory(destination, d === 0 ? 'postgres' : 'postgres-staging', {
        host,
        port: 5432 + slot * 2 + d,
        volume: `${name}-${dest}-data`,
        databases: [`${name}_${dest}`],
      });
      destination.addEnv(db.connectionEnv());
    });
  }

  new KamalSecrets(estate, 'secrets', {
    common: {
      KAMAL_REGISTRY_PASSWORD: SecretSource.env(),
      RAILS_MASTER_KEY: SecretSource.env(),
      SMTP_PASSWORD: SecretSource.env(),
      POSTGRES_PASSWORD: SecretSource.env(),
    },
    withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env(), ...DockerAuth.passwordHashSecrets(registry.auth) },
  });
  return estate;
}
