import { RedisAccessory, SecretSource } from '../../constructs/kamal';
import { parseYaml, Testing } from '../../src';
import { twoHosts } from '../fixtures/estate/hosts';

test('Redis by default: the official image, append-only data in its volume, no password, reached by container name', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts();
  new RedisAccessory(shop, 'placeholder', { host: db, volume: 'placeholder' });
  const redis = new RedisAccessory(shop, 'redis', { host: web, volume: 'redis-data' });
  shop.addEnv(redis.connectionEnv({ from: [web] }));
  // WHEN
  const files = Testing.synth(app);
  const cfg = parseYaml(files['config/deploy.yml']) as any;
  // THEN
  expect(cfg.accessories.redis).toEqual({
    image: 'redis:7.4',
    host: '192.0.2.10',
    cmd: 'redis-server /usr/local/etc/redis/redis.conf',
    files: ['config/redis/shop-redis/redis.conf:/usr/local/etc/redis/redis.conf'],
    volumes: ['redis-data:/data'],
  });
  expect(cfg.env.clear.REDIS_URL).toBe('redis://shop-redis:6379/0');
  expect(files['config/redis/shop-redis/redis.conf']).toMatchSnapshot();
  expect(redis.isDataStore).toBe(true);
});

test('Valkey with a password: the secret reaches the server through an ERB config only its user can read, and the app gets REDIS_PASSWORD', () => {
  // GIVEN
  const { app, web, db, shop } = twoHosts();
  const cache = new RedisAccessory(shop, 'cache', { engine: 'valkey', version: '8.1.3', host: db, volume: 'valkey-data', passwordSecret: 'REDIS_PASSWORD', database: 2 });
  shop.addEnv(cache.connectionEnv({ from: [web] }));
  // WHEN
  const files = Testing.synth(app);
  const cfg = parseYaml(files['config/deploy.yml']) as any;
  // THEN
  expect(cfg.accessories.cache).toEqual({
    image: 'valkey/valkey:8.1.3',
    host: '198.51.100.30',
    cmd: 'valkey-server /usr/local/etc/valkey/valkey.conf',
    port: '10.0.0.30:6379:6379',
    env: { secret: ['REDIS_PASSWORD'] },
    files: [{ local: 'config/valkey/shop-cache/valkey.conf.erb', remote: '/usr/local/etc/valkey/valkey.conf', mode: '0600', owner: '999:999' }],
    volumes: ['valkey-data:/data'],
  });
  expect(cfg.env.clear.REDIS_URL).toBe('redis://10.0.0.30:6379/2');
  expect(cfg.env.secret).toContain('REDIS_PASSWORD');
  expect(files['config/valkey/shop-cache/valkey.conf.erb']).toContain('requirepass <%= ENV.fetch("REDIS_PASSWORD").inspect %>');
  expect(files['config/valkey/shop-cache/valkey.conf.erb']).toMatchSnapshot();
});

test('a password secret under another name is passed as REDIS_PASSWORD to both sides', () => {
  // GIVEN
  const { app, web, db, shop, secrets } = twoHosts();
  secrets.addCommon('CACHE_SECRET', SecretSource.env());
  const cache = new RedisAccessory(shop, 'cache', { host: db, volume: 'v', passwordSecret: 'CACHE_SECRET' });
  shop.addEnv(cache.connectionEnv({ from: [web] }));
  // WHEN
  const cfg = parseYaml(Testing.synth(app)['config/deploy.yml']) as any;
  // THEN
  expect(cfg.accessories.cache.env).toEqual({ secret: ['REDIS_PASSWORD:CACHE_SECRET'] });
  expect(cfg.env.secret).toContain('REDIS_PASSWORD:CACHE_SECRET');
});

test('an override that drops the password env from the server is an error naming the accessory', () => {
  // GIVEN
  const { app, db, shop } = twoHosts();
  new RedisAccessory(shop, 'cache', { host: db, volume: 'v', passwordSecret: 'REDIS_PASSWORD' });
  shop.addDeletionOverride('accessories.cache.env');
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toContainEqual(expect.stringContaining('accessories/cache/env/secret does not pass REDIS_PASSWORD, which [estate/shop/cache] requires'));
});

test('bad props are refused at construction, with the path and what to give', () => {
  // GIVEN
  const { db, shop } = twoHosts();
  // THEN
  expect(() => new RedisAccessory(shop, 'a', { host: db, volume: 'v', version: 'latest' })).toThrow(
    "[estate/shop/a] version 'latest' must be a release such as '7.4' or '8.1.3' (optionally '-alpine'), so a pull never brings an unplanned major",
  );
  expect(() => new RedisAccessory(shop, 'b', { host: db, volume: 'v', engine: 'keydb' as any })).toThrow("[estate/shop/b] engine 'keydb' must be 'redis' or 'valkey'");
  expect(() => new RedisAccessory(shop, 'c', { host: db, volume: 'v', port: 70000 })).toThrow('[estate/shop/c] port 70000 is not a TCP port');
  expect(() => new RedisAccessory(shop, 'd', { host: db, volume: 'v', database: 16 })).toThrow("[estate/shop/d] database 16 must be 0-15 (Redis' default number of databases)");
});
