import { Construct } from 'constructs';
import { Accessory, KamalDeploy, KamalSecrets, L1, SecretSource } from '../../constructs/kamal';
import { checkKamalValues } from '../../constructs/kamal/values';
import { Testing, TextFile } from '../../src';

/** A complete, valid effective config to spoil one value at a time. */
function config(): L1.DeployConfig {
  return {
    service: 'shop',
    image: 'acme/shop',
    servers: { web: { hosts: ['10.0.0.1'], proxy: { host: 'www.shop.example.com' } }, jobs: ['10.0.0.1'] },
    proxy: { hosts: ['shop.example.com', '*.shop.example.com'], ssl: true },
    registry: { server: 'registry.example.com:5000', username: 'deploy', password: ['KAMAL_REGISTRY_PASSWORD'] },
    builder: { arch: 'amd64' },
    accessories: {
      db: { image: 'postgres:18.1-bookworm', host: '10.0.0.1' },
      cache: { image: 'docker.io/library/redis:7@sha256:' + 'a'.repeat(64), host: '10.0.0.1', service: 'shop-cache' },
      loki: { image: 'grafana/loki', host: '10.0.0.1', registry: { server: 'localhost:5555' }, proxy: { host: 'logs.example.com' } },
    },
  };
}

const spoil = (edit: (c: any) => void): L1.DeployConfig => {
  const c = config() as any;
  edit(c);
  return c;
};

test('a valid config has no value problems', () => {
  expect(checkKamalValues(config())).toEqual([]);
});

describe('image is a lower-case repository without tag or digest, because Kamal appends the version', () => {
  test.each([
    ['acme/shop:1.0', /has a tag; Kamal appends the version as the tag \(acme\/shop:<version>\), so give the repository only \('acme\/shop'\)/],
    ['acme/shop@sha256:' + 'a'.repeat(64), /has a digest/],
    ['Acme/Shop', /has upper-case letters; Docker repository names are lower case, so write 'acme\/shop'/],
    ['acme/-shop', /'-shop' must be lower-case letters and digits separated by/],
    ['acme//shop', /is not a Docker repository name/],
    ['acme/shop.', /is not a Docker repository name/],
  ])('%j is refused', (image, why) => {
    const problems = checkKamalValues(spoil((c) => (c.image = image)));
    expect(problems).toHaveLength(1);
    expect(problems[0].pointer).toBe('/image');
    expect(problems[0].message).toMatch(why);
  });

  test.each(['acme/shop', 'ghcr.io/acme/shop', 'a__b/c-d--e.f_g', 'shop'])('%j is accepted', (image) => {
    expect(checkKamalValues(spoil((c) => (c.image = image)))).toEqual([]);
  });

  test('an ERB image is left to deploy time', () => {
    expect(checkKamalValues(spoil((c) => (c.image = '<%= ENV["IMAGE"] %>')))).toEqual([]);
  });
});

describe('accessory images are full Docker references, tags and digests included', () => {
  test.each([
    ['Postgres:18', /repository 'Postgres' has upper-case letters; write 'postgres'/],
    ['postgres:18 ', /tag '18 ' must be up to 128/],
    ['postgres:-18', /tag '-18' must be/],
    ['postgres@sha256:abc', /digest 'sha256:abc' must be algorithm:hex/],
    ['registry.example.com:99999/x:1', /registry 'registry.example.com:99999' is not host\[:port\]/],
  ])('%j is refused', (image, why) => {
    const problems = checkKamalValues(spoil((c) => (c.accessories.db.image = image)));
    expect(problems.map((p) => p.pointer)).toEqual(['/accessories/db/image']);
    expect(problems[0].message).toMatch(why);
  });

  test.each(['postgres:18', 'postgres', 'localhost:5000/pg:18', '[::1]:5000/pg:18', 'grafana/loki:3.4.1', 'pg@sha256:' + 'b'.repeat(64)])('%j is accepted', (image) => {
    expect(checkKamalValues(spoil((c) => (c.accessories.db.image = image)))).toEqual([]);
  });

  test("an accessory with its own registry is judged as Kamal pulls it, <server>/<image>", () => {
    const problems = checkKamalValues(spoil((c) => (c.accessories.loki.image = 'Grafana/loki')));
    expect(problems[0].message).toMatch(/image 'localhost:5555\/Grafana\/loki'/);
  });

  test('an accessory container name must be one Docker accepts', () => {
    expect(checkKamalValues(spoil((c) => (c.accessories.cache.service = 'shop cache')))[0]).toEqual({
      pointer: '/accessories/cache/service',
      message: "container name 'shop cache' is not one Docker accepts (a letter or digit, then letters, digits, '_', '.' and '-'); rename it",
    });
  });
});

