import { secretLookingName, secretLookingValue, urlWithCredentials } from '../../constructs/estate/secret-text';
import { Accessory, EndpointAccess, KamalDeploy } from '../../constructs/kamal';
import { RailsApp } from '../../constructs/rails';
import { RegistryStack } from '../../constructs/registry';
import { Annotations, Erb, Testing } from '../../src';
import { buildEstate } from '../../synth';

import { HOST, twoApps } from '../fixtures/estate/two-apps';

/** The real estate (synth.ts), to break one thing in. */
function realEstate() {
  const app = Testing.app();
  const estate = buildEstate(app);
  const rails = estate.node.findChild('app') as RailsApp;
  const registry = estate.node.findChild('registry') as RegistryStack;
  return { app, estate, rails, registry };
}

// ---------------------------------------------------------------------------------------------
// Hosts

test('kamal-proxy publishes 80 and 443 on every host with a route: an accessory asking for 443 there is an error', () => {
  // GIVEN an accessory added by override that publishes 443 on the app's host
  const { app, shop } = twoApps();
  shop.addOverride('accessories.tls', { image: 'acme/tls', host: HOST, port: '127.0.0.1:443:443' });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.shop.yml: accessories/tls/port publishes port 443 on host $KAMAL_SERVER_IP_ADDRESS, which kamal-proxy (for config/deploy.blog.yml [estate/blog]) already publishes (proxy/run) — give one of them another port',
  ]);
});

test('a port kamal-proxy does not use, or 443 on a host without a route, is no clash', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('accessories.tls', { image: 'acme/tls', host: HOST, port: '127.0.0.1:8443:443' });
  shop.addOverride('accessories.edge', { image: 'acme/edge', host: '10.0.0.9', port: '127.0.0.1:443:443' });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('kamal-proxy with run.publish false publishes nothing, so 443 is free on its host', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  for (const d of [blog, shop]) d.addOverride('proxy.run', { publish: false });
  shop.addOverride('accessories.tls', { image: 'acme/tls', host: HOST, port: '127.0.0.1:443:443' });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('container names come from the effective service: an overridden service that collides is an error', () => {
  // GIVEN
  const { app, blog } = twoApps();
  blog.addOverride('service', 'shop');
  blog.addOverride('proxy.host', 'blog.example.com');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.shop.yml: servers/web runs container shop-web on host $KAMAL_SERVER_IP_ADDRESS, which the app of config/deploy.blog.yml [estate/blog] also runs — give one of them another service or accessory name',
  ]);
});

test('volumes come from the effective lists: a volume mounted twice through an override is an error', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  new Accessory(blog, 'files', { image: 'busybox', host: HOST, volumes: [{ volume: 'blog-files', path: '/data' }] });
  shop.addOverride('volumes', ['blog-files:/app/files']);
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/shop] config/deploy.shop.yml: volumes/0 mounts named volume blog-files on host $KAMAL_SERVER_IP_ADDRESS, which [estate/blog/files] (config/deploy.blog.yml) also mounts — give one of them its own volume, or declare it in the Estate's sharedVolumes with a reason",
  ]);
});

test('routes come from the effective proxy: an override that claims another config\'s host name is an error; another path prefix is not', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('proxy.host', 'blog.example.com');
  const clash = Testing.errors(app);
  shop.addOverride('proxy.path_prefix', '/shop');
  // THEN
  expect(clash).toEqual([
    'error [estate/shop] config/deploy.shop.yml: proxy routes blog.example.com on host $KAMAL_SERVER_IP_ADDRESS, which the app of config/deploy.blog.yml [estate/blog] also claims — give one of them another host name or path prefix',
  ]);
  expect(Testing.errors(app)).toEqual([]);
});

