import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, Erb, parseYaml, Testing } from '../../src';
import { Estate } from '../../constructs/estate';
import { KamalDeploy, KamalSecrets, RegistryProps, SecretSource } from '../../constructs/kamal';
import { AUTH_PROXY_TEMPLATE, DockerAuth, RegistryStack, RegistryStackProps } from '../../constructs/registry';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** A registry stack, the secrets files it reads, and nothing else. */
function registryEstate(props: Partial<RegistryStackProps> = {}, app: App = Testing.app()) {
  const stack = new RegistryStack(app, 'registry', {
    service: 'demo-registry',
    domain: 'repo.example.com',
    host: HOST,
    users: [{ name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }],
    ...props,
  });
  const secrets = new KamalSecrets(app, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env() },
    withoutDestination: DockerAuth.passwordHashSecrets(stack.auth),
  });
  return { app, stack, secrets };
}

/** An app config that pushes to and pulls from `registry`. */
function appConfig(app: App, registry: RegistryProps, destinations: string[] = []): KamalDeploy {
  const deploy = new KamalDeploy(app, 'app', {
    service: 'demo',
    image: 'demo/app',
    roles: { web: { hosts: [HOST] } },
    registry,
    builder: { arch: 'amd64' },
  });
  for (const d of destinations) deploy.addDestination(d);
  return deploy;
}

const yaml = (text: string): any => parseYaml(text);

test('a registry stack emits deploy.registry.yml and config/registry/* that pass every schema and the Kamal validator', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  appConfig(app, stack.loginAs('admin'));

  // WHEN
  const files = Testing.synth(app);

  // THEN
  const deploy = yaml(files['config/deploy.registry.yml']);
  expect(deploy.service).toBe('demo-registry');
  expect(deploy.builder).toEqual({ arch: 'amd64' });
  expect(Object.keys(deploy.accessories)).toEqual(['docker-auth', 'docker-auth-proxy', 'registry']);

  const registry = deploy.accessories.registry;
  expect(registry.image).toBe('registry:2.8.3');
  expect(registry.files).toEqual(['config/registry/config.yml:/etc/docker/registry/config.yml']);
  expect(registry.volumes).toEqual(['docker-registry:/var/lib/registry', '/etc/registry-auth:/etc/registry-auth:ro']);
  expect(registry.proxy).toEqual({
    host: 'repo.example.com',
    app_port: 5000,
    ssl: true,
    response_timeout: 600,
    healthcheck: { path: '/' },
    buffering: { requests: false, responses: false },
  });

  const auth = deploy.accessories['docker-auth'];
  expect(auth.image).toBe('cesanta/docker_auth:1.14');
  expect(auth.files).toEqual(['config/registry/docker_auth/auth_config.yml.erb:/config/auth_config.yml']);
  expect(auth.env).toEqual({ secret: ['REGISTRY_ADMIN_PASSWORD_HASH'] });
  expect(auth.volumes).toEqual(['/etc/registry-auth:/etc/registry-auth:ro']);
  expect(auth.proxy).toBeUndefined();

  const proxy = deploy.accessories['docker-auth-proxy'];
  expect(proxy.image).toBe('nginx:1.28');
  expect(proxy.files).toEqual(['config/registry/nginx/docker-auth-proxy.conf:/etc/nginx/conf.d/default.conf']);
  expect(proxy.proxy).toEqual({
    host: 'repo.example.com',
    app_port: 80,
    ssl: true,
    path_prefixes: ['/auth'],
    strip_path_prefix: false,
    healthcheck: { path: '/up' },
  });

  const config = yaml(files['config/registry/config.yml']);
  expect(config.auth.token).toEqual({
    realm: 'https://repo.example.com/auth',
    service: 'repo.example.com',
    issuer: 'demo-registry-docker-auth',
    rootcertbundle: '/etc/registry-auth/token.crt',
  });
  expect(config.storage.delete).toEqual({ enabled: true });

  const authConfig = yaml(files['config/registry/docker_auth/auth_config.yml.erb']);
  expect(authConfig.server).toEqual({ addr: ':5001' });
  expect(authConfig.token).toEqual({
    issuer: 'demo-registry-docker-auth',
    expiration: 900,
    certificate: '/etc/registry-auth/token.crt',
    key: '/etc/registry-auth/token.key',
  });
  expect(authConfig.users).toEqual({ admin: { password: '<%= ENV.fetch("REGISTRY_ADMIN_PASSWORD_HASH").unpack1("m") %>' } });
  expect(authConfig.acl).toEqual([{ match: { account: 'admin' }, actions: ['*'], comment: 'admin may pull, push and delete every repository' }]);

  const nginx = files['config/registry/nginx/docker-auth-proxy.conf'];
  expect(nginx).toContain('set $token_server http://demo-registry-docker-auth:5001;');
  expect(nginx).toContain('proxy_pass $token_server;');
  expect(nginx).toContain('resolver 127.0.0.11 valid=10s ipv6=off;');

  for (const file of ['config/deploy.registry.yml', 'config/registry/config.yml', 'config/registry/docker_auth/auth_config.yml.erb', 'config/registry/nginx/docker-auth-proxy.conf', '.kamal/secrets']) {
    expect(files[file]).toMatchSnapshot(file);
  }
});

