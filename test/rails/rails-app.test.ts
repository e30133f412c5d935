import * as fs from 'fs';
import { synthApp } from '../../cli';
import * as YAML from 'yaml';
import { Estate } from '../../constructs/estate';
import { Accessory, BasicAuth, EndpointAccess, KamalSecrets, RedisAccessory, SecretSource } from '../../constructs/kamal';
import { RailsApp, RailsSettings } from '../../constructs/rails';
import { Annotations, App, Erb, Testing } from '../../src';

function railsEstate(rails: RailsSettings) {
  const app = Testing.app();
  const estate = new Estate(app, 'estate');
  new KamalSecrets(estate, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env(), RAILS_MASTER_KEY: SecretSource.env(), POSTGRES_PASSWORD: SecretSource.env() },
    destinations: { staging: { BASIC_AUTH_USERNAME: SecretSource.env(), BASIC_AUTH_PASSWORD: SecretSource.env() } },
  });
  const rails_ = new RailsApp(estate, 'app', {
    service: 'guide',
    image: 'acme/guide',
    registry: { server: 'registry.example.com', username: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    host: Erb.env('KAMAL_SERVER_IP_ADDRESS'),
    rails,
  });
  const production = rails_.addDestination('production', {
    domain: 'guide.example.com',
    access: EndpointAccess.public(),
    storageVolume: 'guide_storage',
    database: { volume: 'data', databases: ['guide_production', 'guide_production_cache'] },
  });
  rails_.addDestination('staging', {
    service: 'guide-staging',
    domain: 'guide-stg.example.com',
    access: EndpointAccess.restricted(new BasicAuth()),
    storageVolume: 'guide_storage-staging',
    database: { name: 'postgres-staging', port: 5433, volume: 'data-staging', databases: ['guide_staging', 'guide_staging_cache'] },
  });
  return { app, rails: rails_, production };
}

const HAZARDOUS: RailsSettings = { activeStorage: 'local', actionCable: 'redis', forceSsl: false, assumeSsl: false };

test('a Rails app on Kamal gets TLS at kamal-proxy, forwarded headers and the /up health check', () => {
  // GIVEN
  const { app, rails } = railsEstate(HAZARDOUS);
  // WHEN
  const base = YAML.parse(Testing.synth(app)['config/deploy.yml']);
  // THEN
  expect(base.proxy).toEqual({ ssl: true, forward_headers: true, healthcheck: { path: '/up' } });
  for (const dest of ['production', 'staging']) expect((rails.deploy.effectiveConfig(dest).env as any).secret).toContain('RAILS_MASTER_KEY');
});

test('the DB host of each destination is its Postgres accessory\'s container name', () => {
  // GIVEN
  const { app, rails } = railsEstate(HAZARDOUS);
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect(YAML.parse(files['config/deploy.production.yml']).env.clear.DB_HOST).toBe(rails.database('production').host);
  expect(YAML.parse(files['config/deploy.staging.yml']).env.clear.DB_HOST).toBe('guide-staging-postgres-staging');
  expect(YAML.parse(files['config/deploy.staging.yml']).env.clear.DB_PORT).toBe('5433');
});

test('Basic auth on a restricted destination switches the app\'s env on and passes both secrets', () => {
  // GIVEN
  const { app } = railsEstate(HAZARDOUS);
  // WHEN
  const stg = YAML.parse(Testing.synth(app)['config/deploy.staging.yml']);
  // THEN
  expect(stg.env.clear.BASIC_AUTH_ENABLED).toBe('true');
  expect(stg.env.secret).toEqual(expect.arrayContaining(['BASIC_AUTH_USERNAME', 'BASIC_AUTH_PASSWORD']));
});