test('proxy.run must agree per host, also when a destination override sets it', () => {
  // GIVEN
  const { app, blog, shop } = twoApps();
  shop.addDestination('production');
  shop.addOverride('proxy.run', { http_port: 8080 }, 'production');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.shop.yml -d production: proxy/run is {"http_port":8080} for kamal-proxy on host $KAMAL_SERVER_IP_ADDRESS, but {} for the app of config/deploy.blog.yml [estate/blog] — there is one kamal-proxy per host, so make them agree',
  ]);
  // AND agreeing settings pass
  blog.addOverride('proxy.run', { http_port: 8080 });
  shop.addOverride('proxy.run', { http_port: 8080 });
  expect(Testing.errors(app)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Exposure

test('a port with no bind address, 0.0.0.0 or :: is exposure; loopback and declared private addresses are not', () => {
  // GIVEN
  const { app, shop } = twoApps({ privateAddresses: ['10.0.0.5'] });
  shop.addOverride('accessories.a', { image: 'acme/a', host: HOST, port: '9101' });
  shop.addOverride('accessories.b', { image: 'acme/b', host: HOST, port: '0.0.0.0:9102:9102' });
  shop.addOverride('accessories.c', { image: 'acme/c', host: HOST, options: { publish: '[::]:9103:9103/udp' } });
  shop.addOverride('accessories.d', { image: 'acme/d', host: HOST, port: '127.0.0.1:9104:9104' });
  shop.addOverride('accessories.e', { image: 'acme/e', host: HOST, port: '10.0.0.5:9105:9105' });
  shop.addOverride('accessories.f', { image: 'acme/f', host: HOST, options: { publish: ['[::1]:9106:9106', '127.0.0.2:9107:9107'] } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  const fix = "open to the network — bind it to 127.0.0.1 (hostIp) or a private address in the Estate's privateAddresses, leave it unpublished on the kamal network, or declare why (publicPortReason, or declareExposure for a role)";
  expect(errors).toEqual([
    `error [estate/shop] config/deploy.shop.yml: accessories/a/port publishes port 9101 on every interface of host $KAMAL_SERVER_IP_ADDRESS, ${fix}`,
    `error [estate/shop] config/deploy.shop.yml: accessories/b/port publishes port 9102 on every interface (0.0.0.0) of host $KAMAL_SERVER_IP_ADDRESS, ${fix}`,
    `error [estate/shop] config/deploy.shop.yml: accessories/c/options/publish publishes port 9103/udp on every interface (::) of host $KAMAL_SERVER_IP_ADDRESS, ${fix}`,
  ]);
});

test("a bind address that is the host's own address (the same ERB), or an undeclared one, is exposure", () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('accessories.a', { image: 'acme/a', host: HOST, port: `${HOST}:9101:9101` });
  shop.addOverride('accessories.b', { image: 'acme/b', host: HOST, port: '192.168.1.10:9102:9102' });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors.map((e) => e.split(', open to')[0])).toEqual([
    "error [estate/shop] config/deploy.shop.yml: accessories/a/port publishes port 9101 on the host's own address ($KAMAL_SERVER_IP_ADDRESS) of host $KAMAL_SERVER_IP_ADDRESS",
    'error [estate/shop] config/deploy.shop.yml: accessories/b/port publishes port 9102 on 192.168.1.10, an address not declared private of host $KAMAL_SERVER_IP_ADDRESS',
  ]);
});

test('host networking is exposure of every port; a declared reason allows it', () => {
  // GIVEN
  const broken = twoApps();
  broken.shop.addOverride('accessories.probe', { image: 'acme/probe', host: HOST, network: 'host' });
  const declared = twoApps();
  declared.shop.addOverride('accessories.probe', { image: 'acme/probe', host: HOST, network: 'host' });
  declared.shop.declareExposure({ accessory: 'probe' }, 'answers ICMP and SNMP for the provider monitoring');
  // THEN
  expect(Testing.errors(broken.app)).toEqual([
    "error [estate/shop] config/deploy.shop.yml: accessories/probe/network publishes every port it listens on on every interface (host networking) of host $KAMAL_SERVER_IP_ADDRESS, open to the network — bind it to 127.0.0.1 (hostIp) or a private address in the Estate's privateAddresses, leave it unpublished on the kamal network, or declare why (publicPortReason, or declareExposure for a role)",
  ]);
  expect(Testing.errors(declared.app)).toEqual([]);
});

test('a role publishing a port through options is exposure unless declared', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('servers.web', { hosts: [HOST], options: { publish: '2222:22' } });
  const before = Testing.errors(app);
  shop.declareExposure({ role: 'web' }, 'git over SSH for customers');
  // THEN
  expect(before).toEqual([
    "error [estate/shop] config/deploy.shop.yml: servers/web/options/publish publishes port 2222 on every interface of host $KAMAL_SERVER_IP_ADDRESS, open to the network — bind it to 127.0.0.1 (hostIp) or a private address in the Estate's privateAddresses, leave it unpublished on the kamal network, or declare why (publicPortReason, or declareExposure for a role)",
  ]);
  expect(Testing.errors(app)).toEqual([]);
});

