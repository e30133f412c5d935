import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { Estate } from '../../constructs/estate';
import { Accessory, deepMerge, KamalConfigValidator, KamalDeploy, KamalSecrets, PostgresAccessory, SecretSource } from '../../constructs/kamal';
import { App, Erb, Testing, TextFile } from '../../src';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** A sample estate: an app with two destinations, two roles, Postgres per destination, and an accessory-only config. */
function sampleEstate(opts: { withoutStagingSecret?: boolean } = {}) {
  const app = Testing.app();
  const estate = new Construct(app, 'estate');
  new KamalSecrets(estate, 'secrets', {
    common: {
      KAMAL_REGISTRY_PASSWORD: SecretSource.env(),
      RAILS_MASTER_KEY: SecretSource.command('cat config/master.key'),
      POSTGRES_PASSWORD: SecretSource.env(),
    },
    destinations: opts.withoutStagingSecret ? {} : { staging: { BASIC_AUTH_PASSWORD: SecretSource.env() } },
  });
  const deploy = new KamalDeploy(estate, 'shop', {
    service: 'shop',
    image: 'acme/shop',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: {
      web: { hosts: [HOST] },
      jobs: { hosts: [HOST], cmd: 'bin/jobs', proxy: false },
    },
    proxy: { ssl: true, forwardHeaders: true, healthcheck: { path: '/up' } },
    env: { clear: { RAILS_LOG_TO_STDOUT: '1' }, secrets: ['RAILS_MASTER_KEY'] },
  });
  const production = deploy.addDestination('production', { proxy: { hosts: ['shop.example.com'] } });
  const staging = deploy.addDestination('staging', {
    service: 'shop-staging',
    proxy: { hosts: ['shop-stg.example.com'] },
    env: { clear: { BASIC_AUTH_ENABLED: 'true' }, secrets: ['BASIC_AUTH_PASSWORD'] },
  });
  const pgProd = new PostgresAccessory(production, 'postgres', { host: HOST, volume: 'data', databases: ['shop_production', 'shop_production_cache'] });
  const pgStg = new PostgresAccessory(staging, 'postgres-staging', { host: HOST, port: 5433, volume: 'data-staging', databases: ['shop_staging'] });
  production.addEnv(pgProd.connectionEnv());
  staging.addEnv(pgStg.connectionEnv());
  const tools = new KamalDeploy(estate, 'tools', {
    file: 'config/deploy.tools.yml',
    service: 'shop-tools',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
  });
  new Accessory(tools, 'redis', { image: 'redis:7', host: HOST, volumes: [{ volume: 'redis-data', path: '/data' }] });
  return { app, deploy, production, staging, pgProd, pgStg, tools };
}

test('deploy.yml holds what every destination shares and each destination file only its overlay', () => {
  // GIVEN
  const { app } = sampleEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  const base = YAML.parse(files['config/deploy.yml']);
  const prod = YAML.parse(files['config/deploy.production.yml']);
  const stg = YAML.parse(files['config/deploy.staging.yml']);
  expect(base.service).toBeUndefined();
  expect(prod.service).toBe('shop');
  expect(base.image).toBe('acme/shop');
  expect(base.require_destination).toBe(true);
  expect(base.servers.jobs).toEqual({ hosts: ['<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>'], cmd: 'bin/jobs', proxy: false });
  expect(base.proxy).toEqual({ ssl: true, forward_headers: true, healthcheck: { path: '/up' } });
  expect(prod.proxy).toEqual({ host: 'shop.example.com' });
  expect(stg.service).toBe('shop-staging');
  expect(stg.env.secret).toEqual(['BASIC_AUTH_PASSWORD', 'POSTGRES_PASSWORD', 'RAILS_MASTER_KEY']);
  expect(Object.keys(prod.accessories)).toEqual(['postgres']);
  expect(Object.keys(stg.accessories)).toEqual(['postgres-staging']);
  expect(base.accessories).toBeUndefined();
});

test('the files merged the way Kamal merges them give exactly each destination\'s effective config', () => {
  // GIVEN
  const { app, deploy } = sampleEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  const base = YAML.parse(files['config/deploy.yml']);
  for (const dest of ['production', 'staging']) {
    const overlay = YAML.parse(files[`config/deploy.${dest}.yml`]);
    expect(deepMerge(base, overlay)).toEqual(deploy.effectiveConfig(dest));
  }
});

test('Postgres accessories are named <service>-<accessory> with the destination\'s service, and publish on loopback only', () => {
  // GIVEN
  const { app, pgProd, pgStg } = sampleEstate();
  // WHEN
  const stg = YAML.parse(Testing.synth(app)['config/deploy.staging.yml']);
  // THEN
  expect(pgProd.host).toBe('shop-postgres');
  expect(pgStg.host).toBe('shop-staging-postgres-staging');
  expect(stg.accessories['postgres-staging']).toMatchObject({
    image: 'postgres:18',
    port: '127.0.0.1:5433:5433',
    env: { clear: { PGPORT: '5433', POSTGRES_DB: 'shop_staging', POSTGRES_USER: 'postgres' }, secret: ['POSTGRES_PASSWORD'] },
    volumes: ['data-staging:/var/lib/postgresql'],
  });
});

