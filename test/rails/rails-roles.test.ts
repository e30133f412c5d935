import { Estate } from '../../constructs/estate';
import { EndpointAccess, Host, KamalSecrets, PrivateNetwork, SecretSource } from '../../constructs/kamal';
import { RailsApp, RailsAppProps } from '../../constructs/rails';
import { parseYaml, Testing } from '../../src';

/** Two web hosts, a jobs host and a db host on one private network, and the secrets a RailsApp there reads. */
function estate() {
  const app = Testing.app();
  const estate = new Estate(app, 'estate');
  const lan = new PrivateNetwork(estate, 'lan', { cidr: '10.0.0.0/24' });
  const host = (id: string, address: string, privateAddress: string) => new Host(estate, id, { address, privateNetwork: lan, privateAddress });
  const hosts = {
    web1: host('web-1', '192.0.2.10', '10.0.0.10'),
    web2: host('web-2', '192.0.2.11', '10.0.0.11'),
    jobs: host('jobs', '198.51.100.20', '10.0.0.20'),
    db: host('db', '198.51.100.30', '10.0.0.30'),
  };
  new KamalSecrets(estate, 'secrets', {
    common: Object.fromEntries(
      ['KAMAL_REGISTRY_PASSWORD', 'RAILS_MASTER_KEY', 'POSTGRES_PASSWORD', 'REDIS_PASSWORD', 'TLS_CERT', 'TLS_KEY'].map((n) => [n, SecretSource.env()]),
    ),
  });
  const rails = (props: Partial<RailsAppProps>) =>
    new RailsApp(estate, 'shop', {
      service: 'shop',
      image: 'acme/shop',
      registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      hosts: [hosts.web1, hosts.web2],
      tls: { certificatePem: 'TLS_CERT', privateKeyPem: 'TLS_KEY' },
      roles: { jobs: { cmd: 'bin/jobs', hosts: [hosts.jobs], env: { clear: { JOB_CONCURRENCY: '5' } } } },
      rails: { forceSsl: false, assumeSsl: true, actionCable: 'redis', cacheStore: 'redis' },
      ...props,
    });
  const database = { host: hosts.db, volume: 'pg', databases: ['shop_production'] };
  return { app, estate, hosts, rails, database };
}

test('web on two hosts with a custom certificate, a jobs role on a third, database and cache on a fourth: the wiring', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({});
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis', passwordSecret: 'REDIS_PASSWORD' } });
  // WHEN
  const s = Testing.synthesize(app);
  const cfg = parseYaml(Testing.synth(app)['config/deploy.yml']) as any;
  // THEN
  expect(s.errors).toEqual([]);
  expect(s.warnings).toEqual([]);
  expect(cfg.servers).toEqual({
    jobs: { hosts: ['198.51.100.20'], cmd: 'bin/jobs', env: { clear: { JOB_CONCURRENCY: '5' } } },
    web: ['192.0.2.10', '192.0.2.11'],
  });
  expect(cfg.proxy.ssl).toEqual({ certificate_pem: 'TLS_CERT', private_key_pem: 'TLS_KEY' });
  // web and jobs connect to the db host's private address; the ports are published there only
  expect(cfg.env.clear).toMatchObject({ DB_HOST: '10.0.0.30', DB_PORT: '5432', REDIS_URL: 'redis://10.0.0.30:6379/0' });
  expect(cfg.accessories.postgres.port).toBe('10.0.0.30:5432:5432');
  expect(cfg.accessories.redis.port).toBe('10.0.0.30:6379:6379');
  expect(shop.cache('production')!.containerName).toBe('shop-redis');
  expect(shop.jobRoles).toEqual(['jobs']);
});

test('per-destination hosts: staging runs web and jobs on one host, next to its database, by container name', () => {
  // GIVEN
  const { app, hosts, rails, database } = estate();
  const shop = rails({});
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  shop.addDestination('staging', {
    service: 'shop-staging',
    domain: 'shop-stg.example.com',
    access: EndpointAccess.public(),
    hosts: [hosts.jobs],
    roles: { jobs: { hosts: [hosts.jobs] } },
    database: { host: hosts.jobs, volume: 'pg-staging', databases: ['shop_staging'] },
    redis: { volume: 'redis-staging' },
  });
  // WHEN
  const files = Testing.synth(app);
  const stg = parseYaml(files['config/deploy.staging.yml']) as any;
  // THEN
  expect(stg.servers).toEqual({ web: ['198.51.100.20'] });
  expect(stg.env.clear).toMatchObject({ DB_HOST: 'shop-staging-postgres', REDIS_URL: 'redis://shop-staging-redis:6379/0' });
  expect(stg.accessories.postgres.port).toBe('127.0.0.1:5432:5432');
});

test('a role with no hosts is an error naming the role, the destination and where to give them', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({ roles: { jobs: { cmd: 'bin/jobs' } } });
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/shop] config/deploy.yml -d production: role jobs has no hosts in destination production, so Kamal refuses the config — give roles.jobs.hosts on the RailsApp, or on addDestination('production', { roles: { jobs: { hosts } } })",
  );
});

