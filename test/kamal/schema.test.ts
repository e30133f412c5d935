import {
  KAMAL_BUILT_IN_COMMANDS,
  KAMAL_DEPLOY_SCHEMA,
  KAMAL_RULES,
  KamalConfigValidator,
} from '../../constructs/kamal/schema';

type Doc = Record<string, any>;

/** A small complete config Kamal 2.12 accepts; every test changes a fresh copy of it. */
function base(): Doc {
  return {
    service: 'app',
    image: 'acme/app',
    servers: { web: ['10.0.0.1'] },
    registry: { username: 'acme', password: ['KAMAL_REGISTRY_PASSWORD'] },
    builder: { arch: 'amd64' },
  };
}

function config(change: (doc: Doc) => void): Doc {
  const doc = base();
  change(doc);
  return doc;
}

function complete(doc: unknown) {
  return new KamalConfigValidator().validate(doc);
}

function partial(doc: unknown) {
  return new KamalConfigValidator({ partial: true }).validate(doc);
}

/** A config using every key Kamal 2.12 accepts, in every form it accepts. */
function everything(): Doc {
  return {
    'service': 'app',
    'image': 'acme/app',
    'labels': { team: 'core', role: 'overridden-on-purpose' },
    'volumes': ['/data:/data'],
    'registry': { server: 'ghcr.io', username: 'acme', password: ['KAMAL_REGISTRY_PASSWORD'] },
    'servers': {
      web: {
        hosts: ['10.0.0.1'],
        cmd: 'bin/thrust bin/rails server',
        stop_timeout: 30,
        options: { 'memory': '2g', 'cpus': 4, 'restart': 'always', 'add-host': ['db:10.0.0.4'] },
        logging: { driver: 'json-file', options: { 'max-size': '100m' } },
        proxy: { app_port: 3000 },
        labels: { tier: 'front' },
        env: { clear: { WEB_CONCURRENCY: 2 }, secret: ['DB_PASSWORD'] },
        asset_path: '/rails/public/assets',
      },
      jobs: [{ '10.0.0.2': ['batch', 'replica'] }, { '10.0.0.3': 'batch' }, '10.0.0.6'],
    },
    'env': {
      clear: { RAILS_ENV: 'production', PORT: 3000, DEBUG: false },
      secret: ['RAILS_MASTER_KEY', 'DB_PASSWORD:MAIN_DB_PASSWORD'],
      tags: {
        batch: { WORKERS: 4 },
        replica: { clear: { DB_ROLE: 'reader' }, secret: ['READONLY_PASSWORD'] },
      },
    },
    'proxy': {
      host: 'app.example.com',
      app_port: 80,
      ssl: true,
      ssl_redirect: true,
      forward_headers: true,
      response_timeout: 30,
      path_prefix: '/api,/oauth',
      strip_path_prefix: false,
      healthcheck: { interval: 3, path: '/up', timeout: 3 },
      buffering: { requests: true, responses: true, max_request_body: 40000000, max_response_body: 0, memory: 2000000 },
      logging: { request_headers: ['Cache-Control'], response_headers: ['X-Request-ID'] },
      run: {
        http_port: 80,
        https_port: 443,
        metrics_port: 9090,
        debug: false,
        log_max_size: '10m',
        publish: true,
        bind_ips: ['0.0.0.0'],
        registry: 'docker.io',
        repository: 'basecamp/kamal-proxy',
        version: 'v0.9.2',
        options: { memory: '512m', cpus: 0.5, label: ['proxy=yes'] },
      },
    },
    'builder': {
      arch: ['amd64', 'arm64'],
      remote: 'ssh://docker@builder.example.com',
      local: true,
      cache: { type: 'registry', options: 'mode=max', image: 'app-build-cache' },
      context: '.',
      dockerfile: 'Dockerfile.production',
      target: 'production',
      args: { RUBY_VERSION: '3.3', NESTED: { any: ['thing'] } },
      secrets: ['GITHUB_TOKEN'],
      ssh: 'default=$SSH_AUTH_SOCK',
      driver: 'docker-container',
      provenance: false,
      sbom: true,
    },
    'accessories': {
      db: {
        service: 'app-db',
        image: 'postgres:16',
        registry: { server: 'ghcr.io', username: ['REGISTRY_USER'], password: ['KAMAL_REGISTRY_PASSWORD'] },
        host: '10.0.0.4',
        cmd: 'postgres -c max_connections=200',
        port: 5432,
        labels: { backup: 'daily' },
        options: { restart: 'on-failure:5', cpus: 2 },
        env: { clear: { POSTGRES_USER: 'app' }, secret: ['POSTGRES_PASSWORD'] },
        files: [
          'config/postgres.conf:/etc/postgresql/postgresql.conf',
          { local: 'config/init.sql', remote: '/docker-entrypoint-initdb.d/init.sql', mode: '0644', owner: '999:999', options: 'ro' },
        ],
        directories: ['data:/var/lib/postgresql/data', { local: 'logs', remote: '/var/log/postgresql', mode: '0750' }],
        volumes: ['/backups:/backups'],
        network: 'kamal',
      },
      grafana: {
        image: 'grafana/grafana',
        roles: ['web'],
        proxy: {
          hosts: ['grafana.example.com'],
          app_port: 3000,
          path_prefixes: ['/'],
          ssl: { certificate_pem: 'GRAFANA_CERTIFICATE_PEM', private_key_pem: 'GRAFANA_PRIVATE_KEY_PEM' },
        },
      },
      redis: { image: 'redis:7', tags: ['batch'] },
      memcached: { image: 'memcached:1', role: 'jobs', proxy: false },
      loki: { image: 'grafana/loki:3', hosts: ['10.0.0.5', { '10.0.0.7': 'logs' }] },
      vector: { image: 'timberio/vector:0.40', tag: 'replica' },
    },
    'logging': { driver: 'json-file', options: { 'max-size': '10m' } },
    'ssh': {
      user: 'deploy',
      port: 2222,
      proxy: 'bastion.example.com',
      proxy_command: 'ssh -W %h:%p deploy@bastion.example.com',
      log_level: 'debug',
      keys_only: false,
      keys: ['~/.ssh/id_ed25519'],
      key_data: ['SSH_PRIVATE_KEY'],
      config: ['~/.ssh/config'],
      forward_agent: false,
    },
    'sshkit': { max_concurrent_starts: 10, pool_idle_timeout: 300, dns_retries: 3 },
    'boot': { limit: '25%', wait: 2, parallel_roles: true },
    'aliases': { console: 'app exec -i --reuse "bin/rails console"', staging_deploy: 'deploy -d staging' },
    'asset_path': '/rails/public/assets',
    'hooks_path': '.kamal/hooks',
    'hooks_output': { 'pre-deploy': 'verbose', 'pre-build': 'quiet' },
    'secrets_path': '.kamal/secrets',
    'error_pages_path': 'public',
    'require_destination': true,
    'primary_role': 'web',
    'allow_empty_roles': false,
    'retain_containers': 3,
    'minimum_version': '2.12.0',
    'readiness_delay': 4,
    'deploy_timeout': 30,
    'drain_timeout': 30,
    'stop_timeout': 30,
    'run_directory': '.kamal',
    'output': { otel: { endpoint: 'http://otel-gateway:4318' }, file: { path: '/var/log/kamal/' } },
    'x-defaults': { anything: ['goes', { here: true }] },
  };
}