test('a database or cache is never exposed, not even with a declared reason', () => {
  // GIVEN the real estate, whose production Postgres port is opened to every interface by override
  const { app, rails } = realEstate();
  rails.deploy.addOverride('accessories.postgres.port', '5432:5432', 'production');
  const cache = new Accessory(rails.deploy, 'cache', { image: 'valkey/valkey:8', host: HOST, port: { hostPort: 6379, containerPort: 6379 }, publicPortReason: 'replication' });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(cache.publicPortReason).toBe('replication');
  expect(errors).toEqual([
    'error [estate/app/Deploy/cache] config/deploy.yml -d production: accessories/cache/port publishes port 6379 on every interface of host $KAMAL_SERVER_IP_ADDRESS; valkey/valkey:8 is a database or cache, which is never exposed — bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network',
    'error [estate/app/Deploy/cache] config/deploy.yml -d staging: accessories/cache/port publishes port 6379 on every interface of host $KAMAL_SERVER_IP_ADDRESS; valkey/valkey:8 is a database or cache, which is never exposed — bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network',
    'error [estate/app/Deploy/production/postgres] config/deploy.yml -d production: accessories/postgres/port publishes port 5432 on every interface of host $KAMAL_SERVER_IP_ADDRESS; postgres:18 is a database or cache, which is never exposed — bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network',
  ]);
});

// ---------------------------------------------------------------------------------------------
// Reachability

test('the real estate: every DB host, Loki URL, datasource, nginx upstream and token realm resolves', () => {
  // GIVEN
  const { app } = realEstate();
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test('a DB host an override points at a container deployed nowhere is an error', () => {
  // GIVEN
  const { app, rails } = realEstate();
  rails.deploy.addOverride('env.clear.DB_HOST', 'rs-textbook-guide-db', 'production');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/app/Deploy] config/deploy.yml -d production: env/clear/DB_HOST points at rs-textbook-guide-db, but no config of the estate deploys a container of that name — deploy it, or point DB_HOST at a container that is deployed',
  ]);
});

test('deleting the database accessory by override leaves the app pointing at nothing', () => {
  // GIVEN
  const { app, rails } = realEstate();
  rails.deploy.addDeletionOverride('accessories.postgres-staging', 'staging');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/app/Deploy] config/deploy.yml -d staging: env/clear/DB_HOST points at rs-textbook-guide-staging-postgres-staging, but no config of the estate deploys a container of that name — deploy it, or point DB_HOST at a container that is deployed',
  );
});

test('a cache URL pointing at a container on another host, or another Docker network, is an error', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('accessories.cache', { image: 'redis:7', host: '10.0.0.9' });
  shop.addOverride('accessories.queue', { image: 'redis:7', host: HOST, network: 'private' });
  shop.addOverride('env', { clear: { REDIS_URL: 'redis://shop-cache:6379/0', QUEUE_HOST: 'shop-queue' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.shop.yml: env/clear/QUEUE_HOST points at container shop-queue, which runs on $KAMAL_SERVER_IP_ADDRESS (network private, config/deploy.shop.yml) but not on host $KAMAL_SERVER_IP_ADDRESS network kamal, where servers/web of config/deploy.shop.yml runs — container names resolve only on their own host\'s Docker network; run them on the same host and network',
    'error [estate/shop] config/deploy.shop.yml: env/clear/REDIS_URL points at container shop-cache, which runs on 10.0.0.9 (network kamal, config/deploy.shop.yml) but not on host $KAMAL_SERVER_IP_ADDRESS network kamal, where servers/web of config/deploy.shop.yml runs — container names resolve only on their own host\'s Docker network; run them on the same host and network',
  ]);
});

test('a cache URL pointing at a container on the same host and network passes; DNS names and ERB are not container names', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('accessories.cache', { image: 'redis:7', host: HOST });
  shop.addOverride('env', { clear: { REDIS_URL: 'redis://shop-cache:6379/0', API_HOST: 'api.example.com', DB_HOST: Erb.env('DB_HOST') } });
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});