test('the hazards of local uploads, Redis-less Action Cable and TLS at the proxy are warnings, not errors', () => {
  // GIVEN
  const { app } = railsEstate(HAZARDOUS);
  // WHEN
  const s = Testing.synthesize(app);
  // THEN
  expect(s.errors).toEqual([]);
  expect(s.warnings.map((w) => `${w.id}: ${w.message}`)).toEqual([
    'rails:action-cable-without-redis: Action Cable uses the redis adapter, but production has no Redis accessory: Action Cable fails in production; add a Redis accessory or switch cable.yml to solid_cable',
    'rails:action-cable-without-redis: Action Cable uses the redis adapter, but staging has no Redis accessory: Action Cable fails in staging; add a Redis accessory or switch cable.yml to solid_cable',
    'rails:uploads-on-local-disk: Active Storage keeps uploads on local disk in volume guide_storage (production): losing the volume loses every upload; back it up or move to object storage',
    'rails:uploads-on-local-disk: Active Storage keeps uploads on local disk in volume guide_storage-staging (staging): losing the volume loses every upload; back it up or move to object storage',
    'rails:tls-at-proxy: TLS ends at kamal-proxy while force_ssl and assume_ssl are off in production.rb: Rails relies on forward_headers for the scheme, and sends no HSTS header itself',
  ]);
});

test('a RedisAccessory clears the Action Cable hazard for its destination only', () => {
  // GIVEN
  const { app, production } = railsEstate(HAZARDOUS);
  new RedisAccessory(production, 'redis', { host: Erb.env('KAMAL_SERVER_IP_ADDRESS'), volume: 'redis' });
  // WHEN
  const ids = Testing.synthesize(app).warnings.filter((w) => w.id === 'rails:action-cable-without-redis').map((w) => w.message);
  // THEN
  expect(ids).toHaveLength(1);
  expect(ids[0]).toContain('staging has no Redis accessory');
});

test('an accessory that merely runs a redis image is not taken for a Redis: the hazard recognises the construct', () => {
  // GIVEN
  const { app, production } = railsEstate(HAZARDOUS);
  new Accessory(production, 'redis', { image: 'redis:7', host: Erb.env('KAMAL_SERVER_IP_ADDRESS'), volumes: [{ volume: 'redis', path: '/data' }] });
  // WHEN
  const ids = Testing.synthesize(app).warnings.filter((w) => w.id === 'rails:action-cable-without-redis').map((w) => w.message);
  // THEN
  expect(ids).toHaveLength(2);
});

test('an acknowledged hazard prints with its reason and does not fail --strict; an unacknowledged one does', () => {
  // GIVEN
  const { app, rails } = railsEstate({ activeStorage: 's3', actionCable: 'solid_cable', forceSsl: false, assumeSsl: false });
  const strict = Testing.synthesize(app, true);
  Annotations.of(rails).acknowledge('rails:tls-at-proxy', 'TLS ends at kamal-proxy by design');
  // WHEN
  const acknowledged = Testing.synthesize(app, true);
  // THEN
  expect(strict.errors.map((e) => e.message)).toEqual([
    "TLS ends at kamal-proxy while force_ssl and assume_ssl are off in production.rb: Rails relies on forward_headers for the scheme, and sends no HSTS header itself (warning 'rails:tls-at-proxy' under --strict; fix it or acknowledge it with a reason)",
  ]);
  expect(acknowledged.errors).toEqual([]);
  expect(acknowledged.acknowledged.map((w) => w.acknowledged)).toEqual(['TLS ends at kamal-proxy by design']);
});

test('kamal-cdk synth --strict exits 1 on an unacknowledged hazard and writes nothing', () => {
  // GIVEN
  const lines: string[] = [];
  const app = new App({ outdir: '/nonexistent/kamal-cdk-never-written' });
  const rails = new RailsApp(app, 'app', {
    service: 'guide',
    image: 'acme/guide',
    registry: { server: 'localhost:5555' },
    host: '192.0.2.10',
    rails: { forceSsl: false, assumeSsl: false },
  });
  void rails;
  // WHEN
  const outcome = synthApp(app, { mode: 'write', strict: true, stdout: (l) => lines.push(l), stderr: (l) => lines.push(l) });
  // THEN
  expect(outcome.exitCode).toBe(1);
  expect(fs.existsSync('/nonexistent/kamal-cdk-never-written')).toBe(false);
  expect(lines.join('\n')).toContain("(warning 'rails:tls-at-proxy' under --strict; fix it or acknowledge it with a reason)");
});