test('extra databases are created by an init script mounted from the generated file\'s own path', () => {
  // GIVEN
  const { app, pgProd } = sampleEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  const prod = YAML.parse(files['config/deploy.production.yml']);
  expect(files['config/postgres/shop-postgres/create-databases.sql']).toContain('CREATE DATABASE shop_production_cache;');
  expect(prod.accessories.postgres.files).toEqual([`${pgProd.initScript!.path}:/docker-entrypoint-initdb.d/create-databases.sql`]);
});

test('the host comes from ERB and survives Kamal\'s ERB-then-YAML load as the address string', () => {
  // GIVEN
  const { app } = sampleEstate();
  // WHEN
  const text = Testing.synth(app)['config/deploy.yml'];
  const rendered = Erb.render(text, { KAMAL_SERVER_IP_ADDRESS: '203.0.113.7' });
  // THEN
  expect(text).toContain(`- '<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>'`);
  expect(YAML.parse(rendered, { version: '1.1' }).servers.web).toEqual(['203.0.113.7']);
});

test('an accessory-only standalone config is complete on its own', () => {
  // GIVEN
  const { app, tools } = sampleEstate();
  // WHEN
  const cfg = YAML.parse(Testing.synth(app)['config/deploy.tools.yml']);
  // THEN
  expect(cfg.servers).toBeUndefined();
  expect(cfg.accessories.redis).toEqual({ image: 'redis:7', host: '<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>', volumes: ['redis-data:/data'] });
  expect(tools.destinationNames()).toEqual([undefined]);
});

test('a secret a destination uses but no file Kamal reads for it declares is an error naming config, destination, key and files', () => {
  // GIVEN
  const { app } = sampleEstate({ withoutStagingSecret: true });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    "error [estate/shop] secret 'BASIC_AUTH_PASSWORD' (env/secret) of config/deploy.yml -d staging is not in .kamal/secrets-common or .kamal/secrets.staging; declare it in a KamalSecrets construct for .kamal/secrets",
  ]);
});

test("a destination's own secrets_path (set by an override) is where its secrets are looked for", () => {
  // GIVEN: staging reads config/staging-secrets*, which no KamalSecrets declares (the default files do)
  const { app, deploy } = sampleEstate();
  deploy.addOverride('secrets_path', 'config/staging-secrets', 'staging');

  // WHEN
  const errors = Testing.errors(app);

  // THEN: staging's secrets are missing there, production's are found where they were
  expect(errors).toContain(
    "error [estate/shop] secret 'BASIC_AUTH_PASSWORD' (env/secret) of config/deploy.yml -d staging is not in config/staging-secrets-common or config/staging-secrets.staging (no KamalSecrets construct declares these files); declare it in a KamalSecrets construct for config/staging-secrets",
  );
  expect(errors.filter((e) => e.includes('-d production'))).toEqual([]);
});

test('a config whose merged result Kamal would reject fails synth with Kamal\'s message and writes nothing', () => {
  // GIVEN
  const { app, deploy } = sampleEstate();
  deploy.addDestination('qa', { proxy: { hosts: ['qa.example.com'] }, roles: { web: { hosts: [] } } });
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors.some((e) => e.startsWith('error [estate/shop] config/deploy.yml + config/deploy.qa.yml (as Kamal merges them for -d qa)'))).toBe(true);
  expect(errors.join('\n')).toContain('No servers specified for the web primary_role');
});

test('secrets files hold references only, one file per scope Kamal reads', () => {
  // GIVEN
  const { app } = sampleEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect(files['.kamal/secrets-common'].split('\n').slice(1)).toEqual([
    'KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD',
    'POSTGRES_PASSWORD=$POSTGRES_PASSWORD',
    'RAILS_MASTER_KEY=$(cat config/master.key)',
    '',
  ]);
  expect(files['.kamal/secrets.staging']).toContain('BASIC_AUTH_PASSWORD=$BASIC_AUTH_PASSWORD\n');
  expect(files['.kamal/secrets']).toBeUndefined();
});

test('adapter secrets share one fetch per store', () => {
  // GIVEN
  const app = Testing.app();
  new KamalSecrets(app, 'secrets', {
    common: {
      A: SecretSource.adapter({ adapter: '1password', account: 'acme', from: 'Vault/Item' }),
      B: SecretSource.adapter({ adapter: '1password', account: 'acme', from: 'Vault/Item', key: 'B_KEY' }),
    },
  });
  // WHEN
  const text = Testing.synth(app)['.kamal/secrets-common'];
  // THEN
  expect(text.split('\n').slice(1, 4)).toEqual([
    'SECRETS=$(kamal secrets fetch --adapter 1password --account acme --from Vault/Item A B_KEY)',
    'A=$(kamal secrets extract A $SECRETS)',
    'B=$(kamal secrets extract B_KEY $SECRETS)',
  ]);
});