test("an accessory moved to another host by override can't reach Loki by container name", () => {
  // GIVEN
  const { app } = realEstate();
  const obs = KamalDeploy.all(app).find((d) => d.file === 'config/deploy.observability.yml')!;
  obs.addOverride('accessories.grafana.host', '10.0.0.9');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/observability/Deploy/grafana] config/observability/grafana/datasources.yaml: datasources/0/url (Grafana datasource 'Loki', deployed with config/deploy.observability.yml) points at container rs-textbook-guide-observability-loki, which runs on $KAMAL_SERVER_IP_ADDRESS (network kamal, config/deploy.observability.yml) but not on host 10.0.0.9 network kamal, where accessories/grafana of config/deploy.observability.yml runs — container names resolve only on their own host's Docker network; run them on the same host and network",
  ]);
});

test("Loki's container renamed by override leaves Fluent Bit and Grafana pointing at nothing", () => {
  // GIVEN
  const { app } = realEstate();
  const obs = KamalDeploy.all(app).find((d) => d.file === 'config/deploy.observability.yml')!;
  obs.addOverride('accessories.loki.service', 'logs');
  // WHEN
  const errors = Testing.errors(app).filter((e) => e.includes('deploys a container'));
  // THEN
  expect(errors).toEqual([
    "error [estate/observability/Deploy/fluent-bit] config/observability/fluent-bit.yaml: pipeline/outputs/0/host (Fluent Bit's loki output, deployed with config/deploy.observability.yml) points at rs-textbook-guide-observability-loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names",
    "error [estate/observability/Deploy/grafana] config/observability/grafana/datasources.yaml: datasources/0/url (Grafana datasource 'Loki', deployed with config/deploy.observability.yml) points at rs-textbook-guide-observability-loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names",
  ]);
});

test("the log stack's service overridden: its containers are renamed, and what Fluent Bit and Grafana emitted points at nothing", () => {
  // GIVEN
  const { app } = realEstate();
  const obs = KamalDeploy.all(app).find((d) => d.file === 'config/deploy.observability.yml')!;
  obs.addOverride('service', 'logs');
  // WHEN
  const errors = Testing.errors(app);
  // THEN the view names Loki's container logs-loki, from the effective service
  expect(obs.view().accessories.map((a) => a.container)).toEqual(['logs-fluent-bit', 'logs-grafana', 'logs-loki']);
  expect(errors).toEqual([
    "error [estate/observability/Deploy/fluent-bit] config/observability/fluent-bit.yaml: pipeline/outputs/0/host (Fluent Bit's loki output, deployed with config/deploy.observability.yml) points at rs-textbook-guide-observability-loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names",
    "error [estate/observability/Deploy/grafana] config/observability/grafana/datasources.yaml: datasources/0/url (Grafana datasource 'Loki', deployed with config/deploy.observability.yml) points at rs-textbook-guide-observability-loki, but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names",
  ]);
});

test("nginx's upstream must run where nginx runs: docker_auth moved to another host is an error", () => {
  // GIVEN
  const { app, registry } = realEstate();
  registry.deploy.addOverride('accessories.docker-auth.host', '10.0.0.9');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/registry/Deploy/AuthProxy] config/registry/nginx/docker-auth-proxy.conf: location /auth proxy_pass (nginx upstream, deployed with config/deploy.registry.yml) points at container rs-textbook-guide-registry-docker-auth, which runs on 10.0.0.9 (network kamal, config/deploy.registry.yml) but not on host $KAMAL_SERVER_IP_ADDRESS network kamal, where accessories/docker-auth-proxy of config/deploy.registry.yml runs — container names resolve only on their own host's Docker network; run them on the same host and network",
  );
});

test('the token realm must be a route the estate serves: a realm moved by override to a host nothing routes is an error', () => {
  // GIVEN
  const { app, registry } = realEstate();
  registry.registry.configFile.addOverride('auth.token.realm', 'https://auth.suubutsuseminar.com/auth');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/registry/Deploy/Registry] config/registry/config.yml: auth/token/realm (registry token realm, deployed with config/deploy.registry.yml) is https://auth.suubutsuseminar.com/auth, which no kamal-proxy route of the estate serves — route it, or point it at a route that exists',
  );
});

// ---------------------------------------------------------------------------------------------
// Access