describe('registry server is host[:port], no scheme', () => {
  test.each([
    ['https://registry.example.com', /has a scheme; .* so write 'registry.example.com'/],
    ['registry.example.com/acme', /has a path; it is host\[:port\] — put 'acme' at the start of the image instead/],
    ['registry.example.com:0', /is not host\[:port\]/],
    ['reg_istry.example.com', /is not host\[:port\]/],
  ])('%j is refused', (server, why) => {
    const problems = checkKamalValues(spoil((c) => (c.registry.server = server)));
    expect(problems.map((p) => p.pointer)).toEqual(['/registry/server']);
    expect(problems[0].message).toMatch(why);
  });

  test.each(['registry.example.com', 'localhost:5555', '10.0.0.1:5000', '[fd00::1]:5000', 'ghcr.io'])('%j is accepted', (server) => {
    expect(checkKamalValues(spoil((c) => (c.registry.server = server)))).toEqual([]);
  });

  test("an accessory's registry server is checked too", () => {
    expect(checkKamalValues(spoil((c) => (c.accessories.loki.registry.server = 'http://localhost:5555'))).map((p) => p.pointer)).toEqual(['/accessories/loki/registry/server']);
  });
});

describe('proxy hosts are lower-case DNS names, as kamal-proxy compares them byte for byte', () => {
  test.each([
    ['root hosts', (c: any) => (c.proxy.hosts = ['Shop.example.com']), '/proxy/hosts/0', /has upper-case letters; kamal-proxy matches Host and SNI byte for byte, so requests would not reach it — write 'shop.example.com'/],
    ['role host', (c: any) => (c.servers.web.proxy.host = 'www.shop.example.com,Admin.example.com'), '/servers/web/proxy/host', /'Admin.example.com' has upper-case/],
    ['accessory host', (c: any) => (c.accessories.loki.proxy.host = 'logs_1.example.com'), '/accessories/loki/proxy/host', /is not a DNS name/],
    ['a space after a comma', (c: any) => (c.proxy = { host: 'a.example.com, b.example.com' }), '/proxy/host', /' b.example.com' is not a DNS name/],
    ['a wildcard in the middle', (c: any) => (c.proxy.hosts = ['a.*.example.com']), '/proxy/hosts/0', /is not a DNS name/],
    ['a trailing dot', (c: any) => (c.proxy.hosts = ['shop.example.com.']), '/proxy/hosts/0', /is not a DNS name/],
    ['a label of 64', (c: any) => (c.proxy.hosts = [`${'a'.repeat(64)}.example.com`]), '/proxy/hosts/0', /is not a DNS name/],
  ])('%s is refused', (_name, edit, pointer, why) => {
    const problems = checkKamalValues(spoil(edit));
    expect(problems.map((p) => p.pointer)).toEqual([pointer]);
    expect(problems[0].message).toMatch(why);
  });

  test.each([['*.example.com'], ['xn--bcher-kva.example'], ['10.0.0.1'], ['a-b.c']])('%j is accepted', (host) => {
    expect(checkKamalValues(spoil((c) => (c.proxy.hosts = [host])))).toEqual([]);
  });
});

