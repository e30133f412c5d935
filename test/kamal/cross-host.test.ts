import { Accessory, Host, PostgresAccessory, RedisAccessory } from '../../constructs/kamal';
import { parseYaml, Testing } from '../../src';
import { twoHosts } from '../fixtures/estate/hosts';

const deployYml = (app: ReturnType<typeof twoHosts>['app']): any => parseYaml(Testing.synth(app)['config/deploy.yml']);

test('an app on the database\'s own host connects by container name, and the port stays on loopback', () => {
  // GIVEN
  const { app, web, db: dbHost, shop } = twoHosts();
  new Accessory(shop, 'search', { image: 'getmeili/meilisearch:v1.11', host: dbHost });
  const db = new PostgresAccessory(shop, 'postgres', { host: web, volume: 'pg', databases: ['shop'] });
  shop.addEnv(db.connectionEnv({ from: [web] }));
  // WHEN
  const cfg = deployYml(app);
  // THEN
  expect(cfg.env.clear.DB_HOST).toBe('shop-postgres');
  expect(cfg.env.clear.DB_PORT).toBe('5432');
  expect(cfg.accessories.postgres.port).toBe('127.0.0.1:5432:5432');
});

test('an app on another host connects to the database host\'s private address, where the port is published and nowhere else', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts();
  const pg = new PostgresAccessory(shop, 'postgres', { host: db, port: 5433, volume: 'pg', databases: ['shop'] });
  const redis = new RedisAccessory(shop, 'redis', { host: db, volume: 'redis', port: 6380 });
  // WHEN
  shop.addEnv(pg.connectionEnv({ from: [web] }));
  shop.addEnv(redis.connectionEnv({ from: [web] }));
  const cfg = deployYml(app);
  // THEN: who connects to what, on which address and port
  expect(cfg.env.clear.DB_HOST).toBe('10.0.0.30');
  expect(cfg.env.clear.DB_PORT).toBe('5433');
  expect(cfg.accessories.postgres.port).toBe('10.0.0.30:5433:5433');
  expect(cfg.env.clear.REDIS_URL).toBe('redis://10.0.0.30:6380/0');
  expect(cfg.accessories.redis.port).toBe('10.0.0.30:6380:6379');
  expect(pg.publishedPort).toEqual({ hostIp: '10.0.0.30', hostPort: 5433, containerPort: 5433 });
});

test('with no private network, an app on another host is an error naming both hosts and what to declare', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts({ network: false });
  const pg = new PostgresAccessory(shop, 'postgres', { host: db, volume: 'pg', databases: ['shop'] });
  shop.addEnv(pg.connectionEnv({ from: [web] }));
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/shop/postgres] clients on web (192.0.2.10) connect to it on db (198.51.100.30), where its container name resolves only on that host's Docker network, and db has no private address — " +
      "declare a PrivateNetwork and give db and the clients' hosts a privateAddress on it (HostProps privateNetwork, privateAddress), or run the clients on db",
  );
  // and the estate's reachability check judges the emitted DB_HOST the same way
  expect(errors).toContain(
    "error [estate/shop] config/deploy.yml: env/clear/DB_HOST points at container shop-postgres, which runs on 198.51.100.30 (network kamal, config/deploy.yml) but not on host 192.0.2.10 network kamal, where servers/web of config/deploy.yml runs — container names resolve only on their own host's Docker network; run them on the same host and network",
  );
});

test('an accessory placed on a bare address is unreachable from another host: it says to declare a Host', () => {
  // GIVEN
  const { app, web, shop } = twoHosts();
  const pg = new PostgresAccessory(shop, 'postgres', { host: '198.51.100.99', volume: 'pg', databases: ['shop'] });
  shop.addEnv(pg.connectionEnv({ from: [web] }));
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/shop/postgres] clients on web (192.0.2.10) connect to it on 198.51.100.99, where its container name resolves only on that host's Docker network, and 198.51.100.99 is not a declared Host — " +
      'declare a Host with a privateAddress on a PrivateNetwork and place it there, or run the clients on its host',
  );
});