test('addOverride patches the effective config and goes through the split and the same Kamal schema', () => {
  // GIVEN
  const { app, deploy } = sampleEstate();
  deploy.addOverride('proxy.response_timeout', '30s');
  deploy.addOverride('proxy.buffering.requests', false, 'production');
  // WHEN
  const errors = Testing.errors(app);
  const prod = deploy.effectiveConfig('production');
  // THEN
  expect(prod.proxy!.buffering).toEqual({ requests: false });
  expect(deploy.effectiveConfig('staging').proxy!.buffering).toBeUndefined();
  expect(errors).toEqual([
    'error [estate/shop] config/deploy.yml + config/deploy.production.yml (as Kamal merges them for -d production): /proxy/response_timeout proxy/response_timeout: should be an integer',
    'error [estate/shop] config/deploy.yml + config/deploy.staging.yml (as Kamal merges them for -d staging): /proxy/response_timeout proxy/response_timeout: should be an integer',
  ]);
});

test('an override on a generated deploy file itself is validated in that file, as Kamal reads it', () => {
  // GIVEN: the escape hatch of the file constructs, past the config's own overrides
  const { app, deploy, staging } = sampleEstate();
  deploy.baseFile.addOverride('proxy.response_timeout', '30s');
  staging.file.addOverride('proxy.buffring', true);
  // WHEN
  const errors = Testing.errors(app);
  // THEN
  expect(errors).toEqual([
    'error [estate/shop/File] out/config/deploy.yml: /proxy/response_timeout proxy/response_timeout: should be an integer',
    'error [estate/shop/staging/File] out/config/deploy.staging.yml: /proxy/buffring proxy: unknown key: buffring',
  ]);
});

test('an override added while files render (after the checks ran) is still validated, in the files it lands in', () => {
  // GIVEN: a file that renders before config/deploy.yml and changes the model as it does
  const { app, deploy } = sampleEstate();
  new TextFile(app, 'early', {
    path: 'a-first.txt',
    lines: () => {
      deploy.addOverride('proxy.response_timeout', 'not-a-number');
      return ['x'];
    },
  });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toContain('error [estate/shop/File] out/config/deploy.yml: /proxy/response_timeout proxy/response_timeout: should be an integer');
});

test('the effective configs and the split files share parts, so they are frozen: a change through effectiveConfig() fails where it is made', () => {
  // GIVEN
  const { deploy } = sampleEstate();
  const staging = deploy.effectiveConfig('staging') as { env: { clear: Record<string, string> } };

  // THEN
  expect(() => {
    staging.env.clear.LEAK = 'x';
  }).toThrow(TypeError);
  expect(deploy.effectiveConfig('production').env).not.toHaveProperty('clear.LEAK');
});

test('a generated deploy file emitting its planned document is validated once, in the merged configs', () => {
  // GIVEN
  const { app } = sampleEstate();
  const validated: string[] = [];
  const original = KamalConfigValidator.prototype.validate;
  const spy = jest.spyOn(KamalConfigValidator.prototype, 'validate').mockImplementation(function (this: KamalConfigValidator, doc: unknown) {
    validated.push(this.partial ? 'partial' : 'merged');
    return original.call(this, doc);
  });
  try {
    // WHEN
    expect(Testing.errors(app)).toEqual([]);
  } finally {
    spy.mockRestore();
  }
  // THEN: one run per config Kamal loads (shop -d production, shop -d staging, tools), none on
  // the three split files of shop or on tools' own file, which is its merged config
  expect(validated).toEqual(['merged', 'merged', 'merged']);
});

test('every emitted file of the sample estate is guarded by a snapshot', () => {
  // GIVEN
  const { app } = sampleEstate();
  // WHEN
  const files = Testing.synth(app);
  // THEN
  expect(files).toMatchSnapshot();
});

test('an App outside any config has no config to ask for', () => {
  // GIVEN
  const app = new App();
  // THEN
  expect(() => KamalDeploy.of(app)).toThrow('is not inside a KamalDeploy');
});

describe('configs outside an Estate', () => {
  const config = (scope: Construct) =>
    new KamalDeploy(scope, 'shop', { service: 'shop', image: 'acme/shop', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' }, roles: { web: { hosts: ['192.0.2.1'], proxy: false } } });

  test('warn that the checks across configs did not run, naming what to do', () => {
    // GIVEN
    const app = Testing.app();
    config(app);

    // WHEN
    const s = Testing.synthesize(app);

    // THEN
    expect(s.errors).toEqual([]);
    expect(s.warnings.map((w) => [w.path, w.id])).toEqual([['shop', 'kamal:no-estate']]);
    expect(s.warnings[0].message).toContain("put the configs under new Estate(app, 'estate')");
    expect(Testing.synthesize(app, true).errors.map((e) => e.id)).toEqual(['kamal:no-estate']);
  });

  test('inside an Estate there is no such warning', () => {
    // GIVEN
    const app = Testing.app();
    config(new Estate(app, 'estate'));

    // THEN
    expect(Testing.synthesize(app).warnings).toEqual([]);
  });
});
