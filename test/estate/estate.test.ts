import { Construct } from 'constructs';
import { Estate } from '../../constructs/estate';
import { Accessory, BasicAuth, EndpointAccess, KamalDeploy, KamalSecrets, PostgresAccessory, SecretSource } from '../../constructs/kamal';
import { Erb, Testing } from '../../src';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** Two apps on one host, valid as given; each test breaks one thing. */
function twoApps(opts: { sharedVolumes?: Record<string, string> } = {}) {
  const app = Testing.app();
  const estate = new Estate(app, 'estate', { sharedVolumes: opts.sharedVolumes });
  const secrets = new KamalSecrets(estate, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env(), POSTGRES_PASSWORD: SecretSource.env() },
  });
  const mk = (id: string, domain: string) =>
    new KamalDeploy(estate, id, {
      file: `config/deploy.${id}.yml`,
      service: id,
      image: `acme/${id}`,
      registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      builder: { arch: 'amd64' },
      roles: { web: { hosts: [HOST] } },
      proxy: { hosts: [domain], ssl: true, access: EndpointAccess.public() },
    });
  const blog = mk('blog', 'blog.example.com');
  const shop = mk('shop', 'shop.example.com');
  return { app, estate, secrets, blog, shop };
}

test('two valid apps on one host pass every estate check', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  new PostgresAccessory(blog, 'db', { host: HOST, volume: 'blog-data', databases: ['blog'] });
  new PostgresAccessory(shop, 'db', { host: HOST, port: 5433, volume: 'shop-data', databases: ['shop'] });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('two containers with one name on one host is an error naming both constructs', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  new Accessory(blog, 'cache', { image: 'redis:7', host: HOST, service: 'shared-cache' });
  new Accessory(shop, 'cache', { image: 'redis:7', host: HOST, service: 'shared-cache' });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/cache] container name shared-cache on host $KAMAL_SERVER_IP_ADDRESS is also used by [estate/blog/cache] (config/deploy.blog.yml); give one of them another service or accessory name',
  ]);
});

test('two accessories publishing one host port is an error', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  new PostgresAccessory(blog, 'db', { host: HOST, volume: 'blog-data', databases: ['blog'] });
  new PostgresAccessory(shop, 'db', { host: HOST, volume: 'shop-data', databases: ['shop'] });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/shop/db] port 5432 is already published on host $KAMAL_SERVER_IP_ADDRESS by [estate/blog/db] (config/deploy.blog.yml); give one of them another port',
  );
});

test('the same port on two different host interfaces is allowed', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  new Accessory(blog, 'metrics', { image: 'prom/node-exporter', host: HOST, port: { hostIp: '127.0.0.1', hostPort: 9100, containerPort: 9100 } });
  new Accessory(shop, 'metrics', { image: 'prom/node-exporter', host: HOST, port: { hostIp: '127.0.0.2', hostPort: 9100, containerPort: 9100 } });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('two containers mounting one named volume is an error unless declared shared', () => {
  // GIVEN
  const broken = twoApps();
  new Accessory(broken.blog, 'files', { image: 'busybox', host: HOST, volumes: [{ volume: 'uploads', path: '/data' }] });
  new Accessory(broken.shop, 'files', { image: 'busybox', host: HOST, volumes: [{ volume: 'uploads', path: '/data' }] });
  const shared = twoApps({ sharedVolumes: { uploads: 'both apps serve the same uploads read-only' } });
  new Accessory(shared.blog, 'files', { image: 'busybox', host: HOST, volumes: [{ volume: 'uploads', path: '/data' }] });
  new Accessory(shared.shop, 'files', { image: 'busybox', host: HOST, volumes: [{ volume: 'uploads', path: '/data' }] });
  // THEN
  expect(Testing.errors(broken.app)).toEqual([
    "error [estate/shop/files] named volume uploads on host $KAMAL_SERVER_IP_ADDRESS is also mounted by [estate/blog/files] (config/deploy.blog.yml); give one of them its own volume, or declare it in the Estate's sharedVolumes with a reason",
  ]);
  expect(Testing.errors(shared.app)).toEqual([]);
});

test('two kamal-proxy routes for one host name and path is an error', () => {
  // GIVEN
  const { app, shop } = twoApps();
  new Accessory(shop, 'admin', { image: 'acme/admin', host: HOST, proxy: { hosts: ['blog.example.com'], ssl: true, access: EndpointAccess.public() } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/admin] kamal-proxy route blog.example.com on host $KAMAL_SERVER_IP_ADDRESS is also claimed by the app of config/deploy.blog.yml [estate/blog]; give one of them another host name or path prefix',
  ]);
});

