import { ConfigSettings, KamalDeploy } from '../../constructs/kamal';
import { mergeProxyProps } from '../../constructs/kamal/proxy';
import { mergeSettings } from '../../constructs/kamal/settings';
import { Testing } from '../../src';

test('a destination lays its settings over the config: scalars replace, maps add by key, proxy blocks merge key by key', () => {
  // GIVEN
  const base: ConfigSettings = {
    service: 'shop',
    image: 'acme/shop',
    roles: { web: { hosts: ['10.0.0.1'], labels: { team: 'core' }, env: { clear: { ROLE: 'web' } } } },
    proxy: { hosts: ['shop.example.com'], healthcheck: { path: '/up', interval: 5 }, run: { httpPort: 8080 } },
    env: { clear: { A: '1', B: '1' }, secrets: ['S1'] },
    labels: { tier: 'web' },
    logging: { driver: 'journald', options: { tag: 'shop' } },
  };
  const over: ConfigSettings = {
    service: 'shop-staging',
    image: undefined,
    roles: { web: { labels: { owner: 'ops' }, env: { clear: { ROLE: 'staging-web' } } } },
    proxy: { healthcheck: { timeout: 3 }, responseTimeout: 10 },
    env: { clear: { B: '2' }, secrets: ['S2'] },
    labels: { stage: 'staging' },
    logging: { options: { mode: 'non-blocking' } },
  };

  // WHEN
  const merged = mergeSettings(base, over);

  // THEN
  expect(merged.service).toBe('shop-staging');
  expect(merged.image).toBe('acme/shop');
  expect(merged.roles!.web).toEqual({ hosts: ['10.0.0.1'], labels: { team: 'core', owner: 'ops' }, env: { clear: { ROLE: 'staging-web' }, secrets: [] }, logging: undefined, proxy: undefined });
  expect(merged.proxy).toEqual({
    hosts: ['shop.example.com'],
    responseTimeout: 10,
    healthcheck: { path: '/up', interval: 5, timeout: 3 },
    buffering: undefined,
    logging: undefined,
    run: { httpPort: 8080 },
  });
  expect(merged.env).toEqual({ clear: { A: '1', B: '2' }, secrets: ['S1', 'S2'] });
  expect(merged.labels).toEqual({ tier: 'web', stage: 'staging' });
  expect(merged.logging).toEqual({ driver: 'journald', options: { tag: 'shop', mode: 'non-blocking' } });
  // The inputs are left as they were.
  expect(base.env).toEqual({ clear: { A: '1', B: '1' }, secrets: ['S1'] });
  expect(base.proxy!.healthcheck).toEqual({ path: '/up', interval: 5 });
});

test('a user-filled map keeps a key named __proto__ as a key, as a spread does', () => {
  // GIVEN a label map parsed from JSON, whose own __proto__ key an assignment would take for the prototype
  const labels = JSON.parse('{"__proto__": "x", "team": "core"}') as Record<string, string>;

  // WHEN
  const merged = mergeSettings({ labels: { tier: 'web' } }, { labels });

  // THEN
  expect(Object.prototype.hasOwnProperty.call(merged.labels, '__proto__')).toBe(true);
  expect(Object.entries(merged.labels!)).toEqual([['tier', 'web'], ['__proto__', 'x'], ['team', 'core']]);
  expect(Object.getPrototypeOf(merged.labels)).toBe(Object.prototype);
});

test('merged proxy props are the base overlaid by the defined props of the other, blocks merged', () => {
  // GIVEN
  const base = { hosts: ['a.example.com'], ssl: true, run: { httpPort: 80, debug: true } };

  // WHEN
  const merged = mergeProxyProps(base, { ssl: undefined, appPort: 3000, run: { httpPort: 8080 } });

  // THEN
  expect(merged).toEqual({ hosts: ['a.example.com'], ssl: true, appPort: 3000, run: { httpPort: 8080, debug: true } });
  expect(mergeProxyProps(undefined, base)).toBe(base);
  expect(mergeProxyProps(base, undefined)).toBe(base);
});

test('effective configs follow destinations and env added after a first look', () => {
  // GIVEN a config read once before its destinations are complete
  const app = Testing.app();
  const deploy = new KamalDeploy(app, 'shop', {
    service: 'shop',
    image: 'acme/shop',
    roles: { web: { hosts: ['10.0.0.1'] } },
    proxy: { hosts: ['shop.example.com'], healthcheck: { path: '/up' } },
    env: { clear: { A: '1' } },
  });
  const production = deploy.addDestination('production', { proxy: { healthcheck: { interval: 5 } } });
  expect(deploy.effectiveConfig('production').proxy!.healthcheck).toEqual({ interval: 5, path: '/up' });

  // WHEN
  production.addEnv({ clear: { B: '2' } });
  deploy.addDestination('staging', { service: 'shop-staging', env: { clear: { A: 'staging' } } });

  // THEN
  expect(deploy.effectiveConfig('production').env).toEqual({ clear: { A: '1', B: '2' } });
  expect(deploy.effectiveConfig('staging').service).toBe('shop-staging');
  expect(deploy.effectiveConfig('staging').env).toEqual({ clear: { A: 'staging' } });
  expect(deploy.effectiveConfig('staging').proxy).toEqual({ host: 'shop.example.com', healthcheck: { path: '/up' } });
});