// ---------------------------------------------------------------------------------------------
// Baseline

test('the base fixture is a complete config Kamal accepts', () => {
  // GIVEN
  const doc = base();

  // WHEN
  const problems = complete(doc);

  // THEN
  expect(problems).toEqual([]);
  expect(partial(doc)).toEqual([]);
});

test('a config using every key Kamal 2.12 accepts, in every form, passes', () => {
  // GIVEN
  const doc = everything();

  // WHEN
  const problems = complete(doc);

  // THEN
  expect(problems).toEqual([]);
});

test('the schema lists exactly the top-level keys of Kamal 2.12', () => {
  // GIVEN
  const expected = [
    'service', 'image', 'labels', 'volumes', 'registry', 'servers', 'env', 'asset_path', 'hooks_path',
    'hooks_output', 'secrets_path', 'error_pages_path', 'require_destination', 'primary_role',
    'allow_empty_roles', 'retain_containers', 'minimum_version', 'readiness_delay', 'deploy_timeout',
    'drain_timeout', 'stop_timeout', 'run_directory', 'ssh', 'builder', 'accessories', 'proxy', 'sshkit',
    'boot', 'logging', 'output', 'aliases',
  ];

  // WHEN
  const keys = Object.keys(KAMAL_DEPLOY_SCHEMA.properties);

  // THEN
  expect(keys.sort()).toEqual(expected.sort());
  expect(Object.keys(everything()).filter((k) => !k.startsWith('x-')).sort()).toEqual(expected.sort());
});

test('a document that is not a hash is rejected', () => {
  // GIVEN
  const doc = ['service', 'app'];

  // WHEN
  const problems = complete(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '', message: 'should be a hash' }]);
});

// ---------------------------------------------------------------------------------------------
// Keys and types (the schema, in Kamal's words)

test('an unknown top-level key is rejected without a context prefix', () => {
  // GIVEN
  const rejected = config((c) => { c.servicez = 'app'; });
  const accepted = config((c) => { c.service = 'app'; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servicez', message: 'unknown key: servicez' }]);
  expect(complete(accepted)).toEqual([]);
});

test('several unknown keys in one hash are reported together, as Kamal does', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', hots: 'x', port: 80 }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: unknown keys: hots, port' }]);
});

test('an unknown key deep in a section names the slash path', () => {
  // GIVEN
  const rejected = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', ports: ['5432'] } }; });
  const accepted = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', port: '5432' } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/db/ports', message: 'accessories/db: unknown key: ports' }]);
  expect(complete(accepted)).toEqual([]);
});