test('a web role with no hosts anywhere is an error too', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({ hosts: undefined, roles: undefined });
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/shop] config/deploy.yml -d production: role web has no hosts in destination production, so Kamal refuses the config — give the RailsApp hosts (or host), or the destination's hosts",
  );
});

test('a job role given a proxy (by override) serves a route, which is an error', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({});
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  shop.deploy.addOverride('servers.jobs.proxy', { host: 'jobs.example.com' });
  shop.deploy.declareAccess({ role: 'jobs' }, EndpointAccess.public());
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/shop] config/deploy.yml -d production: servers/jobs/proxy routes jobs.example.com to role jobs, a job role that runs with proxy: false and must serve no route — remove the override that gives it a proxy, or serve the route from web',
  );
});

test('automatic TLS on several web hosts is an error saying to give a certificate from secrets', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({ tls: undefined });
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/shop] config/deploy.yml -d production: the web role runs on 2 hosts (web-1 (192.0.2.10), web-2 (192.0.2.11)) with automatic TLS, which Kamal refuses: ' +
      "Let's Encrypt certificates are issued to one server only — give tls: { certificatePem: '<SECRET>', privateKeyPem: '<SECRET>' } (secrets holding the PEM certificate chain and key), or run web on one host",
  );
  // Kamal's own rule says the same, as Kamal words it
  expect(errors).toContainEqual(expect.stringContaining('SSL is only supported on a single server unless you provide custom certificates, found 2 servers for role web'));
});

test('a custom certificate whose secrets are not declared is an error naming the secret and the key', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({ tls: { certificatePem: 'NOPE_CERT', privateKeyPem: 'TLS_KEY' } });
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, redis: { volume: 'redis' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContainEqual(expect.stringContaining("secret 'NOPE_CERT' (proxy/ssl) of config/deploy.yml -d production is not in .kamal/secrets-common or .kamal/secrets.production"));
});

test('TLS per destination: automatic for a one-host staging, the certificate for production', () => {
  // GIVEN
  const { app, hosts, rails, database } = estate();
  const shop = rails({ tls: undefined });
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, tls: { certificatePem: 'TLS_CERT', privateKeyPem: 'TLS_KEY' }, redis: { volume: 'redis' } });
  shop.addDestination('staging', {
    service: 'shop-staging',
    domain: 'shop-stg.example.com',
    access: EndpointAccess.public(),
    hosts: [hosts.jobs],
    database: { host: hosts.jobs, volume: 'pg-staging', databases: ['shop_staging'] },
    redis: { volume: 'redis-staging' },
  });
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect((parseYaml(files['config/deploy.production.yml']) as any).proxy.ssl).toEqual({ certificate_pem: 'TLS_CERT', private_key_pem: 'TLS_KEY' });
  expect(shop.deploy.effectiveConfig('staging').proxy!.ssl).toBe(true);
});

test('the Action Cable and cache hazards are warnings until the destination has a RedisAccessory', () => {
  // GIVEN
  const { app, rails, database } = estate();
  const shop = rails({});
  shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database });
  // WHEN
  const warnings = Testing.synthesize(app).warnings.map((w) => `${w.id}: ${w.message}`);
  // THEN
  expect(warnings).toEqual([
    'rails:action-cable-without-redis: Action Cable uses the redis adapter, but production has no Redis accessory: Action Cable fails in production; add a Redis accessory or switch cable.yml to solid_cable',
    'rails:cache-without-redis: the cache store is redis_cache_store, but production has no Redis accessory: every cache read misses and every write fails in production; add a Redis accessory (redis on the destination) or switch to solid_cache',
  ]);
});

test('bad role and destination props are refused at construction', () => {
  // GIVEN
  const { rails, database } = estate();
  // THEN
  expect(() => rails({ roles: { web: { cmd: 'x' } } })).toThrow("[estate/shop] role name 'web' must be letters, digits, '-' and '_', and not web");
  const { rails: rails2 } = estate();
  expect(() => rails2({ roles: { jobs: { cmd: ' ' } } })).toThrow("[estate/shop] role jobs needs a cmd (e.g. 'bin/jobs')");
  const { rails: rails3 } = estate();
  const shop = rails3({});
  expect(() => shop.addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database, roles: { mailer: { hosts: [] } } })).toThrow(
    "[estate/shop] destination production sets role 'mailer', which the app does not declare — declare it in the RailsApp's roles (with its cmd)",
  );
  const { rails: rails4 } = estate();
  expect(() => rails4({ hosts: undefined }).addDestination('production', { domain: 'shop.example.com', access: EndpointAccess.public(), database: { volume: 'pg', databases: ['x'] } })).toThrow(
    "[estate/shop] destination production needs a database host — give database.host (a Host), or the RailsApp's host",
  );
});