test('a route only an override adds needs an access decision; declareAccess gives it one', () => {
  // GIVEN
  const { app, blog } = twoApps();
  blog.addOverride('accessories.admin', { image: 'acme/admin', host: HOST, proxy: { host: 'admin.example.com', ssl: true } });
  const before = Testing.errors(app);
  // WHEN
  blog.declareAccess({ accessory: 'admin' }, EndpointAccess.public());
  // THEN
  expect(before).toEqual([
    "error [estate/blog] config/deploy.blog.yml: accessories/admin/proxy routes https://admin.example.com to blog-admin with no access decision — set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>), or declareAccess({ accessory: 'admin' }, ...) on the config for a route an override adds",
  ]);
  expect(Testing.errors(app)).toEqual([]);
});

test('a role whose proxy only an override turns on needs an access decision', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('servers.admin', { hosts: [HOST], proxy: { host: 'admin.shop.example.com' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/shop] config/deploy.shop.yml: servers/admin/proxy routes https://admin.shop.example.com to shop-admin with no access decision — set proxy.access to EndpointAccess.public() or EndpointAccess.restricted(<control>), or declareAccess({ role: 'admin' }, ...) on the config for a route an override adds",
  ]);
});

test("a restricted route's control is verified on the effective config: an override that switches Basic auth off is an error", () => {
  // GIVEN
  const { app, rails } = realEstate();
  rails.deploy.addOverride('env.clear.BASIC_AUTH_ENABLED', 'false', 'staging');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/app/Deploy] config/deploy.yml -d staging: proxy routes https://guide-stg.suubutsuseminar.com, restricted by HTTP Basic auth, but env BASIC_AUTH_ENABLED is not 'true' — fix the config or the declaration",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Secrets

test('secret env the model requires must survive overrides: the master key and the database password', () => {
  // GIVEN
  const { app, rails } = realEstate();
  rails.deploy.addOverride('env.secret', ['BASIC_AUTH_USERNAME', 'BASIC_AUTH_PASSWORD', 'POSTGRES_PASSWORD:POSTGRES_PASSWORD'].map((s) => s.split(':')[0]), 'staging');
  rails.deploy.addDeletionOverride('accessories.postgres.env.secret', 'production');
  // WHEN
  const errors = Testing.errors(app).filter((e) => e.includes('which ['));
  // THEN
  expect(errors).toEqual([
    'error [estate/app/Deploy] config/deploy.yml -d production: accessories/postgres/env/secret does not pass POSTGRES_PASSWORD, which [estate/app/Deploy/production/postgres] requires — remove the override that drops it, or add it back to env.secret',
    'error [estate/app/Deploy] config/deploy.yml -d staging: servers/web/env/secret does not pass RAILS_MASTER_KEY, which [estate/app] requires — remove the override that drops it, or add it back to env.secret',
  ]);
});

test("Grafana's admin password and docker_auth's password hash are required secret env too", () => {
  // GIVEN
  const { app, registry } = realEstate();
  const obs = KamalDeploy.all(app).find((d) => d.file === 'config/deploy.observability.yml')!;
  obs.addOverride('accessories.grafana.env.secret', []);
  registry.deploy.addDeletionOverride('accessories.docker-auth.env');
  // WHEN
  const errors = Testing.errors(app).filter((e) => e.includes('which ['));
  // THEN
  expect(errors).toEqual([
    'error [estate/observability/Deploy] config/deploy.observability.yml: accessories/grafana/env/secret does not pass GF_SECURITY_ADMIN_PASSWORD, which [estate/observability/Deploy/grafana] requires — remove the override that drops it, or add it back to env.secret',
    'error [estate/registry/Deploy] config/deploy.registry.yml: accessories/docker-auth/env/secret does not pass REGISTRY_ADMIN_PASSWORD_HASH, which [estate/registry/Deploy/DockerAuth] requires — remove the override that drops it, or add it back to env.secret',
  ]);
});

test('clear env named like a secret (…PASS, …PWD, …TOKEN, …KEY, …SECRET, …CREDENTIAL(S), DSN) is refused, also when an override adds it', () => {
  // GIVEN
  const { app, shop } = twoApps();
  const names = ['DB_PASS', 'MYSQL_PWD', 'GITHUB_TOKEN', 'STRIPE_KEY', 'APP_SECRET', 'GCP_CREDENTIAL', 'AWS_CREDENTIALS', 'DSN', 'SENTRY_DSN', 'SECRET_KEY_BASE'];
  shop.addOverride('env', { clear: Object.fromEntries(names.map((n) => [n, 'v1.example'])) });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual(
    [...names].sort().map(
      (n) => `error [estate/shop] config/deploy.shop.yml: env/clear/${n} is clear env whose name looks like a secret — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:${n}' with a reason`,
    ),
  );
});

test('a secret-looking clear env acknowledged with a reason is printed as acknowledged, not refused', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('env', { clear: { CACHE_KEY: 'v2' } });
  Annotations.of(shop).acknowledge('secrets:clear-env:CACHE_KEY', 'a cache namespace, not a key');
  // WHEN
  const s = Testing.synthesize(app);
  // THEN
  expect(s.errors).toEqual([]);
  expect(s.acknowledged.map((d) => [d.path, d.id, d.acknowledged])).toEqual([['estate/shop', 'secrets:clear-env:CACHE_KEY', 'a cache namespace, not a key']]);
});