test('the same host name under another path prefix is a different route', () => {
  // GIVEN
  const { app, shop } = twoApps();
  new Accessory(shop, 'admin', {
    image: 'acme/admin',
    host: HOST,
    proxy: { hosts: ['blog.example.com'], pathPrefixes: ['/admin'], ssl: true, access: EndpointAccess.public() },
  });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('kamal-proxy run settings that disagree on one host are an error', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('proxy.run', { http_port: 8080 });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] kamal-proxy on host $KAMAL_SERVER_IP_ADDRESS runs with proxy.run {"http_port":8080} here but {} for the app of config/deploy.blog.yml [estate/blog]; there is one kamal-proxy per host, so make them agree',
  ]);
});

test('an endpoint that declares no access is an error', () => {
  // GIVEN
  const { app, shop } = twoApps();
  new Accessory(shop, 'admin', { image: 'acme/admin', host: HOST, proxy: { hosts: ['admin.example.com'], ssl: true } });
  // THEN
  expect(Testing.errors(app)).toEqual([
    'error [estate/shop/admin] endpoint https://admin.example.com (config/deploy.shop.yml) declares no access; set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>)',
  ]);
});

test('a restricted endpoint whose access control is not in the config is an error; with it, it passes', () => {
  // GIVEN
  const basic = new BasicAuth();
  const broken = twoApps();
  broken.secrets.addCommon('BASIC_AUTH_USERNAME', SecretSource.env());
  const fixed = twoApps();
  // WHEN
  const brokenShop = new KamalDeploy(broken.estate, 'stg', {
    file: 'config/deploy.stg.yml',
    service: 'stg',
    image: 'acme/stg',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST] } },
    proxy: { hosts: ['stg.example.com'], ssl: true, access: EndpointAccess.restricted(basic) },
    env: { clear: { BASIC_AUTH_ENABLED: 'false' }, secrets: ['BASIC_AUTH_USERNAME'] },
  });
  fixed.secrets.addCommon('BASIC_AUTH_USERNAME', SecretSource.env());
  fixed.secrets.addCommon('BASIC_AUTH_PASSWORD', SecretSource.env());
  new KamalDeploy(fixed.estate, 'stg', {
    file: 'config/deploy.stg.yml',
    service: 'stg',
    image: 'acme/stg',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST] } },
    proxy: { hosts: ['stg.example.com'], ssl: true, access: EndpointAccess.restricted(basic) },
    env: basic.env,
  });
  // THEN
  expect(brokenShop.node.path).toBe('estate/stg');
  expect(Testing.errors(broken.app)).toEqual([
    "error [estate/stg] endpoint https://stg.example.com (config/deploy.stg.yml) is restricted by HTTP Basic auth, but env BASIC_AUTH_ENABLED is not 'true'; fix the config or the declaration",
    'error [estate/stg] endpoint https://stg.example.com (config/deploy.stg.yml) is restricted by HTTP Basic auth, but secret env BASIC_AUTH_PASSWORD is not passed; fix the config or the declaration',
  ]);
  expect(Testing.errors(fixed.app)).toEqual([]);
});

test('a port published on every interface is an error unless declared public', () => {
  // GIVEN
  const open = twoApps();
  new Accessory(open.shop, 'db', { image: 'postgres:18', host: HOST, port: { hostPort: 5432, containerPort: 5432 } });
  const declared = twoApps();
  new Accessory(declared.shop, 'smtp', {
    image: 'acme/smtp',
    host: HOST,
    port: { hostPort: 25, containerPort: 25 },
    publicPortReason: 'inbound mail must reach it from the internet',
  });
  // THEN
  expect(Testing.errors(open.app)).toEqual([
    'error [estate/shop/db] port 5432 is published on every interface of host $KAMAL_SERVER_IP_ADDRESS, open to the internet; bind it to 127.0.0.1 (hostIp), leave it unpublished on the kamal network, or declare publicPortReason',
  ]);
  expect(Testing.errors(declared.app)).toEqual([]);
});

