/**
 * The multi-host example estate (examples/multi-host/synth.ts): its wiring asserted on the parsed
 * output — who connects to what, on which address and port — and every emitted file guarded by a
 * snapshot keyed by its path, and by the committed examples/multi-host/out/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { buildEstate } from '../../examples/multi-host/synth';
import { App, parseYaml, Testing } from '../../src';

// The entry as the kamal-cdk command names it in the generated-file marker (relative to the example's kamal-cdk.json).
const app = new App({ entry: 'synth.ts' });
buildEstate(app);
const synthesis = Testing.synthesize(app);
const files = Testing.synth(app);
const yaml = (p: string): any => parseYaml(files[p]);
const shop = yaml('config/deploy.yml');
const observability = yaml('config/deploy.observability.yml');
const registry = yaml('config/deploy.registry.yml');
const fluentBit = yaml('config/observability/fluent-bit.yaml');

const WEB = ['192.0.2.10', '192.0.2.11'];
const JOBS = '198.51.100.20';
const DB = '198.51.100.30';
const OPS = '203.0.113.40';

describe('the multi-host estate synthesizes', () => {
  test('with no errors and no warnings', () => {
    expect(synthesis.errors).toEqual([]);
    expect(synthesis.warnings).toEqual([]);
  });

  test('public addresses are documentation ranges; the private network is 10.0.0.0/24', () => {
    const allowed = /^(192\.0\.2|198\.51\.100|203\.0\.113|10\.0\.0)\.\d+$|^(127\.0\.0\.1|0\.0\.0\.0|127\.0\.0\.11)$/;
    for (const [p, text] of Object.entries(files)) {
      const addresses = (text.match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? []).filter((a) => !allowed.test(a));
      expect({ file: p, addresses }).toEqual({ file: p, addresses: [] });
    }
  });
});

describe('wiring: who connects to what, on which address and port', () => {
  test('web runs on web-1 and web-2 behind kamal-proxy with the custom certificate from secrets', () => {
    expect(shop.servers.web.hosts).toEqual(WEB);
    expect(shop.proxy).toMatchObject({ host: 'shop.example.com', ssl: { certificate_pem: 'SHOP_TLS_CERTIFICATE', private_key_pem: 'SHOP_TLS_PRIVATE_KEY' } });
    expect(files['.kamal/secrets-common']).toMatch(/^SHOP_TLS_CERTIFICATE=/m);
    expect(files['.kamal/secrets-common']).toMatch(/^SHOP_TLS_PRIVATE_KEY=/m);
  });

  test('jobs runs bin/jobs on the jobs host, with no proxy', () => {
    expect(shop.servers.jobs).toMatchObject({ hosts: [JOBS], cmd: 'bin/jobs' });
    expect(shop.servers.jobs.proxy).toBeUndefined();
  });

  test('web and jobs reach PostgreSQL at db\'s private address 10.0.0.30:5432, published there only', () => {
    expect(shop.env.clear).toMatchObject({ DB_HOST: '10.0.0.30', DB_PORT: '5432', DB_USER: 'postgres', DB_NAME: 'shop_production' });
    expect(shop.env.secret).toContain('POSTGRES_PASSWORD');
    expect(shop.accessories.postgres).toMatchObject({ image: 'postgres:18', host: DB, port: '10.0.0.30:5432:5432', volumes: ['shop-postgres:/var/lib/postgresql'] });
  });

  test('web and jobs reach Valkey at redis://10.0.0.30:6379/0 with REDIS_PASSWORD, published on the private address only', () => {
    expect(shop.env.clear.REDIS_URL).toBe('redis://10.0.0.30:6379/0');
    expect(shop.env.secret).toContain('REDIS_PASSWORD');
    expect(shop.accessories.redis).toMatchObject({ image: 'valkey/valkey:8.1', host: DB, port: '10.0.0.30:6379:6379', env: { secret: ['REDIS_PASSWORD'] } });
    expect(files['config/valkey/shop-redis/valkey.conf.erb']).toContain('requirepass <%= ENV.fetch("REDIS_PASSWORD").inspect %>');
  });

  test('no database or cache port faces a public interface', () => {
    for (const a of Object.values<any>(shop.accessories)) expect(String(a.port)).toMatch(/^10\.0\.0\.\d+:/);
  });

  test('Fluent Bit runs on every host and ships to Loki at ops\' private address 10.0.0.40:3100, published there only', () => {
    expect(observability.accessories['fluent-bit'].hosts).toEqual([...WEB, JOBS, DB, OPS]);
    expect(fluentBit.pipeline.outputs[0]).toMatchObject({ name: 'loki', host: '10.0.0.40', port: 3100 });
    expect(observability.accessories.loki).toMatchObject({ host: OPS, port: '10.0.0.40:3100:3100' });
    expect(fluentBit.pipeline.inputs[0].systemd_filter).toEqual(['SYSLOG_IDENTIFIER=shop-web', 'SYSLOG_IDENTIFIER=shop-jobs', '_SYSTEMD_UNIT=ssh.service', 'SYSLOG_IDENTIFIER=sudo']);
  });

  test('web and jobs log to journald with the tags Fluent Bit collects', () => {
    expect(shop.servers.web.logging).toEqual({ driver: 'journald', options: { tag: 'shop-web' } });
    expect(shop.servers.jobs.logging).toEqual({ driver: 'journald', options: { tag: 'shop-jobs' } });
    expect(synthesis.warnings.filter((w) => w.id?.startsWith('observability:'))).toEqual([]);
  });

  test('Grafana reads Loki by container name on ops, the host they share', () => {
    expect(observability.accessories.grafana.host).toBe(OPS);
    expect(yaml('config/observability/grafana/datasources.yaml').datasources[0].url).toBe('http://shop-observability-loki:3100');
  });

  test('the registry runs on ops behind kamal-proxy with automatic TLS (one server), and the app pushes and pulls there', () => {
    for (const a of Object.values<any>(registry.accessories)) expect(a.host).toBe(OPS);
    expect(registry.accessories.registry.proxy).toMatchObject({ host: 'registry.example.com', ssl: true });
    expect(shop.registry).toEqual({ server: 'registry.example.com', username: 'deploy', password: ['KAMAL_REGISTRY_PASSWORD'] });
  });
});

describe('guards', () => {
  test.each(Object.keys(files).sort())('emitted file %s matches its snapshot', (p) => {
    expect(files[p]).toMatchSnapshot();
  });

  test('the committed examples/multi-host/out/ is exactly what synth makes', () => {
    const out = path.join(__dirname, '..', '..', 'examples', 'multi-host', 'out');
    for (const f of synthesis.files) {
      expect({ path: f.path, text: fs.readFileSync(path.join(out, f.path), 'utf8') }).toEqual({ path: f.path, text: f.content });
    }
  });
});
