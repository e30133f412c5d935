import { Construct } from 'constructs';
import {
  Accessory, accessoryHosts, EndpointAccess, KamalDeploy, KamalSecrets, parsePublish, resolveView, rolesOfServers, SecretSource,
} from '../../constructs/kamal';
import { Erb, Testing, TextFile } from '../../src';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

function shop() {
  const app = Testing.app();
  const estate = new Construct(app, 'estate');
  new KamalSecrets(estate, 'secrets', { common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env(), RAILS_MASTER_KEY: SecretSource.env() } });
  const deploy = new KamalDeploy(estate, 'shop', {
    service: 'shop',
    image: 'acme/shop',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST] }, jobs: { hosts: [HOST], cmd: 'bin/jobs' } },
    proxy: { hosts: ['shop.example.com'], ssl: true, healthcheck: { path: '/up' }, access: EndpointAccess.public() },
    env: { clear: { RAILS_LOG_LEVEL: 'info' }, secrets: ['RAILS_MASTER_KEY'] },
    logging: { driver: 'journald', options: { tag: 'shop' } },
  });
  return { app, deploy };
}

test('one function turns servers: into roles, in Kamal\'s order, list and hash forms alike', () => {
  // GIVEN / WHEN
  const list = rolesOfServers(['10.0.0.1', { '10.0.0.2': 'edge' }, '10.0.0.1']);
  const hash = rolesOfServers({ web: { hosts: ['10.0.0.1'], cmd: 'x' }, jobs: [{ '10.0.0.3': ['a', 'b'] }] });
  // THEN
  expect(list.map((r) => [r.name, r.path, r.hosts])).toEqual([['web', ['servers'], ['10.0.0.1', '10.0.0.2']]]);
  expect(hash.map((r) => [r.name, r.path.join('/'), r.hosts, r.listForm])).toEqual([
    ['jobs', 'servers/jobs', ['10.0.0.3'], true],
    ['web', 'servers/web', ['10.0.0.1'], false],
  ]);
  expect(hash[0].entries).toEqual([{ host: '10.0.0.3', tags: ['a', 'b'], tagList: true }]);
  expect(rolesOfServers(undefined)).toEqual([]);
});

