import { Construct } from 'constructs';
import { Accessory, BasicAuth, EndpointAccess, KamalDeploy, PostgresAccessory, SecretSource } from '../../constructs/kamal';
import { Erb, Testing } from '../../src';
import { HOST, twoApps } from '../fixtures/estate/two-apps';

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
    'error [estate/shop/cache] config/deploy.shop.yml: accessories/cache runs container shared-cache on host $KAMAL_SERVER_IP_ADDRESS, which [estate/blog/cache] (config/deploy.blog.yml) also runs — give one of them another service or accessory name',
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
    'error [estate/shop/db] config/deploy.shop.yml: accessories/db/port publishes port 5432 on host $KAMAL_SERVER_IP_ADDRESS, which [estate/blog/db] (config/deploy.blog.yml) already publishes (accessories/db/port) — give one of them another port',
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
    "error [estate/shop/files] config/deploy.shop.yml: accessories/files/volumes/0 mounts named volume uploads on host $KAMAL_SERVER_IP_ADDRESS, which [estate/blog/files] (config/deploy.blog.yml) also mounts — give one of them its own volume, or declare it in the Estate's sharedVolumes with a reason",
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
    'error [estate/shop/admin] config/deploy.shop.yml: accessories/admin/proxy routes blog.example.com on host $KAMAL_SERVER_IP_ADDRESS, which the app of config/deploy.blog.yml [estate/blog] also claims — give one of them another host name or path prefix',
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
    'error [estate/shop] config/deploy.shop.yml: proxy/run is {"http_port":8080} for kamal-proxy on host $KAMAL_SERVER_IP_ADDRESS, but {} for the app of config/deploy.blog.yml [estate/blog] — there is one kamal-proxy per host, so make them agree',
  ]);
});

test('an endpoint that declares no access is an error', () => {
  // GIVEN
  const { app, shop } = twoApps();
  new Accessory(shop, 'admin', { image: 'acme/admin', host: HOST, proxy: { hosts: ['admin.example.com'], ssl: true } });
  // THEN
  expect(Testing.errors(app)).toEqual([
    "error [estate/shop/admin] config/deploy.shop.yml: accessories/admin/proxy routes https://admin.example.com to shop-admin with no access decision — set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>), or declareAccess({ accessory: 'admin' }, ...) on the config for a route an override adds",
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
    "error [estate/stg] config/deploy.stg.yml: proxy routes https://stg.example.com, restricted by HTTP Basic auth, but env BASIC_AUTH_ENABLED is not 'true' — fix the config or the declaration",
    'error [estate/stg] config/deploy.stg.yml: proxy routes https://stg.example.com, restricted by HTTP Basic auth, but secret env BASIC_AUTH_PASSWORD is not passed — fix the config or the declaration',
  ]);
  expect(Testing.errors(fixed.app)).toEqual([]);
});

test('a port published on every interface is an error unless its exposure is declared', () => {
  // GIVEN
  const open = twoApps();
  new Accessory(open.shop, 'metrics', { image: 'prom/node-exporter', host: HOST, port: { hostPort: 9100, containerPort: 9100 } });
  const declared = twoApps();
  new Accessory(declared.shop, 'smtp', {
    image: 'acme/smtp',
    host: HOST,
    port: { hostPort: 25, containerPort: 25 },
    publicPortReason: 'inbound mail must reach it from the internet',
  });
  // THEN
  expect(Testing.errors(open.app)).toEqual([
    "error [estate/shop/metrics] config/deploy.shop.yml: accessories/metrics/port publishes port 9100 on every interface of host $KAMAL_SERVER_IP_ADDRESS, open to the network — bind it to 127.0.0.1 (hostIp) or a private address in the Estate's privateAddresses, leave it unpublished on the kamal network, or declare why (publicPortReason, or declareExposure for a role)",
  ]);
  expect(Testing.errors(declared.app)).toEqual([]);
});

test('clear env that looks like a secret by name or by value is an error', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  blog.addEnv({ clear: { STRIPE_API_KEY: 'x' } });
  shop.addEnv({ clear: { DATABASE_URL: 'postgres://app:hunter2@db.example.com/app', SERVER: Erb.env('HOST') } });
  new Accessory(shop, 'worker', { image: 'acme/worker', host: HOST, env: { clear: { SIGNING: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12' } } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/blog] config/deploy.blog.yml: env/clear/STRIPE_API_KEY is clear env whose name looks like a secret — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:STRIPE_API_KEY' with a reason",
    "error [estate/shop] config/deploy.shop.yml: env/clear/DATABASE_URL is clear env whose value looks like a URL with credentials — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:DATABASE_URL' with a reason",
    "error [estate/shop/worker] config/deploy.shop.yml: accessories/worker/env/clear/SIGNING is clear env whose value looks like a long hex string (a key?) — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:SIGNING' with a reason",
  ]);
});

test('a secret-looking value is reported wherever it recurs, and again in a later synth', () => {
  // GIVEN one leaked URL in two configs
  const { app, blog, shop } = twoApps();
  const leaked = 'postgres://app:hunter2@db.example.com/app';
  blog.addEnv({ clear: { DATABASE_URL: leaked } });
  shop.addEnv({ clear: { PRIMARY_DB: leaked } });
  const first = Testing.errors(app);

  // WHEN the value turns up once more after a first synth
  shop.addDestination('staging', { env: { clear: { REPLICA_DB: leaked } } });
  const second = Testing.errors(app).filter((e) => e.includes('looks like a URL'));

  // THEN every occurrence is reported, in every synth
  const message = (construct: string, name: string, where: string) =>
    `error [${construct}] ${where}: env/clear/${name} is clear env whose value looks like a URL with credentials — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:${name}' with a reason`;
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
  new Accessory(shop, 'db', { image: 'redis:7', host: HOST });
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
    'error [elsewhere/blog2] config/deploy.blog2.yml: servers/web runs container blog-web on host $KAMAL_SERVER_IP_ADDRESS, which the app of config/deploy.blog.yml [estate/blog] also runs — give one of them another service or accessory name',
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