test('x-* keys are accepted at the top level only', () => {
  // GIVEN
  const accepted = config((c) => { c['x-common'] = { anchors: ['anything'] }; });
  const rejected = config((c) => { c.proxy = { 'host': 'app.example.com', 'x-note': 'hi' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(complete(accepted)).toEqual([]);
  expect(problems).toEqual([{ pointer: '/proxy/x-note', message: 'proxy: unknown key: x-note' }]);
});

test('an integer field rejects the string "3000"', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', app_port: '3000' }; });
  const accepted = config((c) => { c.proxy = { host: 'app.example.com', app_port: 3000 }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy/app_port', message: 'proxy/app_port: should be an integer' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a healthcheck interval must be plain seconds, not "3s"', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', healthcheck: { interval: '3s' } }; });
  const accepted = config((c) => { c.proxy = { host: 'app.example.com', healthcheck: { interval: 3 } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy/healthcheck/interval', message: 'proxy/healthcheck/interval: should be an integer' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a boolean field rejects the string "yes"', () => {
  // GIVEN
  const rejected = config((c) => { c.allow_empty_roles = 'yes'; });
  const accepted = config((c) => { c.allow_empty_roles = true; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/allow_empty_roles', message: 'allow_empty_roles: should be a boolean' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a string field accepts any scalar, like 5432, but not a list', () => {
  // GIVEN
  const accepted = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', port: 5432 } }; });
  const rejected = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', port: [5432] } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(complete(accepted)).toEqual([]);
  expect(problems).toEqual([{ pointer: '/accessories/db/port', message: 'accessories/db/port: should be a string' }]);
});

test('arrays are checked element by element', () => {
  // GIVEN
  const rejected = config((c) => { c.volumes = ['/data:/data', { path: '/logs' }]; });
  const accepted = config((c) => { c.volumes = ['/data:/data', '/logs:/logs'] ; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/volumes/1', message: 'volumes/1: should be a string' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a section given as a list is told it should be a hash', () => {
  // GIVEN
  const rejected = config((c) => { c.builder = ['amd64']; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder', message: 'builder: should be a hash' }]);
});

test('a null left by a destination overlay fails the type check', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = null; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: should be a hash' }]);
});

test('servers must be a list of hosts or a hash of roles', () => {
  // GIVEN
  const rejected = config((c) => { c.servers = '10.0.0.1'; });
  const accepted = config((c) => { c.servers = ['10.0.0.1', { '10.0.0.2': 'canary' }]; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers', message: 'servers: should be an array or a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a role must be a list of hosts or a role hash', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = '10.0.0.1'; });
  const accepted = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], cmd: 'bin/web' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web', message: 'servers/web: should be an array or a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a host entry with tags names exactly one host', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = [{ '10.0.0.1': 'canary', '10.0.0.2': 'canary' }]; });
  const accepted = config((c) => { c.servers.web = [{ '10.0.0.1': 'canary' }, { '10.0.0.2': ['canary', 'eu'] }]; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/0', message: 'servers/web/0: multiple hosts found' }]);
  expect(complete(accepted)).toEqual([]);
});

test('host tags are a string or a list of strings', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = [{ '10.0.0.1': { tag: 'canary' } }]; });
  const nested = config((c) => { c.servers.web = [{ '10.0.0.1': [['canary']] }]; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/0/10.0.0.1', message: 'servers/web/0/10.0.0.1: should be a string or an array' }]);
  expect(complete(nested)).toEqual([{ pointer: '/servers/web/0/10.0.0.1/0', message: 'servers/web/0/10.0.0.1/0: should be a string' }]);
});

test('a host list entry is a string or a one-host hash', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = { hosts: [['10.0.0.1']] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/hosts/0', message: 'servers/web/hosts/0: should be a string or a hash' }]);
});

test('a role proxy is a boolean or a hash, and Kamal calls it a hash', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], proxy: 'on' }; });
  const accepted = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], proxy: false }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/proxy', message: 'servers/web/proxy: should be a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

test('proxy ssl is a boolean or a hash', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', ssl: 'on' }; });
  const accepted = config((c) => { c.proxy = { host: 'app.example.com', ssl: true }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy/ssl', message: 'proxy/ssl: should be a boolean or a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

test('ssh config is a boolean, a real string or a list', () => {
  // GIVEN
  const rejected = config((c) => { c.ssh = { config: 1 }; });
  const accepted = config((c) => { c.ssh = { config: '~/.ssh/config' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/ssh/config', message: 'ssh/config: should be a boolean or a string or an array' }]);
  expect(complete(accepted)).toEqual([]);
});

test('builder arch is a string or a list of strings, reported on arch itself', () => {
  // GIVEN
  const rejected = config((c) => { c.builder = { arch: ['amd64', ['arm64']] }; });
  const hash = config((c) => { c.builder = { arch: { amd64: true } }; });
  const accepted = config((c) => { c.builder = { arch: ['amd64', 'arm64'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder/arch', message: 'builder/arch: should be an array or a string' }]);
  expect(complete(hash)).toEqual([{ pointer: '/builder/arch', message: 'builder/arch: should be an array or a string' }]);
  expect(complete(accepted)).toEqual([]);
});

test('builder args and docker options take any hash', () => {
  // GIVEN
  const accepted = config((c) => {
    c.builder = { arch: 'amd64', args: { NESTED: { a: [1] } } };
    c.servers.web = { hosts: ['10.0.0.1'], options: { 'add-host': ['a:1.2.3.4'], 'ulimit': { nofile: 1024 } } };
  });
  const rejected = config((c) => { c.builder = { arch: 'amd64', args: ['RUBY_VERSION=3.3'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(complete(accepted)).toEqual([]);
  expect(problems).toEqual([{ pointer: '/builder/args', message: 'builder/args: should be a hash' }]);
});

test('hooks_output is a level or a hash of levels, in Kamal\'s words', () => {
  // GIVEN
  const rejected = config((c) => { c.hooks_output = ['verbose']; });
  const perHook = config((c) => { c.hooks_output = { 'pre-deploy': ['verbose'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/hooks_output', message: 'hooks_output: should be a string or a symbol' }]);
  expect(complete(perHook)).toEqual([{ pointer: '/hooks_output/pre-deploy', message: 'hooks_output/pre-deploy: should be a string or a symbol' }]);
});

test('a simple env holds strings only', () => {
  // GIVEN
  const rejected = config((c) => { c.env = { DATABASE: { host: 'db' } }; });
  const accepted = config((c) => { c.env = { DATABASE_HOST: 'db', DATABASE_PORT: 5432 }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/env/DATABASE', message: 'env/DATABASE: should be a string' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a complex env allows only clear, secret and tags', () => {
  // GIVEN
  const rejected = config((c) => { c.env = { clear: { A: '1' }, secret: ['DB_PASSWORD'], FOO: 'bar' }; });
  const accepted = config((c) => { c.env = { clear: { A: '1', FOO: 'bar' }, secret: ['DB_PASSWORD'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/env/FOO', message: 'env: unknown key: FOO' }]);
  expect(complete(accepted)).toEqual([]);
});

test('env secrets are a list of secret names', () => {
  // GIVEN
  const rejected = config((c) => { c.env = { secret: { DB_PASSWORD: 'x' } }; });
  const accepted = config((c) => { c.env = { secret: ['DB_PASSWORD'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/env/secret', message: 'env/secret: should be an array' }]);
  expect(complete(accepted)).toEqual([]);
});

test('an env tag is itself an env hash', () => {
  // GIVEN
  const rejected = config((c) => { c.env = { tags: { batch: 'WORKERS=4' } }; });
  const accepted = config((c) => { c.env = { tags: { batch: { WORKERS: 4 } } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/env/tags/batch', message: 'env/tags/batch: should be a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

test('accessory files and directories take both forms, and check the hash values', () => {
  // GIVEN
  const accepted = config((c) => {
    c.accessories = {
      db: {
        image: 'postgres:16',
        host: '10.0.0.4',
        files: ['config/pg.conf:/etc/pg.conf', { local: 'config/init.sql', remote: '/init.sql', mode: '0600', owner: 999 }],
        directories: ['data:/var/lib/postgresql/data', { local: 'logs', remote: '/logs' }],
      },
    };
  });
  const badMode = config((c) => {
    c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', files: [{ local: 'a', remote: '/a', mode: ['0600'] }] } };
  });
  const badEntry = config((c) => {
    c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', directories: [['data', '/data']] } };
  });

  // WHEN
  const problems = complete(badMode);

  // THEN
  expect(complete(accepted)).toEqual([]);
  expect(problems).toEqual([{ pointer: '/accessories/db/files/0/mode', message: 'accessories/db/files/0/mode: should be a string' }]);
  expect(complete(badEntry)).toEqual([{ pointer: '/accessories/db/directories/0', message: 'accessories/db/directories/0: should be a string or a hash' }]);
});

test('output settings reject unknown keys at every level', () => {
  // GIVEN
  const rejected = config((c) => { c.output = { otel: { endpoint: 'http://otel:4318', protocol: 'grpc' } }; });
  const accepted = config((c) => { c.output = { otel: { endpoint: 'http://otel:4318' } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/output/otel/protocol', message: 'output/otel: unknown key: protocol' }]);
  expect(complete(accepted)).toEqual([]);
});

test('each problem is reported once, with no schema noise', () => {
  // GIVEN
  const doc = config((c) => {
    c.env = { clear: [], FOO: 'x' };
    c.servers.web = [{ a: 1, b: 2 }];
  });

  // WHEN
  const problems = complete(doc);

  // THEN
  expect(problems).toEqual([
    { pointer: '/servers/web/0', message: 'servers/web/0: multiple hosts found' },
    { pointer: '/env/FOO', message: 'env: unknown key: FOO' },
    { pointer: '/env/clear', message: 'env/clear: should be a hash' },
  ]);
});

test('rules run only once the shape is right, as Kamal checks shape first', () => {
  // GIVEN
  const doc = config((c) => {
    delete c.service;
    c.sshkit = { max_concurrent_starts: '10' };
  });

  // WHEN
  const problems = complete(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/sshkit/max_concurrent_starts', message: 'sshkit/max_concurrent_starts: should be an integer' }]);
});

// ---------------------------------------------------------------------------------------------
// Required keys and servers

test('a complete config needs a service', () => {
  // GIVEN
  const rejected = config((c) => { delete c.service; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '', message: 'Missing required configuration for service' }]);
  expect(complete(base())).toEqual([]);
});

test('a complete config needs an image unless the registry is local', () => {
  // GIVEN
  const rejected = config((c) => { delete c.image; });
  const accepted = config((c) => {
    delete c.image;
    c.registry = { server: 'localhost:5555' };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '', message: 'Missing required configuration for image' }]);
  expect(complete(accepted)).toEqual([]);
});

test('servers may be left out only when there are accessories', () => {
  // GIVEN
  const rejected = config((c) => { delete c.servers; });
  const accepted = config((c) => {
    delete c.servers;
    c.accessories = { registry: { image: 'registry:3', host: '10.0.0.9', port: '127.0.0.1:5000:5000' } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '', message: 'No servers or accessories specified' }]);
  expect(complete(accepted)).toEqual([]);
});

test('the primary role must be defined', () => {
  // GIVEN
  const rejected = config((c) => { c.primary_role = 'workers'; });
  const empty = config((c) => { c.servers = {}; });
  const accepted = config((c) => {
    c.primary_role = 'workers';
    c.servers = { workers: ['10.0.0.1'] };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/primary_role', message: 'The primary_role workers isn\'t defined' }]);
  expect(complete(empty)).toEqual([{ pointer: '/servers', message: 'The primary_role web isn\'t defined' }]);
  expect(complete(accepted)).toEqual([]);
});

test('the primary role must have hosts, even with allow_empty_roles', () => {
  // GIVEN
  const rejected = config((c) => {
    c.servers = { web: { cmd: 'bin/web' } };
    c.allow_empty_roles = true;
  });
  const list = config((c) => { c.servers = []; });
  const accepted = config((c) => { c.servers = { web: { hosts: ['10.0.0.1'], cmd: 'bin/web' } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web', message: 'No servers specified for the web primary_role' }]);
  expect(complete(list)).toEqual([{ pointer: '/servers', message: 'No servers specified for the web primary_role' }]);
  expect(complete(accepted)).toEqual([]);
});

test('another role without hosts is rejected unless allow_empty_roles is set', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.jobs = { hosts: [], cmd: 'bin/jobs' }; });
  const accepted = config((c) => {
    c.servers.jobs = { hosts: [], cmd: 'bin/jobs' };
    c.allow_empty_roles = true;
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/servers/jobs',
    message: 'No servers specified for the jobs role. You can ignore this with allow_empty_roles: true',
  }]);
  expect(complete(accepted)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Registry and builder

test('registry credentials are required unless the registry is local', () => {
  // GIVEN
  const rejected = config((c) => { c.registry = { server: 'ghcr.io', password: ['KAMAL_REGISTRY_PASSWORD'] }; });
  const missing = config((c) => { delete c.registry; });
  const accepted = config((c) => { c.registry = { server: 'localhost:5555' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/registry', message: 'registry/username: is required' }]);
  expect(complete(missing)).toEqual([
    { pointer: '', message: 'registry/username: is required' },
    { pointer: '', message: 'registry/password: is required' },
  ]);
  expect(complete(accepted)).toEqual([]);
});

test('a bare localhost registry is not a local one, as Kamal matches localhost followed by a colon', () => {
  // GIVEN
  const rejected = config((c) => { c.registry = { server: 'localhost' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([
    { pointer: '/registry', message: 'registry/username: is required' },
    { pointer: '/registry', message: 'registry/password: is required' },
  ]);
});

test('registry credentials are a string or one secret name in a list', () => {
  // GIVEN
  const rejected = config((c) => { c.registry.password = ['KAMAL_REGISTRY_PASSWORD', 'OTHER_PASSWORD']; });
  const accepted = config((c) => { c.registry.username = ['KAMAL_REGISTRY_USERNAME']; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/registry/password',
    message: 'registry/password: should be a string or an array with one string (for secret lookup)',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('an accessory registry needs its own credentials when given', () => {
  // GIVEN
  const rejected = config((c) => {
    c.accessories = { db: { image: 'acme/db', host: '10.0.0.4', registry: { server: 'ghcr.io', username: 'acme' } } };
  });
  const accepted = config((c) => {
    c.accessories = { db: { image: 'acme/db', host: '10.0.0.4', registry: { server: 'ghcr.io', username: 'acme', password: ['GHCR_TOKEN'] } } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/db/registry', message: 'accessories/db/registry/password: is required' }]);
  expect(complete(accepted)).toEqual([]);
});

test('builder arch must be set', () => {
  // GIVEN
  const rejected = config((c) => { c.builder = { dockerfile: 'Dockerfile' }; });
  const missing = config((c) => { delete c.builder; });
  const accepted = config((c) => { c.builder = { dockerfile: 'Dockerfile', arch: 'arm64' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder', message: 'builder: Builder arch not set' }]);
  expect(complete(missing)).toEqual([{ pointer: '', message: 'builder: Builder arch not set' }]);
  expect(complete(accepted)).toEqual([]);
});

test('builder cache type is gha or registry', () => {
  // GIVEN
  const rejected = config((c) => { c.builder.cache = { type: 's3' }; });
  const accepted = config((c) => { c.builder.cache = { type: 'gha' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder/cache/type', message: 'builder: Invalid cache type: s3' }]);
  expect(complete(accepted)).toEqual([]);
});

test('buildpacks build for one arch only', () => {
  // GIVEN
  const rejected = config((c) => { c.builder = { arch: ['amd64', 'arm64'], pack: { builder: 'heroku/builder:24', buildpacks: ['heroku/ruby'] } }; });
  const accepted = config((c) => { c.builder = { arch: ['amd64'], pack: { builder: 'heroku/builder:24', buildpacks: ['heroku/ruby'] } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder/pack', message: 'builder: buildpacks only support building for one arch' }]);
  expect(complete(accepted)).toEqual([]);
});

test('local builds can only be disabled with a remote builder', () => {
  // GIVEN
  const rejected = config((c) => { c.builder = { arch: 'amd64', local: false }; });
  const accepted = config((c) => { c.builder = { arch: 'amd64', local: false, remote: 'ssh://docker@builder' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder/local', message: 'builder: Cannot disable local builds, no remote is set' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a local registry with a remote builder needs an ssh URL', () => {
  // GIVEN
  const rejected = config((c) => {
    c.registry = { server: 'localhost:5555' };
    c.builder = { arch: 'amd64', local: false, remote: 'docker-container://builder' };
  });
  const accepted = config((c) => {
    c.registry = { server: 'localhost:5555' };
    c.builder = { arch: 'amd64', local: false, remote: 'ssh://docker@builder' };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/builder/remote', message: 'Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)' }]);
  expect(complete(accepted)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Values of single keys

test('the service name is letters, digits, hyphens and underscores', () => {
  // GIVEN
  const rejected = config((c) => { c.service = 'my app'; });
  const accepted = config((c) => { c.service = 'My-app_2'; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/service', message: 'Service name can only include alphanumeric characters, hyphens, and underscores' }]);
  expect(complete(accepted)).toEqual([]);
});

test('values that hold ERB are not judged by their text: Kamal runs the ERB first, and the value is known only then', () => {
  // GIVEN: the same keys, each given by a tag (a service per review app, a restart policy and a minimum version from the environment)
  const erb = config((c) => {
    c.service = 'shop-review-<%= ENV.fetch("PR_NUMBER") %>';
    c.minimum_version = '<%= ENV.fetch("KAMAL_MIN", "2.0") %>';
    (c.servers as Record<string, any>).web = { hosts: ['10.0.0.1'], options: { restart: '<%= ENV.fetch("RESTART", "always") %>' } };
  });
  const text = config((c) => {
    c.service = 'shop review';
    c.minimum_version = 'latest';
    (c.servers as Record<string, any>).web = { hosts: ['10.0.0.1'], options: { restart: 'sometimes' } };
  });

  // THEN: the tags pass, the same keys as plain text do not
  expect(complete(erb)).toEqual([]);
  expect(complete(text).map((p) => p.pointer)).toEqual(['/servers/web/options/restart', '/minimum_version', '/service']);
});

test('retain_containers is at least 1', () => {
  // GIVEN
  const rejected = config((c) => { c.retain_containers = 0; });
  const accepted = config((c) => { c.retain_containers = 1; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/retain_containers', message: 'Must retain at least 1 container' }]);
  expect(complete(accepted)).toEqual([]);
});

test('minimum_version above 2.12.0 is rejected', () => {
  // GIVEN
  const rejected = config((c) => { c.minimum_version = '3.0.0'; });
  const prerelease = config((c) => { c.minimum_version = '2.13.0.beta1'; });
  const accepted = config((c) => { c.minimum_version = '2.12'; });
  const olderPrerelease = config((c) => { c.minimum_version = '2.12.0.rc1'; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/minimum_version', message: 'Current version is 2.12.0, minimum required is 3.0.0' }]);
  expect(complete(prerelease)).toEqual([{ pointer: '/minimum_version', message: 'Current version is 2.12.0, minimum required is 2.13.0.beta1' }]);
  expect(complete(accepted)).toEqual([]);
  expect(complete(olderPrerelease)).toEqual([]);
});

test('a minimum_version that is no version number is rejected', () => {
  // GIVEN
  const rejected = config((c) => { c.minimum_version = 'latest'; });
  const accepted = config((c) => { c.minimum_version = '2.0.0'; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/minimum_version', message: 'Malformed version number string latest' }]);
  expect(complete(accepted)).toEqual([]);
});

test('hooks_output levels are quiet or verbose', () => {
  // GIVEN
  const rejected = config((c) => { c.hooks_output = 'loud'; });
  const perHook = config((c) => { c.hooks_output = { 'pre-deploy': 'loud', 'pre-build': 'quiet' }; });
  const accepted = config((c) => { c.hooks_output = { 'pre-deploy': 'verbose', 'pre-build': ':quiet' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/hooks_output', message: 'Invalid hooks_output \'loud\', must be one of: quiet, verbose' }]);
  expect(complete(perHook)).toEqual([{
    pointer: '/hooks_output/pre-deploy',
    message: 'Invalid hooks_output \'loud\' for hook \'pre-deploy\', must be one of: quiet, verbose',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('alias names are lowercase letters, digits, hyphens and underscores', () => {
  // GIVEN
  const rejected = config((c) => { c.aliases = { Shell: 'app exec -i bash' }; });
  const accepted = config((c) => { c.aliases = { shell: 'app exec -i bash' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/aliases/Shell',
    message: 'aliases/Shell: Invalid alias name: \'Shell\'. Must only contain lowercase letters, alphanumeric, hyphens and underscores.',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('an alias may not take the name of a built-in command', () => {
  // GIVEN
  const rejected = config((c) => { c.aliases = { deploy: 'deploy -d production' }; });
  const accepted = config((c) => { c.aliases = { deploy_prod: 'deploy -d production', help: 'docs' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/aliases/deploy', message: 'aliases/deploy: Alias \'deploy\' conflicts with a built-in command.' }]);
  expect(complete(accepted)).toEqual([]);
  for (const command of KAMAL_BUILT_IN_COMMANDS) {
    expect(complete(config((c) => { c.aliases = { [command]: 'version' }; }))).toHaveLength(1);
  }
});

test('an alias is a command line string', () => {
  // GIVEN
  const rejected = config((c) => { c.aliases = { shell: ['app', 'exec'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/aliases/shell', message: 'aliases/shell: should be a string' }]);
});

// ---------------------------------------------------------------------------------------------
// Roles: labels, restart policy, env

test('roles may not set the reserved labels', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], labels: { role: 'frontend' } }; });
  const accepted = config((c) => {
    c.servers.web = { hosts: ['10.0.0.1'], labels: { tier: 'frontend' } };
    c.labels = { role: 'not-checked-at-the-root' };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/servers/web/labels/role',
    message: 'servers/web/labels/role: invalid label. destination, role, and service are reserved labels',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('accessories may not set the reserved labels', () => {
  // GIVEN
  const rejected = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', labels: { destination: 'prod' } } }; });
  const accepted = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', labels: { env: 'prod' } } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/accessories/db/labels/destination',
    message: 'accessories/db/labels/destination: invalid label. destination, role, and service are reserved labels',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('a restart option must be a string', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], options: { restart: false } }; });
  const accepted = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], options: { restart: 'no' } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/servers/web/options/restart',
    message: 'servers/web/options/restart: should be a string. Use "no" to disable restarts',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('a restart option must be a docker restart policy', () => {
  // GIVEN
  const rejected = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', options: { restart: 'on-failure:x' } } }; });
  const accepted = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', options: { restart: 'on-failure:3' } } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/accessories/db/options/restart',
    message: 'accessories/db/options/restart: should be no, always, unless-stopped, on-failure, or on-failure:N',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('env tags are only allowed in the root env', () => {
  // GIVEN
  const rejected = config((c) => { c.servers.web = { hosts: ['10.0.0.1'], env: { tags: { batch: { WORKERS: 4 } } } }; });
  const accepted = config((c) => {
    c.servers.web = { hosts: [{ '10.0.0.1': 'batch' }], env: { clear: { WORKERS: 2 } } };
    c.env = { tags: { batch: { WORKERS: 4 } } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/env/tags', message: 'servers/web/env: tags are only allowed in the root env' }]);
  expect(complete(accepted)).toEqual([]);
});

test('env tags are not allowed in an accessory env nor inside a tag', () => {
  // GIVEN
  const accessory = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', env: { tags: {} } } }; });
  const nested = config((c) => { c.env = { tags: { batch: { tags: {} } } }; });

  // WHEN
  const problems = complete(accessory);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/db/env/tags', message: 'accessories/db/env: tags are only allowed in the root env' }]);
  expect(complete(nested)).toEqual([{ pointer: '/env/tags/batch/tags', message: 'env/tags/batch: tags are only allowed in the root env' }]);
});

// ---------------------------------------------------------------------------------------------
// Accessories

test('an accessory names exactly one host selector', () => {
  // GIVEN
  const none = config((c) => { c.accessories = { db: { image: 'postgres:16' } }; });
  const two = config((c) => { c.accessories = { db: { image: 'postgres:16', host: '10.0.0.4', hosts: ['10.0.0.5'] } }; });
  const accepted = config((c) => { c.accessories = { db: { image: 'postgres:16', hosts: ['10.0.0.4', '10.0.0.5'] } }; });

  // WHEN
  const problems = complete(none);

  // THEN
  const message = 'accessories/db: specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`';
  expect(problems).toEqual([{ pointer: '/accessories/db', message }]);
  expect(complete(two)).toEqual([{ pointer: '/accessories/db', message }]);
  expect(complete(accepted)).toEqual([]);
});

test('an accessory placed by role needs that role to exist', () => {
  // GIVEN
  const roles = config((c) => { c.accessories = { db: { image: 'postgres:16', roles: ['web', 'jobs'] } }; });
  const role = config((c) => { c.accessories = { db: { image: 'postgres:16', role: 'jobs' } }; });
  const accepted = config((c) => {
    c.servers.jobs = ['10.0.0.2'];
    c.accessories = { db: { image: 'postgres:16', roles: ['web', 'jobs'] } };
  });

  // WHEN
  const problems = complete(roles);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/db/roles', message: 'accessories/db: unknown roles jobs' }]);
  expect(complete(role)).toEqual([{ pointer: '/accessories/db/role', message: 'accessories/db: unknown role jobs' }]);
  expect(complete(accepted)).toEqual([]);
});

test('an accessory proxy must be a hash', () => {
  // GIVEN
  const rejected = config((c) => { c.accessories = { grafana: { image: 'grafana/grafana', host: '10.0.0.4', proxy: true } }; });
  const accepted = config((c) => {
    c.accessories = { grafana: { image: 'grafana/grafana', host: '10.0.0.4', proxy: { host: 'grafana.example.com', app_port: 3000 } } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/grafana/proxy', message: 'accessories/grafana/proxy: should be a hash' }]);
  expect(complete(accepted)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Proxy

test('a proxy sets host or hosts, not both', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', hosts: ['www.example.com'] }; });
  const accepted = config((c) => { c.proxy = { hosts: ['app.example.com', 'www.example.com'] }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: Specify one of \'host\' or \'hosts\', not both' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a role proxy merged over the root proxy can end up with host and hosts', () => {
  // GIVEN
  const rejected = config((c) => {
    c.proxy = { host: 'app.example.com' };
    c.servers.web = { hosts: ['10.0.0.1'], proxy: { hosts: ['www.example.com'] } };
  });
  const accepted = config((c) => {
    c.proxy = { host: 'app.example.com' };
    c.servers.web = { hosts: ['10.0.0.1'], proxy: { host: 'www.example.com' } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/proxy', message: 'proxy: Specify one of \'host\' or \'hosts\', not both' }]);
  expect(complete(accepted)).toEqual([]);
});

test('automatic SSL needs a host', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { ssl: true }; });
  const accepted = config((c) => { c.proxy = { ssl: true, host: 'app.example.com' }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: Must set a host to enable automatic SSL' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a role proxy with SSL needs its own host, even when the root proxy has one', () => {
  // GIVEN
  const rejected = config((c) => {
    c.proxy = { host: 'app.example.com' };
    c.servers.web = { hosts: ['10.0.0.1'], proxy: { ssl: true } };
  });
  const accepted = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true };
    c.servers.web = { hosts: ['10.0.0.1'], proxy: { app_port: 3000 } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers/web/proxy', message: 'servers/web/proxy: Must set a host to enable automatic SSL' }]);
  expect(complete(accepted)).toEqual([]);
});

test('a custom certificate needs both halves', () => {
  // GIVEN
  const noKey = config((c) => { c.proxy = { host: 'app.example.com', ssl: { certificate_pem: 'CERTIFICATE_PEM' } }; });
  const noCert = config((c) => { c.proxy = { host: 'app.example.com', ssl: { private_key_pem: 'PRIVATE_KEY_PEM' } }; });
  const accepted = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: { certificate_pem: 'CERTIFICATE_PEM', private_key_pem: 'PRIVATE_KEY_PEM' } };
  });

  // WHEN
  const problems = complete(noKey);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: Missing private_key_pem setting (required when certificate_pem is present)' }]);
  expect(complete(noCert)).toEqual([{ pointer: '/proxy', message: 'proxy: Missing certificate_pem setting (required when private_key_pem is present)' }]);
  expect(complete(accepted)).toEqual([]);
});

test('an unpublished proxy sets no ports', () => {
  // GIVEN
  const rejected = config((c) => { c.proxy = { host: 'app.example.com', run: { publish: false, http_port: 8080 } }; });
  const accepted = config((c) => { c.proxy = { host: 'app.example.com', run: { publish: false, metrics_port: 9090 } }; });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/proxy', message: 'proxy: Cannot set http_port, https_port or bind_ips when publish is false' }]);
  expect(complete(accepted)).toEqual([]);
});

test('an accessory proxy is checked in its own context', () => {
  // GIVEN
  const rejected = config((c) => {
    c.accessories = { grafana: { image: 'grafana/grafana', host: '10.0.0.4', proxy: { ssl: true, app_port: 3000 } } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/accessories/grafana/proxy', message: 'accessories/grafana/proxy: Must set a host to enable automatic SSL' }]);
});

test('SSL on a role with several hosts needs custom certificates', () => {
  // GIVEN
  const rejected = config((c) => {
    c.servers.web = ['10.0.0.1', '10.0.0.2'];
    c.proxy = { host: 'app.example.com', ssl: true };
  });
  const accepted = config((c) => {
    c.servers.web = ['10.0.0.1', '10.0.0.2'];
    c.proxy = { host: 'app.example.com', ssl: { certificate_pem: 'CERTIFICATE_PEM', private_key_pem: 'PRIVATE_KEY_PEM' } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/servers/web',
    message: 'SSL is only supported on a single server unless you provide custom certificates, found 2 servers for role web',
  }]);
  expect(complete(accepted)).toEqual([]);
});

test('two SSL roles may not share a host name', () => {
  // GIVEN
  const rejected = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true };
    c.servers.api = { hosts: ['10.0.0.2'], proxy: true };
  });
  const accepted = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true };
    c.servers.api = { hosts: ['10.0.0.2'], proxy: { host: 'api.example.com', ssl: true } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '/servers', message: 'Different roles can\'t share the same host for SSL: app.example.com' }]);
  expect(complete(accepted)).toEqual([]);
});

test('roles and accessories on one host must agree on the proxy run settings', () => {
  // GIVEN
  const rejected = config((c) => {
    c.proxy = { host: 'app.example.com', run: { http_port: 8080 } };
    c.accessories = { grafana: { image: 'grafana/grafana', host: '10.0.0.1', proxy: { host: 'grafana.example.com', run: { http_port: 9090 } } } };
  });
  const accepted = config((c) => {
    c.proxy = { host: 'app.example.com', run: { http_port: 8080 } };
    c.accessories = { grafana: { image: 'grafana/grafana', host: '10.0.0.1', proxy: { host: 'grafana.example.com', run: { http_port: 8080 } } } };
  });

  // WHEN
  const problems = complete(rejected);

  // THEN
  expect(problems).toEqual([{ pointer: '', message: 'Conflicting proxy run configurations for host 10.0.0.1' }]);
  expect(complete(accepted)).toEqual([]);
});

test('each role is checked with its own merged proxy, worked out once per document', () => {
  // GIVEN web takes the root proxy; api merges its own host over it and runs on two servers
  const doc = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true, run: { http_port: 8080 } };
    c.servers.api = { hosts: ['10.0.0.1', '10.0.0.2'], proxy: { host: 'api.example.com', run: { http_port: 9090 } } };
  });

  // WHEN
  const problems = complete(doc);

  // THEN api's merged proxy (SSL from the root, its own host and port) is not web's
  expect(problems).toEqual([
    { pointer: '/servers/api', message: 'SSL is only supported on a single server unless you provide custom certificates, found 2 servers for role api' },
    { pointer: '', message: 'Conflicting proxy run configurations for host 10.0.0.1' },
  ]);
});

test('one validator checks every document on its own facts, nothing carried over from the last one', () => {
  // GIVEN documents whose roles and proxies differ, checked in turn by one validator
  const validator = new KamalConfigValidator();
  const shared = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true };
    c.servers.api = { hosts: ['10.0.0.2'], proxy: true };
  });
  const own = config((c) => {
    c.proxy = { host: 'app.example.com', ssl: true };
    c.servers.api = { hosts: ['10.0.0.2'], proxy: { host: 'api.example.com' } };
  });
  const noApi = config((c) => {
    c.primary_role = 'api';
  });

  // WHEN
  const results = [shared, own, noApi, shared].map((d) => validator.validate(d));

  // THEN
  const conflict = { pointer: '/servers', message: 'Different roles can\'t share the same host for SSL: app.example.com' };
  expect(results).toEqual([
    [conflict],
    [],
    [{ pointer: '/primary_role', message: 'The primary_role api isn\'t defined' }],
    [conflict],
  ]);
});

// ---------------------------------------------------------------------------------------------
// Partial mode: a base file or a destination overlay alone

test('partial mode does not require service, image, registry, builder or servers', () => {
  // GIVEN
  const overlay = { servers: { web: ['10.1.0.1'] }, env: { clear: { RAILS_ENV: 'staging' } } };

  // WHEN
  const problems = partial(overlay);

  // THEN
  expect(problems).toEqual([]);
  expect(complete(overlay).map((p) => p.message)).toEqual([
    'registry/username: is required',
    'registry/password: is required',
    'builder: Builder arch not set',
    'Missing required configuration for service',
    'Missing required configuration for image',
  ]);
});

test('partial mode still checks keys and types', () => {
  // GIVEN
  const overlay = { proxy: { host: 'staging.example.com', app_port: '3000', hots: 'x' } };

  // WHEN
  const problems = partial(overlay);

  // THEN
  expect(problems).toEqual([
    { pointer: '/proxy/hots', message: 'proxy: unknown key: hots' },
    { pointer: '/proxy/app_port', message: 'proxy/app_port: should be an integer' },
  ]);
});

test('partial mode still checks the rules about a key\'s own value', () => {
  // GIVEN
  const overlay = {
    service: 'my app',
    retain_containers: 0,
    hooks_output: 'loud',
    aliases: { deploy: 'deploy -d staging' },
    proxy: { host: 'a.example.com', hosts: ['b.example.com'] },
    servers: { web: { hosts: ['10.1.0.1'], labels: { service: 'x' }, options: { restart: 'sometimes' }, env: { tags: {} } } },
    accessories: { grafana: { proxy: true } },
  };

  // WHEN
  const problems = partial(overlay);

  // THEN
  expect(problems).toEqual([
    { pointer: '/servers/web/labels/service', message: 'servers/web/labels/service: invalid label. destination, role, and service are reserved labels' },
    { pointer: '/servers/web/options/restart', message: 'servers/web/options/restart: should be no, always, unless-stopped, on-failure, or on-failure:N' },
    { pointer: '/servers/web/env/tags', message: 'servers/web/env: tags are only allowed in the root env' },
    { pointer: '/proxy', message: 'proxy: Specify one of \'host\' or \'hosts\', not both' },
    { pointer: '/accessories/grafana/proxy', message: 'accessories/grafana/proxy: should be a hash' },
    { pointer: '/aliases/deploy', message: 'aliases/deploy: Alias \'deploy\' conflicts with a built-in command.' },
    { pointer: '/retain_containers', message: 'Must retain at least 1 container' },
    { pointer: '/service', message: 'Service name can only include alphanumeric characters, hyphens, and underscores' },
    { pointer: '/hooks_output', message: 'Invalid hooks_output \'loud\', must be one of: quiet, verbose' },
  ]);
});

test('partial mode leaves checks that combine keys from both files to the merged config', () => {
  // GIVEN
  const baseFile = {
    proxy: { ssl: true, run: { publish: false } },
    servers: { web: ['10.0.0.1', '10.0.0.2'], jobs: { cmd: 'bin/jobs' } },
    accessories: { db: { image: 'postgres:16', roles: ['db'] } },
    builder: { local: false },
  };

  // WHEN
  const problems = partial(baseFile);

  // THEN
  expect(problems).toEqual([]);
});

test('partial mode allows an accessory without a selector but not one with two', () => {
  // GIVEN
  const overlay = { accessories: { db: { env: { clear: { POSTGRES_DB: 'app_staging' } } } } };
  const two = { accessories: { db: { host: '10.1.0.4', role: 'web' } } };

  // WHEN
  const problems = partial(overlay);

  // THEN
  expect(problems).toEqual([]);
  expect(partial(two)).toEqual([{ pointer: '/accessories/db', message: 'accessories/db: specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`' }]);
});

test('partial mode checks the shape of registry credentials it is given', () => {
  // GIVEN
  const rejected = { registry: { username: 'acme', password: ['KAMAL_REGISTRY_PASSWORD', 'OTHER'] } };
  const accepted = { registry: { server: 'ghcr.io' } };

  // WHEN
  const problems = partial(rejected);

  // THEN
  expect(problems).toEqual([{
    pointer: '/registry/password',
    message: 'registry/password: should be a string or an array with one string (for secret lookup)',
  }]);
  expect(partial(accepted)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// The validator as a whole

test('every rule has a distinct id', () => {
  // GIVEN
  const ids = KAMAL_RULES.map((r) => r.id);

  // WHEN
  const unique = new Set(ids);

  // THEN
  expect(unique.size).toBe(ids.length);
});

test('the schema is never compiled at run time: its precompiled validator serves every validator', () => {
  jest.isolateModules(() => {
    // GIVEN
    const engine = require('../../src/schema') as typeof import('../../src/schema');
    const fresh = require('../../constructs/kamal/schema') as typeof import('../../constructs/kamal/schema');
    const compile = jest.spyOn(engine.ajv(), 'compile');
    const docs = Array.from({ length: 500 }, (_, i) => config((c) => { c.servers.web = [`10.0.${Math.floor(i / 250)}.${i % 250}`]; }));

    // WHEN
    const problems = docs.flatMap((d) => new fresh.KamalConfigValidator({ partial: d === docs[0] }).validate(d));

    // THEN
    expect(problems).toEqual([]);
    expect(new fresh.KamalConfigValidator().validate({ ...docs[1], bogus: 1 })).toEqual([{ pointer: '/bogus', message: 'unknown key: bogus' }]);
    expect(compile).not.toHaveBeenCalled();
  });
});