test('no password and no hash is in any emitted file: the hash comes from a secret derived at deploy time', () => {
  // GIVEN
  const { app } = registryEstate();

  // WHEN
  const files = Testing.synth(app);

  // THEN
  expect(files['.kamal/secrets']).toContain(
    "REGISTRY_ADMIN_PASSWORD_HASH=$(printenv KAMAL_REGISTRY_PASSWORD | grep -q . && printenv KAMAL_REGISTRY_PASSWORD | htpasswd -niBC 10 admin | cut -d: -f2 | tr -d '[:space:]' | base64 | tr -d '[:space:]')",
  );
  for (const [file, text] of Object.entries(files)) {
    expect([file, /\$2[aby]\$\d\d\$/.test(text)]).toEqual([file, false]);
  }
});

test('the registry config does not point at itself: it boots from Kamal\'s local registry, which needs no login', () => {
  // GIVEN
  const { app, stack } = registryEstate();

  // WHEN
  const deploy = yaml(Testing.synth(app)['config/deploy.registry.yml']);

  // THEN
  expect(deploy.registry).toEqual({ server: 'localhost:5555' });
  expect(deploy.registry.server).not.toContain(stack.server);
  // Kamal skips `docker login` for this pattern (Kamal::Configuration::Registry#local?).
  expect(deploy.registry.server).toMatch(/^localhost[:$]/);
  // With a local registry the image defaults to the service; there is nothing to build anyway.
  expect(deploy.image).toBeUndefined();
});

test('a registry config that logs in to the registry it boots fails the bootstrap check', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.deploy.addOverride('registry', { server: 'repo.example.com', username: 'admin', password: ['KAMAL_REGISTRY_PASSWORD'] });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toContain(
    'error [registry] config/deploy.registry.yml: registry.server is repo.example.com, the registry this config boots — ' +
      'kamal accessory boot logs in to it before anything runs, so the first boot can never succeed; use Kamal\'s local registry (localhost:<port>)',
  );
});

test('the realm must be the auth proxy route\'s URL', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.registry.configFile.addOverride('auth.token.realm', 'https://auth.example.com/token');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/config.yml: auth.token.realm is "https://auth.example.com/token", but the token endpoint is https://repo.example.com/auth ' +
      '(the route of [registry/Deploy/AuthProxy]) — clients would ask the wrong place for tokens; make the realm the auth proxy\'s URL',
    'error [registry/Deploy/Registry] config/registry/config.yml: auth/token/realm (registry token realm, deployed with config/deploy.registry.yml) is https://auth.example.com/token, ' +
      'which no kamal-proxy route of the estate serves — route it, or point it at a route that exists',
  ]);
});

test('the registry must accept the issuer docker_auth signs as', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.auth.configFile.addOverride('token.issuer', 'someone-else');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/config.yml: auth.token.issuer is "demo-registry-docker-auth", but config/registry/docker_auth/auth_config.yml.erb issues tokens as "someone-else" ' +
      '— the registry would refuse every token; make them the same',
  ]);
});

test('the registry must trust the certificate docker_auth signs with', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.registry.configFile.addOverride('auth.token.rootcertbundle', '/etc/registry-auth/old.crt');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/config.yml: auth.token.rootcertbundle is "/etc/registry-auth/old.crt", but config/registry/docker_auth/auth_config.yml.erb signs with "/etc/registry-auth/token.crt" ' +
      '— the registry would not trust the signing key; point rootcertbundle at docker_auth\'s certificate',
  ]);
});

test('nginx must forward to the port docker_auth listens on', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.auth.configFile.addOverride('server.addr', ':5002');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/nginx/docker-auth-proxy.conf: nginx forwards /auth to demo-registry-docker-auth:5001, but docker_auth runs as demo-registry-docker-auth ' +
      'listening on ":5002" (config/registry/docker_auth/auth_config.yml.erb server.addr) — make nginx\'s upstream docker_auth\'s container name and port',
  ]);
});