describe("service names match Kamal's pattern on the whole string", () => {
  test('a second line would pass Kamal\'s line-anchored check, and is refused here', () => {
    const problems = checkKamalValues(spoil((c) => (c.service = 'shop\nrm -rf')));
    expect(problems.map((p) => p.pointer)).toEqual(['/service', '/service']);
    expect(problems[1].message).toMatch(/must be only letters, digits, '-' and '_' \(Kamal's pattern, on the whole name/);
  });

  test.each(['shop', 'Shop_2', 'a-b'])('%j is accepted', (service) => {
    expect(checkKamalValues(spoil((c) => (c.service = service)))).toEqual([]);
  });
});

describe('no control characters anywhere in the config', () => {
  test.each([
    ['NUL', '\0', 'U+0000 (NUL)'],
    ['CR', '\r', 'U+000D (carriage return)'],
    ['LF', '\n', 'U+000A (line feed)'],
    ['tab', '\t', 'U+0009 (tab)'],
    ['escape', '\x1b', 'U+001B (escape)'],
    ['DEL', '\x7f', 'U+007F (DEL)'],
  ])('%s in a value deep down is refused with its pointer', (_name, ch, named) => {
    const problems = checkKamalValues(spoil((c) => (c.accessories.db.cmd = `postgres${ch}-c x`)));
    expect(problems).toEqual([
      { pointer: '/accessories/db/cmd', message: expect.stringContaining(`contains the control character ${named} at offset 8`) },
    ]);
  });

  test('in a key too', () => {
    const problems = checkKamalValues(spoil((c) => (c.labels = { 'a\nb': 'x' })));
    expect(problems.map((p) => p.pointer)).toEqual(['/labels/a\nb']);
  });

  test('printable Unicode is fine', () => {
    expect(checkKamalValues(spoil((c) => (c.accessories.db.cmd = 'postgres -c application_name=ä€')))).toEqual([]);
  });
});

test('every check runs in linear time on a hostile value', () => {
  // GIVEN values built to make a backtracking pattern blow up
  const long = 1_000_000;
  const hostile = spoil((c) => {
    c.image = `${'a-'.repeat(long)}!`;
    c.proxy.hosts = [`${'a'.repeat(long)}-`, `${'a.'.repeat(long)}-`];
    c.registry.server = `${'a'.repeat(long)}:`;
    c.accessories.db.image = `${'a__'.repeat(long)}:${'1'.repeat(long)}@${'a+'.repeat(long)}`;
    c.service = `${'a'.repeat(long)}\n`;
  });

  // WHEN
  const started = Date.now();
  const problems = checkKamalValues(hostile);

  // THEN
  expect(problems.length).toBeGreaterThan(0);
  expect(Date.now() - started).toBeLessThan(2000);
});

describe('the checks run on the emitted config, after overrides', () => {
  const estate = () => {
    const app = Testing.app();
    const scope = new Construct(app, 'estate');
    new KamalSecrets(scope, 'secrets', { common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env() } });
    const deploy = new KamalDeploy(scope, 'shop', {
      service: 'shop',
      image: 'acme/shop',
      registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      builder: { arch: 'amd64' },
      roles: { web: { hosts: ['10.0.0.1'] } },
      proxy: { hosts: ['shop.example.com', 'www.shop.example.com'] },
    });
    deploy.addDestination('production');
    deploy.addDestination('staging');
    new Accessory(deploy, 'redis', { image: 'redis:7', host: '10.0.0.1' });
    return { app, deploy };
  };

  test('a clean estate passes', () => {
    expect(Testing.errors(estate().app)).toEqual([]);
  });

  test('an upper-case proxy host set through an index override fails synth, naming the config, the destination and the key', () => {
    // GIVEN
    const { app, deploy } = estate();

    // WHEN
    deploy.addOverride('proxy.hosts.-', 'Admin.Shop.example.com', 'staging');

    // THEN
    expect(Testing.errors(app)).toEqual([
      "error [estate/shop] config/deploy.yml + config/deploy.staging.yml (as Kamal merges them for -d staging): /proxy/hosts/2 proxy host 'Admin.Shop.example.com' has upper-case letters; kamal-proxy matches Host and SNI byte for byte, so requests would not reach it — write 'admin.shop.example.com'",
    ]);
  });

  test('a tagged image, a registry URL and a bad accessory image set by overrides each fail synth', () => {
    // GIVEN
    const { app, deploy } = estate();

    // WHEN
    deploy.addOverride('image', 'acme/shop:latest');
    deploy.addOverride('registry.server', 'https://registry.example.com', 'production');
    deploy.addOverride('accessories.redis.image', 'Redis:7');

    // THEN
    const errors = Testing.errors(app);
    expect(errors).toContainEqual(expect.stringContaining("(as Kamal merges them for -d production): /registry/server registry server 'https://registry.example.com' has a scheme"));
    expect(errors).toContainEqual(expect.stringContaining("(as Kamal merges them for -d staging): /image image 'acme/shop:latest' has a tag; Kamal appends the version"));
    expect(errors).toContainEqual(expect.stringContaining("(as Kamal merges them for -d staging): /accessories/redis/image image 'Redis:7' is not a Docker image reference: repository 'Redis' has upper-case letters"));
  });

  test('a deletion override of a list element is judged on what remains', () => {
    // GIVEN
    const { app, deploy } = estate();

    // WHEN
    deploy.addDeletionOverride('proxy.hosts.0', 'staging');

    // THEN
    expect(Testing.errors(app)).toEqual([]);
    expect(deploy.effectiveConfig('staging').proxy!.hosts).toEqual(['www.shop.example.com']);
  });

  test('a service with a line break passes Kamal\'s own (line-anchored) validator but not this check', () => {
    // GIVEN
    const { app, deploy } = estate();

    // WHEN
    deploy.addOverride('service', 'shop\nx');

    // THEN
    const errors = Testing.errors(app).filter((e) => e.startsWith('error [estate/shop] config/deploy.yml + config/deploy.production.yml'));
    expect(errors).toEqual([
      expect.stringContaining("/service service 'shop\nx' must be only letters, digits, '-' and '_'"),
      expect.stringContaining('/service value contains the control character U+000A (line feed) at offset 4'),
    ]);
    expect(errors.join('\n')).not.toContain('Service name can only include');
  });

  test("a file generated in the config's hooks folder is refused: Kamal would run it at every deploy", () => {
    // GIVEN
    const { app } = estate();
    new TextFile(app, 'hook', { path: '.kamal/hooks/pre-deploy', executable: true, lines: ['#!/bin/sh', 'true'] });

    // THEN
    expect(Testing.errors(app)).toContainEqual(
      "error [estate/shop] config/deploy.yml + config/deploy.production.yml (as Kamal merges them for -d production): /hooks_path out/.kamal/hooks/pre-deploy [hook] is in .kamal/hooks/, whose files Kamal runs as hooks on the deployer's machine at every deploy; kamal-cdk models no Kamal hooks, so give the file another path",
    );
  });

  test('the hooks folder is the emitted hooks_path: an override moves what is refused', () => {
    // GIVEN
    const { app, deploy } = estate();
    new TextFile(app, 'old', { path: '.kamal/hooks/pre-deploy', lines: ['x'] });
    new TextFile(app, 'new', { path: 'bin/hooks/pre-build', lines: ['x'] });

    // WHEN
    deploy.addOverride('hooks_path', './bin/hooks/');

    // THEN
    const errors = Testing.errors(app);
    expect(errors.filter((e) => e.includes('/hooks_path'))).toHaveLength(2);
    expect(errors).toContainEqual(expect.stringContaining('/hooks_path out/bin/hooks/pre-build [new] is in bin/hooks/'));
    expect(errors.join('\n')).not.toContain('[old]');
  });
});