test('accessory hosts follow host, hosts, role(s) and tag(s) as Kamal reads them', () => {
  // GIVEN
  const roles = rolesOfServers({ web: ['10.0.0.1', { '10.0.0.2': 'edge' }], jobs: { hosts: [{ '10.0.0.3': 'edge' }] } });
  // THEN
  expect(accessoryHosts({ host: '10.0.0.9' }, roles)).toEqual(['10.0.0.9']);
  expect(accessoryHosts({ hosts: ['10.0.0.8', { '10.0.0.9': 'x' }] }, roles)).toEqual(['10.0.0.8', '10.0.0.9']);
  expect(accessoryHosts({ role: 'web' }, roles)).toEqual(['10.0.0.1', '10.0.0.2']);
  expect(accessoryHosts({ roles: ['web', 'jobs'] }, roles)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  // Kamal reads tags only from roles given as plain lists.
  expect(accessoryHosts({ tag: 'edge' }, roles)).toEqual(['10.0.0.2']);
});

test("Docker's --publish forms are parsed: bind address, host port (or range), container port, protocol", () => {
  expect(parsePublish('5432:5432', 'k')).toMatchObject({ bind: undefined, hostPort: 5432, containerPort: 5432, protocol: 'tcp' });
  expect(parsePublish('127.0.0.1:5433:5432', 'k')).toMatchObject({ bind: '127.0.0.1', hostPort: 5433, containerPort: 5432 });
  expect(parsePublish('[::1]:80:8080/udp', 'k')).toMatchObject({ bind: '::1', hostPort: 80, containerPort: 8080, protocol: 'udp' });
  expect(parsePublish('127.0.0.1::80', 'k')).toMatchObject({ bind: '127.0.0.1', hostPort: undefined, containerPort: 80 });
  expect(parsePublish('8000-8010:8000-8010', 'k')).toMatchObject({ hostPort: 8000, hostPortEnd: 8010, containerPort: 8000 });
  expect(parsePublish('80', 'k')).toMatchObject({ bind: undefined, hostPort: undefined, containerPort: 80 });
});

test('the view holds service, image, roles with merged proxy and logging, accessories, ports, volumes, routes, env and secrets', () => {
  // GIVEN
  const { deploy } = shop();
  deploy.addDestination('staging', { service: 'shop-staging' });
  new Accessory(deploy, 'db', { image: 'postgres:18', host: HOST, port: { hostIp: '127.0.0.1', hostPort: 5432, containerPort: 5432 }, volumes: [{ volume: 'data', path: '/var/lib/postgresql' }] });
  deploy.addOverride('servers.web', { hosts: [HOST], proxy: { run: { http_port: 8080 } } }, 'staging');
  // WHEN
  const v = deploy.view('staging');
  // THEN
  expect([v.file, v.destination, v.where, v.service, v.image]).toEqual(['config/deploy.yml', 'staging', 'config/deploy.yml -d staging', 'shop-staging', 'registry.example.com/acme/shop']);
  expect(v.roles.map((r) => [r.name, r.container, r.cmd, r.logging])).toEqual([
    ['jobs', 'shop-staging-jobs-staging', 'bin/jobs', { driver: 'journald', options: { tag: 'shop' } }],
    ['web', 'shop-staging-web-staging', undefined, { driver: 'journald', options: { tag: 'shop' } }],
  ]);
  const web = v.roles.find((r) => r.name === 'web')!;
  // Root proxy deep-merged with the role's, as Kamal does.
  expect(web.proxy).toEqual({ host: 'shop.example.com', ssl: true, healthcheck: { path: '/up' }, run: { http_port: 8080 } });
  expect(web.env).toEqual({ clear: { RAILS_LOG_LEVEL: 'info' }, clearKeys: { RAILS_LOG_LEVEL: 'env/clear/RAILS_LOG_LEVEL' }, secrets: [{ name: 'RAILS_MASTER_KEY', secret: 'RAILS_MASTER_KEY' }] });
  const db = v.accessories[0];
  expect([db.container, db.hosts, db.network, db.image]).toEqual(['shop-staging-db', [HOST], 'kamal', 'postgres:18']);
  expect(db.ports).toMatchObject([{ bind: '127.0.0.1', hostPort: 5432, containerPort: 5432, key: 'accessories/db/port' }]);
  expect(db.volumes).toEqual([{ source: 'data', target: '/var/lib/postgresql', named: true, key: 'accessories/db/volumes/0' }]);
  expect(v.routes.map((r) => [r.key, r.target, r.hosts, r.tls, r.appPort, r.access?.isPublic])).toEqual([['servers/web/proxy', 'shop-staging-web-staging', ['shop.example.com'], true, 80, true]]);
  // kamal-proxy publishes its ports on the route's hosts.
  expect(v.proxies.map((p) => [p.host, p.ports.map((q) => q.hostPort)])).toEqual([[HOST, [8080, 443]]]);
  expect(v.secrets).toContainEqual({ secret: 'RAILS_MASTER_KEY', key: 'env/secret' });
});

test('routes read host and path_prefix lists as Kamal splits them; publish false and bind_ips shape kamal-proxy ports', () => {
  // GIVEN
  const v = resolveView(
    {
      service: 'x',
      servers: ['10.0.0.1'],
      proxy: { host: 'a.example.com,b.example.com', path_prefix: '/api,/admin', run: { publish: false } },
      accessories: { y: { image: 'y', host: '10.0.0.2', proxy: { hosts: ['y.example.com'], run: { bind_ips: ['10.0.0.2'] } } } },
    },
    { file: 'config/deploy.yml', deploy: new Construct(undefined as any, 'x'), accessory: () => undefined, access: () => undefined },
  );
  // THEN
  expect(v.routes.map((r) => [r.hosts, r.pathPrefixes])).toEqual([
    [['a.example.com', 'b.example.com'], ['/api', '/admin']],
    [['y.example.com'], []],
  ]);
  expect(v.proxies.map((p) => [p.host, p.ports.map((q) => `${q.bind}:${q.hostPort}`)])).toEqual([
    ['10.0.0.1', []],
    ['10.0.0.2', ['10.0.0.2:80', '10.0.0.2:443']],
  ]);
});

test('no change is lost after a first read: accessories, accessory env, files and volumes added later all reach the config', () => {
  // GIVEN a config read once
  const { deploy } = shop();
  const before = deploy.effectiveConfig();
  expect(before.accessories).toBeUndefined();
  // WHEN an accessory is added, and then changed after another read
  const cache = new Accessory(deploy, 'cache', { image: 'redis:7', host: HOST });
  expect(Object.keys(deploy.effectiveConfig().accessories ?? {})).toEqual(['cache']);
  cache.addEnv({ clear: { MAXMEMORY: '256mb' } });
  cache.addVolume({ volume: 'cache-data', path: '/data' });
  const file = new TextFile(deploy, 'Conf', { path: 'config/redis.conf', lines: ['save ""'] });
  cache.addFile({ file, remote: '/usr/local/etc/redis/redis.conf' });
  deploy.addEnv({ clear: { REDIS_URL: 'redis://shop-cache:6379/0' } });
  // THEN
  const cfg = deploy.effectiveConfig();
  expect(cfg.accessories!.cache).toMatchObject({
    env: { clear: { MAXMEMORY: '256mb' } },
    volumes: ['cache-data:/data'],
    files: ['config/redis.conf:/usr/local/etc/redis/redis.conf'],
  });
  expect((cfg.env as any).clear.REDIS_URL).toBe('redis://shop-cache:6379/0');
  expect(deploy.view().accessories[0].env.clear).toEqual({ MAXMEMORY: '256mb' });
});

test('destinations, destination env, overrides and access declarations added after a read are seen too', () => {
  // GIVEN
  const { deploy } = shop();
  deploy.effectiveConfig();
  // WHEN
  const staging = deploy.addDestination('staging');
  deploy.view('staging');
  staging.addEnv({ clear: { STAGE: '1' } });
  new Accessory(staging, 'mail', { image: 'axllent/mailpit', host: HOST, proxy: { hosts: ['mail.example.com'] } });
  deploy.view('staging');
  deploy.addOverride('accessories.mail.proxy.host', 'mailpit.example.com', 'staging');
  deploy.declareAccess({ accessory: 'mail' }, EndpointAccess.public(), 'staging');
  // THEN
  const v = deploy.view('staging');
  expect((v.config.env as any).clear.STAGE).toBe('1');
  expect(v.routes.find((r) => r.name === 'mail')).toMatchObject({ hosts: ['mailpit.example.com'], access: EndpointAccess.public() });
});

test('the plan is worked out once per generation: reads without changes share it', () => {
  // GIVEN
  const { deploy } = shop();
  // WHEN
  const a = deploy.view();
  const b = deploy.view();
  deploy.addEnv({ clear: { X: '1' } });
  const c = deploy.view();
  // THEN
  expect(b).toBe(a);
  expect(c).not.toBe(a);
});

test('KamalDeploy.resolvedViews gives one view per config and destination in the tree', () => {
  // GIVEN
  const { app, deploy } = shop();
  deploy.addDestination('production');
  deploy.addDestination('staging');
  // THEN
  expect(KamalDeploy.resolvedViews(app).map((v) => v.where)).toEqual(['config/deploy.yml -d production', 'config/deploy.yml -d staging']);
});
