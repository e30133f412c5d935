/**
 * The rs-textbook-guide estate: one VPS running the production and staging Rails apps, their
 * PostgreSQL databases, the private Docker registry and the log stack, all deployed with Kamal 2.
 * Facts come from the operations page (shared/ESTATE.md); where it is silent, the choice made is
 * said in a comment.
 *
 *   npm run synth    validate and write out/
 *   npm run check    compare out/ with a fresh synth
 */
import { OperationsPage } from './constructs/docs';
import { Estate } from './constructs/estate';
import { DocsDeployWorkflow } from './constructs/github';
import { BasicAuth, EndpointAccess, KamalSecrets, SecretSource } from './constructs/kamal';
import { JournaldSource, ObservabilityStack } from './constructs/observability';
import { DeployWorkflow, KamalDeployScripts, RailsApp } from './constructs/rails';
import { DockerAuth, RegistryStack } from './constructs/registry';
import { Annotations, App, Erb } from './src';

/** Builds the whole estate under `app`. */
export function buildEstate(app: App): Estate {
  const estate = new Estate(app, 'estate');

  // The one VPS. Its address is never written down: every deploy*.yml reads it at deploy time
  // from KAMAL_SERVER_IP_ADDRESS, which the setup/deploy scripts export from the Rails
  // credentials (kamal.server_ip).
  const vps = Erb.env('KAMAL_SERVER_IP_ADDRESS');

  // What Fluent Bit collects from the host journal. The Rails role logs through Docker's journald
  // driver with the tag of the first source, so the tag and the filter can't disagree.
  const railsLogs = JournaldSource.syslogIdentifier(estate, 'RailsLogs', 'rails-web', {
    description: 'Rails containers (Docker journald log driver, tag rails-web)',
  });
  JournaldSource.systemdUnit(estate, 'SshLogs', 'ssh.service', { description: "the VPS's SSH daemon" });
  JournaldSource.syslogIdentifier(estate, 'SudoLogs', 'sudo', { description: 'sudo on the VPS' });

  // The private registry, in its own config (config/deploy.registry.yml). Service name: the page
  // names none; rs-textbook-guide-registry follows the observability config's naming.
  const registry = new RegistryStack(estate, 'registry', {
    service: 'rs-textbook-guide-registry',
    domain: 'repo.suubutsuseminar.com',
    host: vps,
    users: [{ name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }],
    // Its own secrets file: only this config needs docker_auth's password hash, so only its
    // deploys run htpasswd to derive it.
    secretsPath: '.kamal/registry-secrets',
  });

  // The Rails app: production and staging are two destinations of one config family, on the
  // same host, with separate service names, databases, ports and volumes.
  const guide = new RailsApp(estate, 'app', {
    service: 'rs-textbook-guide',
    image: 'daichi-629/rs-textbook-guide',
    registry: registry.loginAs('admin'),
    host: vps,
    logging: railsLogs.dockerLogging,
    // What the app's repository says (the operations page records each):
    rails: {
      activeStorage: 'local', // config/storage.yml: local disk under /app/storage
      actionCable: 'redis', // config/cable.yml production: redis adapter
      forceSsl: false, // config/environments/production.rb: commented out
      assumeSsl: false,
    },
  });
  const production = guide.addDestination('production', {
    domain: 'guide.suubutsuseminar.com',
    access: EndpointAccess.public(),
    storageVolume: 'rs_textbook_guide_storage',
    database: { version: 18, volume: 'data', databases: ['rs_textbook_guide_production', 'rs_textbook_guide_production_cache'] },
  });
  const staging = guide.addDestination('staging', {
    service: 'rs-textbook-guide-staging',
    image: 'daichi-629/rs-textbook-guide-staging',
    domain: 'guide-stg.suubutsuseminar.com',
    access: EndpointAccess.restricted(new BasicAuth()),
    storageVolume: 'rs_textbook_guide_storage-staging',
    // Accessory containers are named <service>-<accessory> without the destination, so staging's
    // is called postgres-staging: its container is rs-textbook-guide-staging-postgres-staging.
    database: { name: 'postgres-staging', version: 18, port: 5433, volume: 'data-staging', databases: ['rs_textbook_guide_staging', 'rs_textbook_guide_staging_cache'] },
  });
  Annotations.of(guide).acknowledge(
    'rails:tls-at-proxy',
    'by design: kamal-proxy terminates TLS for every domain and forward_headers passes the scheme to Rails',
  );

  // The log stack, in its own config (config/deploy.observability.yml): Loki's container is
  // rs-textbook-guide-observability-loki, the host Fluent Bit and Grafana use.
  new ObservabilityStack(estate, 'observability', {
    service: 'rs-textbook-guide-observability',
    host: vps,
    grafanaDomain: 'grafana.suubutsuseminar.com',
    sources: JournaldSource.all(estate),
  });

  // Secrets by name. Values come from the deployer's environment: GitHub Actions secrets for
  // the deploy workflows, exported variables when run by hand (RAILS_MASTER_KEY too: the deploy
  // workflows have no config/master.key). The observability config runs without a destination,
  // so its secret sits in .kamal/secrets.
  const secrets = new KamalSecrets(estate, 'secrets', {
    common: {
      RAILS_MASTER_KEY: SecretSource.env(),
      POSTGRES_PASSWORD: SecretSource.env(),
      KAMAL_REGISTRY_PASSWORD: SecretSource.env(),
    },
    destinations: {
      staging: { BASIC_AUTH_USERNAME: SecretSource.env(), BASIC_AUTH_PASSWORD: SecretSource.env() },
    },
    withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env() },
  });
  // docker_auth needs a bcrypt hash of the registry password; it is derived at deploy time from
  // KAMAL_REGISTRY_PASSWORD, so the password has one source and no hash is ever stored.
  new KamalSecrets(estate, 'registry-secrets', {
    path: '.kamal/registry-secrets',
    withoutDestination: DockerAuth.passwordHashSecrets(registry.auth),
  });

  // The deploy flow (the page's sequence diagram and scripts table): ./setup_<destination>.sh the
  // first time, ./deploy_<destination>.sh after, each exporting the server address from the Rails
  // credentials (kamal.server_ip). GitHub Actions runs the deploy scripts: staging on every push to
  // main and by hand, production only by hand. The workflows' env is derived from the secrets files.
  const mainBranch = 'main';
  const stagingScripts = new KamalDeployScripts(estate, 'staging-scripts', { destination: staging });
  new DeployWorkflow(estate, 'staging-workflow', { scripts: stagingScripts, secrets, triggers: { pushBranches: [mainBranch], manual: true } });
  const productionScripts = new KamalDeployScripts(estate, 'production-scripts', { destination: production });
  new DeployWorkflow(estate, 'production-workflow', { scripts: productionScripts, secrets, triggers: { manual: true } });

  // The docs site (Astro Starlight in docs/) goes to Cloudflare Pages on pushes to main that touch
  // docs/**. The page names no Pages project; rs-textbook-guide-docs follows the estate's naming
  // (rs-textbook-guide-registry, rs-textbook-guide-observability), so the site is served at
  // rs-textbook-guide-docs.pages.dev until a custom domain is attached.
  const docs = new DocsDeployWorkflow(estate, 'docs', { projectName: 'rs-textbook-guide-docs', branch: mainBranch });

  // The operations page (the Japanese server-architecture page it replaces), generated from the
  // configs above into the docs site, so a change to the estate republishes it.
  new OperationsPage(estate, 'operations-page', { site: docs, language: 'ja' });
  return estate;
}

// Run only as the entry point (npm run synth), not when imported by tests, scripts or bundles.
if (process.argv[1] === __filename) {
  const app = new App();
  buildEstate(app);
  app.synth();
}