test('nginx must forward to docker_auth\'s container, also from a custom template', () => {
  // GIVEN
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-registry-'));
  const template = path.join(dir, 'custom.conf.hbs');
  fs.writeFileSync(template, fs.readFileSync(AUTH_PROXY_TEMPLATE, 'utf8').replace('{{upstreamUrl}}', 'http://old-docker-auth:5001'));
  try {
    const { app } = registryEstate({ authProxyTemplate: template });

    // WHEN
    const errors = Testing.errors(app);

    // THEN
    expect(errors).toEqual([
      'error [registry] config/registry/nginx/docker-auth-proxy.conf: nginx forwards /auth to old-docker-auth:5001, but docker_auth runs as demo-registry-docker-auth ' +
        'listening on ":5001" (config/registry/docker_auth/auth_config.yml.erb server.addr) — make nginx\'s upstream docker_auth\'s container name and port',
      'error [registry/Deploy/AuthProxy] config/registry/nginx/docker-auth-proxy.conf: location /auth proxy_pass (nginx upstream, deployed with config/deploy.registry.yml) points at old-docker-auth, ' +
        'but no config of the estate deploys a container of that name — remove the override of it, or deploy what it names',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('docker_auth must not sign with RFC 7638 key ids for a 2.x registry', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.auth.configFile.addOverride('token.disable_legacy_key_id', true);

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/docker_auth/auth_config.yml.erb: token.disable_legacy_key_id is true, so tokens carry RFC 7638 key ids, ' +
      'but registry 2.x finds signing keys by libtrust key id and would refuse them — remove it, or run registry 3',
  ]);
});

test('docker_auth must sign with RFC 7638 key ids for a 3.x registry', () => {
  // GIVEN
  const { app, stack } = registryEstate({ registryImage: 'registry:3.0.0' });
  stack.auth.configFile.addDeletionOverride('token.disable_legacy_key_id');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/registry/docker_auth/auth_config.yml.erb: registry 3.x finds signing keys by RFC 7638 thumbprint, ' +
      'but docker_auth signs with libtrust key ids (token.disable_legacy_key_id is not true) — set it to true',
  ]);
});

test('a registry 3 stack reads its config from the 3.x path and tokens carry RFC 7638 key ids', () => {
  // GIVEN
  const { app } = registryEstate({ registryImage: 'registry:3.0.0' });

  // WHEN
  const files = Testing.synth(app);

  // THEN
  const deploy = yaml(files['config/deploy.registry.yml']);
  expect(deploy.accessories.registry.image).toBe('registry:3.0.0');
  expect(deploy.accessories.registry.files).toEqual(['config/registry/config.yml:/etc/distribution/config.yml']);
  expect(yaml(files['config/registry/docker_auth/auth_config.yml.erb']).token.disable_legacy_key_id).toBe(true);
  expect(files['config/registry/config.yml']).toMatchSnapshot('config/registry/config.yml');
  expect(files['config/registry/docker_auth/auth_config.yml.erb']).toMatchSnapshot('config/registry/docker_auth/auth_config.yml.erb');
});

test('a config that pushes to the registry as an unknown user fails', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  appConfig(app, { server: stack.server, username: 'deployer', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }, ['staging']);

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/deploy.yml -d staging [app] logs in to repo.example.com as "deployer", which docker_auth does not know (users: admin) ' +
      '— use registry: <stack>.loginAs(\'<user>\') or declare the user',
  ]);
});

test('a config that logs in with another password secret than the user\'s hash is derived from fails', () => {
  // GIVEN
  const { app, stack, secrets } = registryEstate();
  secrets.addCommon('OTHER_PASSWORD', SecretSource.env());
  appConfig(app, { server: stack.server, username: 'admin', passwordSecret: 'OTHER_PASSWORD' });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry] config/deploy.yml [app] logs in to repo.example.com as admin with secret OTHER_PASSWORD, but docker_auth\'s hash for admin is derived from KAMAL_REGISTRY_PASSWORD ' +
      '— use registry: <stack>.loginAs(\'admin\')',
  ]);
});

