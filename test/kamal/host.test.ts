import { Accessory, EndpointAccess, Host, KamalDeploy, PrivateNetwork } from '../../constructs/kamal';
import { parseYaml, Testing } from '../../src';
import { twoHosts } from '../fixtures/estate/hosts';

test('roles and accessories are placed on Host objects: the config lists their addresses, with their Kamal tags', () => {
  // GIVEN
  const { app, estate, db } = twoHosts();
  const worker = new Host(estate, 'worker', { address: '192.0.2.30', tags: ['batch', 'eu'] });
  const edge = new Host(estate, 'edge', { address: '192.0.2.31', tags: ['edge'] });
  const tools = new KamalDeploy(estate, 'tools', {
    file: 'config/deploy.tools.yml',
    service: 'tools',
    image: 'acme/tools',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [edge], proxy: false }, jobs: { hosts: [worker, { host: db, tags: ['db'] }], cmd: 'bin/jobs' } },
  });
  new Accessory(tools, 'search', { image: 'getmeili/meilisearch:v1.11', host: db });
  new Accessory(tools, 'metrics', { image: 'prom/node-exporter:v1.8.2', hosts: [db, worker] });
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/deploy.tools.yml']) as any;
  // THEN
  expect(cfg.servers.web.hosts).toEqual([{ '192.0.2.31': 'edge' }]);
  expect(cfg.servers.jobs.hosts).toEqual([{ '192.0.2.30': ['batch', 'eu'] }, { '198.51.100.30': 'db' }]);
  expect(cfg.accessories.search.host).toBe('198.51.100.30');
  expect(cfg.accessories.metrics.hosts).toEqual(['198.51.100.30', '192.0.2.30']);
  expect(edge.label).toBe('edge (192.0.2.31)');
  expect(Host.at(app, '192.0.2.30')).toBe(worker);
});

test('a Host nothing is placed on is an error on the Host, saying what to do', () => {
  // GIVEN
  const { app, estate } = twoHosts();
  new Host(estate, 'spare', { address: '203.0.113.9' });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/db] host db (198.51.100.30) runs nothing: no role or accessory of any config is placed on it — place one there (a role\'s hosts, an accessory\'s host), or remove the Host',
    'error [estate/spare] host spare (203.0.113.9) runs nothing: no role or accessory of any config is placed on it — place one there (a role\'s hosts, an accessory\'s host), or remove the Host',
  ]);
});

test('two Hosts with one address, or one private address, are errors on the second', () => {
  // GIVEN
  const { app, estate, lan, db, shop } = twoHosts();
  new Accessory(shop, 'search', { image: 'getmeili/meilisearch:v1.11', host: db });
  const again = new Host(estate, 'db-again', { address: '198.51.100.30', privateNetwork: lan, privateAddress: '10.0.0.10' });
  new Accessory(shop, 'other', { image: 'busybox:1.36', host: again });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/db-again] has the address 198.51.100.30 of [estate/db] — one machine is one Host; place everything on [estate/db] and remove this one',
    'error [estate/db-again] has the private address 10.0.0.10 of [estate/web] — give each host its own address on the network',
  ]);
});

test('a private address off its network, or given without one, is refused at construction', () => {
  // GIVEN
  const { estate, lan } = twoHosts();
  // THEN
  expect(() => new Host(estate, 'x', { address: '192.0.2.50', privateNetwork: lan, privateAddress: '10.0.1.5' })).toThrow(
    '[estate/x] private address 10.0.1.5 is not on [estate/lan] (10.0.0.0/24); give an address in that range',
  );
  expect(() => new Host(estate, 'y', { address: '192.0.2.51', privateAddress: '10.0.0.51' })).toThrow('[estate/y] give privateNetwork and privateAddress together');
  expect(() => new Host(estate, 'z', { address: 'not an address' })).toThrow("[estate/z] address 'not an address' is not a host address");
  expect(() => new PrivateNetwork(estate, 'bad', { cidr: '10.0.0.0' })).toThrow("[estate/bad] '10.0.0.0' is not an IPv4 range in CIDR notation");
  expect(lan!.contains('10.0.0.255')).toBe(true);
  expect(lan!.contains('10.0.1.0')).toBe(false);
});

test('same-host checks group by Host and name it: two accessories publishing one port on db', () => {
  // GIVEN
  const { app, db, shop } = twoHosts();
  new Accessory(shop, 'a', { image: 'busybox:1.36', host: db, port: { hostIp: '127.0.0.1', hostPort: 9000, containerPort: 9000 } });
  new Accessory(shop, 'b', { image: 'busybox:1.36', host: db, port: { hostIp: '127.0.0.1', hostPort: 9000, containerPort: 9000 } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/b] config/deploy.yml: accessories/b/port publishes port 9000 on host db (198.51.100.30), which [estate/shop/a] (config/deploy.yml) already publishes (accessories/a/port) — give one of them another port',
  ]);
});

test('a port bound to another host\'s private address is an error: Docker could not bind it', () => {
  // GIVEN
  const { app, db, shop } = twoHosts();
  new Accessory(shop, 'a', { image: 'busybox:1.36', host: db, port: { hostIp: '10.0.0.10', hostPort: 9000, containerPort: 9000 } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/a] config/deploy.yml: accessories/a/port publishes port 9000 on 10.0.0.10, the private address of host web (192.0.2.10), but it runs on host db (198.51.100.30), where Docker can\'t bind it — bind it to 10.0.0.30',
  ]);
});

test('estate checks are per host: one name, port and volume on two hosts is fine, and proxy.run must agree per host only', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts();
  const props = { image: 'busybox:1.36', port: { hostIp: '127.0.0.1', hostPort: 9000, containerPort: 9000 }, volumes: [{ volume: 'data', path: '/data' }] };
  new Accessory(shop, 'a', { ...props, service: 'same-name', host: db });
  new Accessory(shop, 'b', { ...props, service: 'same-name', host: web });
  new Accessory(shop, 'admin', { image: 'acme/admin:1', host: db, proxy: { hosts: ['admin.example.com'], access: EndpointAccess.public(), run: { httpPort: 8080 } } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([]);
});