test('a URL with credentials in clear env is refused wherever it is; one without a password passes', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('accessories.worker', { image: 'acme/worker', host: HOST, env: { UPSTREAM: 'see https://bot:s3cr3t@hooks.example.com/x' } });
  shop.addOverride('env', { clear: { MIRROR: 'https://mirror.example.com/', GIT_REMOTE: 'ssh://git@github.com/acme/shop.git' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/shop] config/deploy.shop.yml: accessories/worker/env/UPSTREAM is clear env whose value looks like a URL with credentials — pass it in env.secret through the secrets files, or acknowledge 'secrets:clear-env:UPSTREAM' with a reason",
  ]);
});

test('secret-looking names and values are told apart', () => {
  expect(['BASIC_AUTH_ENABLED', 'DB_HOST', 'RAILS_LOG_LEVEL', 'TOKENIZER_MODE', 'KEYBOARD'].filter(secretLookingName)).toEqual([]);
  expect(urlWithCredentials('postgres://app:hunter2@db/app')).toBe(true);
  expect(urlWithCredentials('postgres://app@db/app')).toBe(false);
  expect(urlWithCredentials('http://db:5432/app')).toBe(false);
  expect(urlWithCredentials('a://b:@c')).toBe(false);
  expect(secretLookingValue('-----BEGIN RSA PRIVATE KEY-----\nabc')).toBe('a PEM private key');
  expect(secretLookingValue('Asia/Tokyo')).toBeUndefined();
});

test('checks on clear env values run in linear time: 100 kB and 10 MB adversarial values are quick', () => {
  // GIVEN values built to make a backtracking pattern quadratic
  const shapes = (n: number) => ['a'.repeat(n), 'a:'.repeat(n / 2), 'a://b:'.repeat(n / 6), `x://${'a:'.repeat(n / 2)}`, `ghp_${'a'.repeat(n)}!`, '-----BEGIN '.repeat(n / 11), `${'0a'.repeat(n / 2)}!`];
  // WHEN
  const time = (n: number) => {
    const start = process.hrtime.bigint();
    for (const v of shapes(n)) secretLookingValue(v);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  // THEN (the quadratic URL pattern took ~5 s on 100 kB)
  expect(time(100_000)).toBeLessThan(500);
  expect(time(10_000_000)).toBeLessThan(10_000);
});

test('a 100 kB clear env value goes through a whole synth quickly', () => {
  // GIVEN
  const { app, shop } = twoApps();
  shop.addOverride('env', { clear: { NOTES: 'x://'.concat('a'.repeat(100_000)) } });
  // WHEN
  const start = Date.now();
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([]);
  expect(Date.now() - start).toBeLessThan(3_000);
});

test('every message of these checks names the construct and says what to do', () => {
  // GIVEN several defects at once, all through overrides
  const { app, shop } = twoApps();
  shop.addOverride('env', { clear: { API_TOKEN: 'x', DB_HOST: 'ghost' } });
  shop.addOverride('accessories.admin', { image: 'acme/admin', host: HOST, port: '8080', proxy: { host: 'admin.example.com' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors.length).toBe(4);
  for (const e of errors) expect(e).toMatch(/^error \[estate\/shop\] config\/deploy\.shop\.yml: \S+ .* — .+/);
});