test('clear env that looks like a secret by name or by value is an error', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  blog.addEnv({ clear: { STRIPE_API_KEY: 'x' } });
  shop.addEnv({ clear: { DATABASE_URL: 'postgres://app:hunter2@db/app', SERVER: Erb.env('HOST') } });
  new Accessory(shop, 'worker', { image: 'acme/worker', host: HOST, env: { clear: { SIGNING: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12' } } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/blog] clear env STRIPE_API_KEY of role web (config/deploy.blog.yml) looks like a secret by its name; pass it in env.secret through the secrets files',
    'error [estate/shop] clear env DATABASE_URL of role web (config/deploy.shop.yml) has a value that looks like a URL with a password; pass it in env.secret through the secrets files',
    'error [estate/shop/worker] clear env SIGNING of accessory worker (config/deploy.shop.yml) has a value that looks like a long hex string (a key?); pass it in env.secret through the secrets files',
  ]);
});

test('a secret-looking value is reported wherever it recurs, and again in a later synth', () => {
  // GIVEN one leaked URL in two configs
  const { app, blog, shop } = twoApps();
  const leaked = 'postgres://app:hunter2@db/app';
  blog.addEnv({ clear: { DATABASE_URL: leaked } });
  shop.addEnv({ clear: { PRIMARY_DB: leaked } });
  const first = Testing.errors(app);

  // WHEN the value turns up once more after a first synth
  shop.addDestination('staging', { env: { clear: { REPLICA_DB: leaked } } });
  const second = Testing.errors(app).filter((e) => e.includes('looks like a URL'));

  // THEN every occurrence is reported, in every synth
  const message = (construct: string, name: string, where: string) =>
    `error [${construct}] clear env ${name} of role web (${where}) has a value that looks like a URL with a password; pass it in env.secret through the secrets files`;
  expect(first).toEqual([
    message('estate/blog', 'DATABASE_URL', 'config/deploy.blog.yml'),
    message('estate/shop', 'PRIMARY_DB', 'config/deploy.shop.yml'),
  ]);
  expect(second).toEqual([
    message('estate/blog', 'DATABASE_URL', 'config/deploy.blog.yml'),
    message('estate/shop', 'PRIMARY_DB', 'config/deploy.shop.yml -d staging'),
    message('estate/shop', 'REPLICA_DB', 'config/deploy.shop.yml -d staging'),
  ]);
});

test('ordinary clear env passes the secrets policy', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addEnv({ clear: { BASIC_AUTH_ENABLED: 'true', RAILS_LOG_LEVEL: 'info', DB_HOST: 'shop-db', TZ: 'Asia/Tokyo' } });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('estate checks see every config in the tree, wherever it is declared', () => {
  // GIVEN
  const { app, blog } = twoApps();
  const elsewhere = new Construct(app, 'elsewhere');
  const other = new KamalDeploy(elsewhere, 'blog2', {
    file: 'config/deploy.blog2.yml',
    service: 'blog',
    image: 'acme/blog',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST] } },
    proxy: { hosts: ['blog2.example.com'], ssl: true, access: EndpointAccess.public() },
  });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(blog.service).toBe(other.service);
  expect(errors).toEqual([
    'error [elsewhere/blog2] container name blog-web on host $KAMAL_SERVER_IP_ADDRESS is also used by the app of config/deploy.blog.yml [estate/blog]; give one of them another service or accessory name',
  ]);
});

test('a role proxy is deep-merged over the root proxy, as Kamal does, before proxy.run settings are compared', () => {
  // GIVEN two apps whose kamal-proxy runs on port 8080; one role adds only run.debug
  const { app, blog, shop } = twoApps();
  blog.addOverride('proxy.run', { http_port: 8080, debug: false });
  shop.addOverride('proxy.run', { http_port: 8080 });
  shop.addOverride('servers.web', { hosts: [HOST], proxy: { run: { debug: false } } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN shop's web role runs with {http_port: 8080, debug: false}: the same as blog's
  expect(errors).toEqual([]);
});