test('a client host off the database host\'s private network is an error naming it', () => {
  // GIVEN
  const { app, estate, db, shop } = twoHosts();
  const outside = new Host(estate, 'outside', { address: '203.0.113.7' });
  shop.addOverride('servers.web', ['192.0.2.10', '203.0.113.7']);
  const pg = new PostgresAccessory(shop, 'postgres', { host: db, volume: 'pg', databases: ['shop'] });
  shop.addEnv(pg.connectionEnv({ from: ['192.0.2.10', outside] }));
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/shop/postgres] clients on outside (203.0.113.7) connect to it at 10.0.0.30 on db (198.51.100.30), but are not on its private network [estate/lan] — give their Hosts a privateAddress on that network, or run the clients on the same host',
  );
});

test('a database or cache port on a public interface is an error, recognised by construct whatever the image', () => {
  // GIVEN
  const { app, db, shop } = twoHosts();
  new RedisAccessory(shop, 'cache', { host: db, volume: 'cache', publishOnLoopback: true });
  shop.addOverride('accessories.cache.image', 'acme/keyvalue:1.0');
  shop.addOverride('accessories.cache.port', '6379:6379');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/cache] config/deploy.yml: accessories/cache/port publishes port 6379 on every interface of host db (198.51.100.30); acme/keyvalue:1.0 is a database or cache, which is never exposed — ' +
      "bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network; apps on other hosts reach it on 10.0.0.30, db's private address (connectionEnv({ from }) publishes it there)",
  ]);
});

test('an env address at a private address where nothing publishes the port is an error', () => {
  // GIVEN
  const { app, db, shop } = twoHosts();
  new Accessory(shop, 'search', { image: 'getmeili/meilisearch:v1.11', host: db });
  shop.addEnv({ clear: { SEARCH_URL: 'http://10.0.0.30:7700' } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.yml: env/clear/SEARCH_URL is 10.0.0.30:7700 on host db (198.51.100.30), but nothing there publishes port 7700 on that address — publish it there (an accessory\'s addressFrom/connectionEnv({ from }) does), or point at what is published',
  ]);
});

test('an env address at a private address, from a host off that network, is an error', () => {
  // GIVEN
  const { app, estate, db, shop } = twoHosts();
  new Host(estate, 'outside', { address: '203.0.113.7' });
  const pg = new PostgresAccessory(shop, 'postgres', { host: db, volume: 'pg', databases: ['shop'] });
  shop.addEnv(pg.connectionEnv({ from: ['192.0.2.10'] }));
  shop.addOverride('servers.web', ['192.0.2.10', '203.0.113.7']);
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    'error [estate/shop] config/deploy.yml: env/clear/DB_HOST is 10.0.0.30, the private address of host db (198.51.100.30), but servers/web of config/deploy.yml runs on host outside (203.0.113.7), which is not on [estate/lan] — give that Host a privateAddress on it, or run web on db',
  );
});

test('a PostgreSQL port moved to a public interface by override is an error that points at the private address', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts();
  const pg = new PostgresAccessory(shop, 'postgres', { host: db, volume: 'pg', databases: ['shop'] });
  shop.addEnv(pg.connectionEnv({ from: [web] }));
  shop.addOverride('accessories.postgres.port', '198.51.100.30:5432:5432');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContain(
    "error [estate/shop/postgres] config/deploy.yml: accessories/postgres/port publishes port 5432 on the host's own address (198.51.100.30) of host db (198.51.100.30); postgres:18 is a database or cache, which is never exposed — " +
      "bind it to 127.0.0.1, or leave it unpublished: the app reaches it by container name on the kamal network; apps on other hosts reach it on 10.0.0.30, db's private address (connectionEnv({ from }) publishes it there)",
  );
});

test('an accessory on several hosts can\'t be one address for clients elsewhere: an error saying to place it on one Host', () => {
  // GIVEN
  const { app, estate, lan, web, db, shop } = twoHosts();
  const other = new Host(estate, 'other', { address: '198.51.100.31', privateNetwork: lan, privateAddress: '10.0.0.31' });
  const search = new Accessory(shop, 'search', { image: 'getmeili/meilisearch:v1.11', hosts: [db, other] });
  // WHEN
  const addr = search.addressFrom([web], 7700);
  // THEN
  expect(addr).toEqual({ host: 'shop-search', port: 7700, via: 'container' });
  expect(Testing.errors(app)).toContain(
    'error [estate/shop/search] clients on web (192.0.2.10) connect to it, but it runs on 2 hosts, so no one address reaches it from another host — place it on one Host (host: <Host>) with a private address',
  );
});