test('a config whose registry user is a secret gets a warning, not an error', () => {
  // GIVEN
  const { app, stack, secrets } = registryEstate();
  Annotations.of(app).acknowledge('kamal:no-estate', 'this test reads the registry wiring alone');
  secrets.addCommon('REGISTRY_USER', SecretSource.env());
  appConfig(app, { server: stack.server, usernameSecret: 'REGISTRY_USER', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' });

  // WHEN
  const synthesis = Testing.synthesize(app);

  // THEN
  expect(synthesis.errors).toEqual([]);
  expect(synthesis.warnings.map((w) => [w.path, w.id, w.message])).toEqual([[
    'registry',
    'registry:unverifiable-user',
    'can\'t check that these configs log in as a docker_auth user: config/deploy.yml [app] reads its registry user from secret REGISTRY_USER; a wrong name fails only at deploy',
  ]]);
});

test('configs that use another registry are not checked against this one', () => {
  // GIVEN
  const { app, secrets } = registryEstate();
  secrets.addCommon('HUB_PASSWORD', SecretSource.env());
  appConfig(app, { username: 'someone', passwordSecret: 'HUB_PASSWORD' });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([]);
});

test('loginAs gives the registry settings of a declared user, and refuses an unknown one', () => {
  // GIVEN
  const { stack } = registryEstate({
    users: [
      { name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      { name: 'ci', passwordSecret: 'REGISTRY_CI_PASSWORD' },
    ],
  });

  // WHEN
  const login = stack.loginAs('ci');

  // THEN
  expect(login).toEqual({ server: 'repo.example.com', username: 'ci', passwordSecret: 'REGISTRY_CI_PASSWORD' });
  expect(() => stack.loginAs('root')).toThrow('[registry] has no user \'root\'; it has admin, ci');
});

test('every user gets its own hash secret, derived from its own password secret', () => {
  // GIVEN
  const { app, secrets } = registryEstate({
    users: [
      { name: 'ci', passwordSecret: 'REGISTRY_CI_PASSWORD' },
      { name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    ],
  });
  secrets.addCommon('REGISTRY_CI_PASSWORD', SecretSource.env());

  // WHEN
  const files = Testing.synth(app);

  // THEN
  const deploy = yaml(files['config/deploy.registry.yml']);
  expect(deploy.accessories['docker-auth'].env.secret).toEqual(['REGISTRY_ADMIN_PASSWORD_HASH', 'REGISTRY_CI_PASSWORD_HASH']);
  const authConfig = yaml(files['config/registry/docker_auth/auth_config.yml.erb']);
  expect(Object.keys(authConfig.users)).toEqual(['admin', 'ci']);
  expect(authConfig.acl.map((e: any) => e.match.account)).toEqual(['admin', 'ci']);
  expect(files['.kamal/secrets']).toContain('REGISTRY_CI_PASSWORD_HASH=$(printenv REGISTRY_CI_PASSWORD | grep -q . && printenv REGISTRY_CI_PASSWORD | htpasswd -niBC 10 ci |');
});

test('without the hash secrets declared, synth says which secret is missing', () => {
  // GIVEN
  const app = Testing.app();
  new RegistryStack(app, 'registry', { service: 'demo-registry', domain: 'repo.example.com', host: HOST, users: [{ name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }] });
  new KamalSecrets(app, 'secrets', { common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env() } });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [registry/Deploy] secret \'REGISTRY_ADMIN_PASSWORD_HASH\' (accessories/docker-auth/env/secret) of config/deploy.registry.yml is not in .kamal/secrets-common or .kamal/secrets; ' +
      'declare it in a KamalSecrets construct for .kamal/secrets',
  ]);
});

test('the registry and token routes declare who may reach them, and the estate\'s access policy accepts it', () => {
  // GIVEN
  const app = Testing.app();
  new Estate(app, 'estate');
  const { stack } = registryEstate({}, app);

  // WHEN
  const errors = Testing.errors(app);
  const routes = stack.deploy.routes();

  // THEN
  expect(errors).toEqual([]);
  expect(routes.map((r) => [r.name, r.access?.isPublic, r.access?.control?.description])).toEqual([
    ['docker-auth-proxy', false, 'docker_auth login'],
    ['registry', false, 'registry token auth'],
  ]);
});

test('a registry image whose tag does not tell the major version needs it given', () => {
  // GIVEN
  const build = (major?: 2 | 3) => () => registryEstate({ registryImage: 'mirror.example.com/distribution:stable', registryMajorVersion: major });

  // WHEN / THEN
  expect(build()).toThrow("[registry] can't tell the registry major version from image 'mirror.example.com/distribution:stable'; pass registryMajorVersion: 2 or 3");
  expect(build(3)).not.toThrow();
});

test('an accessory that pulls from the registry being booted fails the bootstrap check too', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  stack.deploy.addOverride('accessories.docker-auth.registry', { server: 'repo.example.com', username: 'admin', password: ['KAMAL_REGISTRY_PASSWORD'] });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toContain(
    'error [registry] config/deploy.registry.yml: accessories.docker-auth.registry.server is repo.example.com, the registry this config boots — ' +
      'kamal accessory boot logs in to it before anything runs, so the first boot can never succeed; use Kamal\'s local registry (localhost:<port>)',
  );
});
