import { dockerAuthConfigSchema, registryConfigSchema } from '../../constructs/registry/schemas';
import { parseYaml } from '../../src';

/** A deep copy of `doc` with the value at `path` (dot-separated) replaced, or removed for undefined. */
function edit(doc: unknown, path: string, value: unknown): any {
  const copy = structuredClone(doc) as any;
  const keys = path.split('.');
  let node = copy;
  for (const k of keys.slice(0, -1)) {
    node[k] ??= {};
    node = node[k];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Docker Registry config.yml (formats.md §4)
// ---------------------------------------------------------------------------------------------

const REGISTRY_YAML = `
version: 0.1
log:
  level: info
  formatter: text
  accesslog: {disabled: false}
  fields: {service: registry}
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
  maintenance:
    uploadpurging: {enabled: true, age: 168h, interval: 24h, dryrun: false}
http:
  addr: :5000
  secret: <%= ENV["REGISTRY_HTTP_SECRET"] %>
  relativeurls: false
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver: {enabled: true, interval: 10s, threshold: 3}
auth:
  token:
    realm: https://repo.example.com/auth
    service: repo.example.com
    issuer: rs-textbook-guide-docker-auth
    rootcertbundle: /etc/registry-auth/token.crt
notifications:
  endpoints:
    - name: ci
      url: https://hooks.example.com/registry
      headers: {X-Source: [registry]}
      timeout: 1s
      threshold: 5
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
`;

const registryDoc = (): any => parseYaml(REGISTRY_YAML);

test('the formats.md registry config is valid for registry 2 and registry 3', () => {
  // GIVEN
  const doc = registryDoc();

  // WHEN
  const v2 = registryConfigSchema(2).validate(doc);
  const v3 = registryConfigSchema(3).validate(doc);

  // THEN
  expect(doc.version).toBe(0.1);
  expect(v2).toEqual([]);
  expect(v3).toEqual([]);
});

test('the schema for a version is one instance, so it is compiled once', () => {
  // GIVEN / WHEN / THEN
  expect(registryConfigSchema(2)).toBe(registryConfigSchema(2));
  expect(registryConfigSchema(2)).not.toBe(registryConfigSchema(3));
});

test('version accepts 0.1 as YAML reads it and as a string, and nothing else', () => {
  // GIVEN
  const asString = edit(registryDoc(), 'version', '0.1');
  const wrong = edit(registryDoc(), 'version', 0.2);

  // WHEN
  const ok = registryConfigSchema(2).validate(asString);
  const problems = registryConfigSchema(2).validate(wrong);

  // THEN
  expect(ok).toEqual([]);
  expect(problems).toEqual([{ pointer: '/version', message: 'must be one of 0.1, "0.1"' }]);
});

test('version and storage are required', () => {
  // GIVEN
  const doc = edit(edit(registryDoc(), 'version', undefined), 'storage', undefined);

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([
    { pointer: '', message: "missing required key 'version'" },
    { pointer: '', message: "missing required key 'storage'" },
  ]);
});

test('an unknown top-level key is rejected', () => {
  // GIVEN
  const doc = edit(registryDoc(), 'htpp', { addr: ':5000' });

  // WHEN
  const problems = registryConfigSchema(3).validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/htpp', message: 'unknown key' }]);
});

test.each([
  ['http.adress', ':5000', '/http/adress'],
  ['storage.delete.enable', true, '/storage/delete/enable'],
  ['storage.filesystem.rootdir', '/data', '/storage/filesystem/rootdir'],
  ['auth.token.rootcertbundel', '/x.crt', '/auth/token/rootcertbundel'],
  ['health.storagedriver.enable', true, '/health/storagedriver/enable'],
  ['log.accesslog.disable', true, '/log/accesslog/disable'],
])('an unknown nested key %s is rejected (the real registry would ignore some of them)', (path, value, pointer) => {
  // GIVEN
  const doc = edit(registryDoc(), path, value);

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer, message: 'unknown key' }]);
});

test('storage with two drivers fails, and with one passes', () => {
  // GIVEN
  const two = edit(registryDoc(), 'storage.s3', { bucket: 'images', region: 'eu-west-1' });
  const one = edit(edit(registryDoc(), 'storage.s3', { bucket: 'images', region: 'eu-west-1' }), 'storage.filesystem', undefined);

  // WHEN
  const problems = registryConfigSchema(2).validate(two);
  const ok = registryConfigSchema(2).validate(one);

  // THEN
  expect(problems).toEqual([{ pointer: '/storage', message: 'storage needs exactly one driver; found filesystem, s3' }]);
  expect(ok).toEqual([]);
});

test('storage with options but no driver fails', () => {
  // GIVEN
  const doc = edit(registryDoc(), 'storage.filesystem', undefined);

  // WHEN
  const problems = registryConfigSchema(3).validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/storage', message: 'storage needs exactly one driver (filesystem, inmemory, s3, ...); found none' }]);
});

test('the inmemory driver may be written with no value, as YAML reads `inmemory:`', () => {
  // GIVEN
  const doc = edit(edit(registryDoc(), 'storage.filesystem', undefined), 'storage.inmemory', null);

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([]);
});

test.each(['realm', 'service', 'issuer', 'rootcertbundle'])('registry 2 token auth without %s fails', (key) => {
  // GIVEN
  const doc = edit(registryDoc(), `auth.token.${key}`, undefined);

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/auth/token', message: `missing required key '${key}'` }]);
});

test.each(['realm', 'service', 'issuer'])('registry 3 token auth without %s fails', (key) => {
  // GIVEN
  const doc = edit(registryDoc(), `auth.token.${key}`, undefined);

  // WHEN
  const problems = registryConfigSchema(3).validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/auth/token', message: `missing required key '${key}'` }]);
});

test('registry 3 token auth takes jwks instead of rootcertbundle, but needs one of them', () => {
  // GIVEN
  const jwksOnly = edit(edit(registryDoc(), 'auth.token.rootcertbundle', undefined), 'auth.token.jwks', '/etc/registry-auth/jwks.json');
  const neither = edit(registryDoc(), 'auth.token.rootcertbundle', undefined);

  // WHEN
  const ok = registryConfigSchema(3).validate(jwksOnly);
  const problems = registryConfigSchema(3).validate(neither);

  // THEN
  expect(ok).toEqual([]);
  expect(problems).toEqual([{ pointer: '/auth/token', message: 'token auth needs rootcertbundle or jwks to know which signing keys to trust' }]);
});

test('registry 2 refuses jwks in place of rootcertbundle, as 2.8 panics on it', () => {
  // GIVEN
  const doc = edit(edit(registryDoc(), 'auth.token.rootcertbundle', undefined), 'auth.token.jwks', '/etc/registry-auth/jwks.json');

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([
    { pointer: '/auth/token', message: "missing required key 'rootcertbundle'" },
    { pointer: '/auth/token/jwks', message: 'unknown key' },
  ]);
});

test.each([
  ['/auth', 'a path'],
  ['repo.example.com/auth', 'no scheme'],
  ['ftp://repo.example.com/auth', 'not http(s)'],
  ['https:///auth', 'no host'],
])('a token realm of %s (%s) fails', (realm) => {
  // GIVEN
  const doc = edit(registryDoc(), 'auth.token.realm', realm);

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems).toEqual([{
    pointer: '/auth/token/realm',
    message: `realm '${realm}' must be an absolute http(s) URL that clients can reach, e.g. https://registry.example.com/auth`,
  }]);
});

test.each([
  'https://repo.example.com/auth',
  'http://127.0.0.1:5001/auth',
  'https://<%= ENV["REGISTRY_HOST"] %>/auth',
])('a token realm of %s passes', (realm) => {
  // GIVEN
  const doc = edit(registryDoc(), 'auth.token.realm', realm);

  // WHEN
  const problems = registryConfigSchema(3).validate(doc);

  // THEN
  expect(problems).toEqual([]);
});

test('auth with two providers fails, and with one passes', () => {
  // GIVEN
  const two = edit(registryDoc(), 'auth.htpasswd', { realm: 'basic-realm', path: '/auth/htpasswd' });
  const one = edit(edit(registryDoc(), 'auth.htpasswd', { realm: 'basic-realm', path: '/auth/htpasswd' }), 'auth.token', undefined);

  // WHEN
  const problems = registryConfigSchema(2).validate(two);
  const ok = registryConfigSchema(2).validate(one);

  // THEN
  expect(problems).toEqual([{ pointer: '/auth', message: 'auth takes exactly one provider; found token, htpasswd' }]);
  expect(ok).toEqual([]);
});

test('a redis blob descriptor cache needs a redis section of the right version', () => {
  // GIVEN
  const noRedis = edit(registryDoc(), 'storage.cache.blobdescriptor', 'redis');
  const v2Redis = edit(noRedis, 'redis', { addr: 'registry-redis:6379', db: 0, dialtimeout: '10ms', pool: { maxidle: 16 } });
  const v3Redis = edit(noRedis, 'redis', { addrs: ['registry-redis:6379'], db: 0, dialtimeout: '10ms', poolsize: 64 });

  // WHEN / THEN
  expect(registryConfigSchema(2).validate(noRedis)).toEqual([
    { pointer: '/storage/cache/blobdescriptor', message: "blobdescriptor 'redis' needs redis.addr; set it or use 'inmemory'" },
  ]);
  expect(registryConfigSchema(3).validate(noRedis)).toEqual([
    { pointer: '/storage/cache/blobdescriptor', message: "blobdescriptor 'redis' needs redis.addrs; set it or use 'inmemory'" },
  ]);
  expect(registryConfigSchema(2).validate(v2Redis)).toEqual([]);
  expect(registryConfigSchema(3).validate(v3Redis)).toEqual([]);
});

test('the redis section has the 2.8 shape under 2 and the go-redis shape under 3', () => {
  // GIVEN
  const v2Shape = edit(registryDoc(), 'redis', { addr: 'redis:6379', pool: { maxidle: 16, maxactive: 64, idletimeout: '300s' } });
  const v3Shape = edit(registryDoc(), 'redis', { addrs: ['redis:6379'], maxidleconns: 16, tls: { certificate: '/c.crt', key: '/c.key' } });

  // WHEN / THEN
  expect(registryConfigSchema(3).validate(v2Shape)).toEqual([
    { pointer: '/redis/addr', message: 'unknown key' },
    { pointer: '/redis/pool', message: 'unknown key' },
  ]);
  expect(registryConfigSchema(2).validate(v3Shape)).toEqual([
    { pointer: '/redis/addrs', message: 'unknown key' },
    { pointer: '/redis/maxidleconns', message: 'unknown key' },
    { pointer: '/redis/tls', message: 'unknown key' },
  ]);
});

test.each([
  ['auth.token.jwks', '/etc/registry-auth/jwks.json'],
  ['auth.token.signingalgorithms', ['RS256']],
  ['auth.token.autoredirectpath', '/auth/token'],
  ['log.reportcaller', true],
  ['http.h2c', { enabled: true }],
  ['http.tls.clientauth', 'require-and-verify-client-cert'],
  ['http.tls.letsencrypt.directoryurl', 'https://acme.example.com/directory'],
  ['storage.tag', { concurrencylimit: 8 }],
  ['storage.cache.blobdescriptorsize', 10000],
  ['proxy.ttl', '168h'],
  ['proxy.exec', { command: 'docker-credential-pass', lifetime: '1h' }],
  ['validation.manifests.indexes', { platforms: 'list', platformlist: [{ architecture: 'amd64', os: 'linux' }] }],
])('the 3.x-only key %s is accepted under 3 and rejected under 2', (path, value) => {
  // GIVEN
  const doc = edit(registryDoc(), path, value);

  // WHEN
  const v3 = registryConfigSchema(3).validate(doc);
  const v2 = registryConfigSchema(2).validate(doc);

  // THEN
  expect(v3).toEqual([]);
  expect(v2).toEqual([{ pointer: `/${path.split('.').join('/')}`, message: 'unknown key' }]);
});

test.each([
  ['reporting', { bugsnag: { apikey: 'x', releasestage: 'production' } }],
  ['compatibility', { schema1: { enabled: false } }],
  ['storage.swift', { container: 'images' }],
])('the 2.x-only key %s is accepted under 2 and rejected under 3', (path, value) => {
  // GIVEN
  const doc = path === 'storage.swift'
    ? edit(edit(registryDoc(), 'storage.filesystem', undefined), path, value)
    : edit(registryDoc(), path, value);

  // WHEN
  const v2 = registryConfigSchema(2).validate(doc);
  const v3 = registryConfigSchema(3).validate(doc);

  // THEN
  expect(v2).toEqual([]);
  expect(v3).toContainEqual({ pointer: `/${path.split('.').join('/')}`, message: 'unknown key' });
});

test('http2, debug with prometheus and proxy are accepted by both versions', () => {
  // GIVEN
  let doc = edit(registryDoc(), 'http.http2', { disabled: true });
  doc = edit(doc, 'http.debug', { addr: ':5001', prometheus: { enabled: true, path: '/metrics' } });
  doc = edit(doc, 'proxy', { remoteurl: 'https://registry-1.docker.io' });

  // WHEN / THEN
  expect(registryConfigSchema(2).validate(doc)).toEqual([]);
  expect(registryConfigSchema(3).validate(doc)).toEqual([]);
});

test('a log level or duration of the wrong kind is pointed at', () => {
  // GIVEN
  const doc = edit(edit(registryDoc(), 'log.level', 'verbose'), 'storage.maintenance.uploadpurging.age', 'a week');

  // WHEN
  const problems = registryConfigSchema(2).validate(doc);

  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/log/level', '/storage/maintenance/uploadpurging/age']);
  expect(problems[0].message).toBe('must be one of "error", "warn", "info", "debug"');
});

// ---------------------------------------------------------------------------------------------
// docker_auth auth_config.yml (formats.md §5)
// ---------------------------------------------------------------------------------------------

/** Shaped like a bcrypt hash; not the hash of anything. */
const HASH = `$2y$05$${'N'.repeat(22)}${'h'.repeat(31)}`;

const DOCKER_AUTH_YAML = `
server:
  addr: ":5001"
  real_ip_header: "X-Forwarded-For"
  real_ip_pos: -2
token:
  issuer: "rs-textbook-guide-docker-auth"
  expiration: 900
  certificate: "/etc/registry-auth/token.crt"
  key: "/etc/registry-auth/token.key"
users:
  "deploy":
    password: '<%= ENV["DOCKER_AUTH_DEPLOY_PASSWORD_HASH"] %>'
  "ci":
    password: "${HASH}"
    labels: {team: [platform]}
acl:
  - match: {account: "deploy"}
    actions: ["*"]
    comment: "deploy can push/pull"
  - match: {account: "ci", name: "app-*"}
    actions: ["pull"]
`;

const authDoc = (): any => parseYaml(DOCKER_AUTH_YAML);

test('the formats.md docker_auth config is valid', () => {
  // GIVEN
  const doc = authDoc();

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(doc.users.ci.password).toBe(HASH);
  expect(problems).toEqual([]);
});

test.each([
  ['server', "missing required key 'server'", ''],
  ['token', "missing required key 'token'", ''],
  ['acl', "missing required key 'acl'", ''],
  ['server.addr', "missing required key 'addr'", '/server'],
  ['token.issuer', "missing required key 'issuer'", '/token'],
  ['token.expiration', "missing required key 'expiration'", '/token'],
])('docker_auth without %s fails', (path, message, pointer) => {
  // GIVEN
  const doc = edit(authDoc(), path, undefined);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer, message }]);
});

test('an empty acl list is the explicit deny-all and passes', () => {
  // GIVEN
  const doc = edit(authDoc(), 'acl', []);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([]);
});

test('token expiration must be positive', () => {
  // GIVEN
  const zero = edit(authDoc(), 'token.expiration', 0);
  const one = edit(authDoc(), 'token.expiration', 1);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(zero);
  const ok = dockerAuthConfigSchema.validate(one);

  // THEN
  expect(problems).toEqual([{ pointer: '/token/expiration', message: 'must be > 0' }]);
  expect(ok).toEqual([]);
});

test('a token certificate without its key fails, and the pair passes', () => {
  // GIVEN
  const certOnly = edit(authDoc(), 'token.key', undefined);
  const keyOnly = edit(authDoc(), 'token.certificate', undefined);

  // WHEN
  const certProblems = dockerAuthConfigSchema.validate(certOnly);
  const keyProblems = dockerAuthConfigSchema.validate(keyOnly);

  // THEN
  expect(certProblems).toEqual([{ pointer: '/token/key', message: 'token signing needs certificate and key together; set key too or remove certificate' }]);
  expect(keyProblems).toEqual([{ pointer: '/token/certificate', message: 'token signing needs certificate and key together; set certificate too or remove key' }]);
  expect(dockerAuthConfigSchema.validate(authDoc())).toEqual([]);
});

test('without token or server certificates there is nothing to sign tokens with', () => {
  // GIVEN
  const neither = edit(edit(authDoc(), 'token.key', undefined), 'token.certificate', undefined);
  const serverPair = edit(edit(neither, 'server.certificate', '/etc/docker-auth/server.crt'), 'server.key', '/etc/docker-auth/server.key');

  // WHEN
  const problems = dockerAuthConfigSchema.validate(neither);
  const ok = dockerAuthConfigSchema.validate(serverPair);

  // THEN
  expect(problems).toEqual([{ pointer: '/token', message: 'tokens need a signing key: set token.certificate and token.key (the registry trusts this certificate)' }]);
  expect(ok).toEqual([]);
});

test('a server certificate without its key fails', () => {
  // GIVEN
  const doc = edit(authDoc(), 'server.certificate', '/etc/docker-auth/server.crt');

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/server/key', message: 'server TLS needs certificate and key together; set key too or remove certificate' }]);
});

test('a config without any authentication method fails, and an empty users map passes', () => {
  // GIVEN
  const none = edit(authDoc(), 'users', undefined);
  const emptyUsers = edit(authDoc(), 'users', {});
  const extAuth = edit(none, 'ext_auth', { command: '/usr/local/bin/my_auth', args: ['--flag'] });

  // WHEN
  const problems = dockerAuthConfigSchema.validate(none);

  // THEN
  expect(problems).toEqual([{
    pointer: '',
    message: 'no authentication method is configured; add users (or one of google_auth, github_auth, oidc_auth, gitlab_auth, ldap_auth, mongo_auth, xorm_auth, ext_auth, plugin_authn)',
  }]);
  expect(dockerAuthConfigSchema.validate(emptyUsers)).toEqual([]);
  expect(dockerAuthConfigSchema.validate(extAuth)).toEqual([]);
});

test('a plain text password fails', () => {
  // GIVEN
  const doc = edit(authDoc(), 'users.deploy.password', 'hunter2-but-longer');

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{
    pointer: '/users/deploy/password',
    message: "password of user 'deploy' must be a bcrypt hash ($2a$/$2b$/$2y$, e.g. from htpasswd -nbB) or an ERB tag <%= ENV[\"NAME\"] %> that renders one, never plain text",
  }]);
});

test.each([
  HASH,
  HASH.replace('$2y$', '$2a$'),
  HASH.replace('$2y$', '$2b$'),
  '<%= ENV["DOCKER_AUTH_DEPLOY_PASSWORD_HASH"] %>',
  '<%= ENV.fetch("DOCKER_AUTH_DEPLOY_PASSWORD_HASH") %>',
])('the password %s passes', (password) => {
  // GIVEN
  const doc = edit(authDoc(), 'users.deploy.password', password);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([]);
});

test.each([
  ['a $2x$ prefix', HASH.replace('$2y$', '$2x$')],
  ['a truncated hash', HASH.slice(0, -1)],
  ['text around the ERB tag', 'x<%= ENV["DOCKER_AUTH_DEPLOY_PASSWORD_HASH"] %>'],
  ['ERB that is not an ENV read', '<%= "secret" %>'],
])('a password with %s fails', (_what, password) => {
  // GIVEN
  const doc = edit(authDoc(), 'users.deploy.password', password);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems.map((p) => p.pointer)).toEqual(['/users/deploy/password']);
});

test('a named user without a password fails, and the anonymous user without one passes', () => {
  // GIVEN
  const named = edit(authDoc(), 'users.deploy', {});
  const anonymous = edit(authDoc(), 'users', { ...authDoc().users, '': {} });

  // WHEN
  const problems = dockerAuthConfigSchema.validate(named);
  const ok = dockerAuthConfigSchema.validate(anonymous);

  // THEN
  expect(problems).toEqual([{ pointer: '/users/deploy', message: "user 'deploy' has no password, so docker_auth accepts any password for it; set a bcrypt hash" }]);
  expect(ok).toEqual([]);
});

test('an unknown top-level key is rejected by the docker_auth schema', () => {
  // GIVEN
  const doc = edit(authDoc(), 'acls', []);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/acls', message: 'unknown key' }]);
});

test.each([
  ['server.adr', ':5001', '/server/adr'],
  ['token.disable_legacy_keyid', true, '/token/disable_legacy_keyid'],
  ['users.ci.pasword', HASH, '/users/ci/pasword'],
  ['ldap_auth', { addr: 'ldap:636', tls: 'always', bsae: 'o=example' }, '/ldap_auth/bsae'],
  ['oidc_auth', { issuer: 'https://id.example.com', redirect_url: 'https://a/oidc_auth', client_id: 'x', label_claims: ['groups'] }, '/oidc_auth/label_claims'],
])('an unknown nested key %s is rejected by the docker_auth schema', (path, value, pointer) => {
  // GIVEN
  const doc = edit(authDoc(), path, value);

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer, message: 'unknown key' }]);
});

test('an unknown key in an acl match is rejected', () => {
  // GIVEN
  const doc = authDoc();
  doc.acl[1].match.acount = 'ci';

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([{ pointer: '/acl/1/match/acount', message: 'unknown key' }]);
});

test('an acl entry needs match and actions, and actions are registry actions', () => {
  // GIVEN
  const doc = authDoc();
  delete doc.acl[0].match;
  doc.acl[1].actions = ['pul'];

  // WHEN
  const problems = dockerAuthConfigSchema.validate(doc);

  // THEN
  expect(problems).toEqual([
    { pointer: '/acl/0', message: "missing required key 'match'" },
    { pointer: '/acl/1/actions/0', message: 'must be one of "*", "pull", "push", "delete"' },
  ]);
});

test("'*' mixed with other actions fails, and alone passes", () => {
  // GIVEN
  const mixed = authDoc();
  mixed.acl[0].actions = ['*', 'pull'];

  // WHEN
  const problems = dockerAuthConfigSchema.validate(mixed);

  // THEN
  expect(problems).toEqual([{ pointer: '/acl/0/actions', message: "'*' grants everything only on its own; write actions: ['*'] or list the actions" }]);
  expect(dockerAuthConfigSchema.validate(authDoc())).toEqual([]);
});

test('a relative path_prefix fails, and an absolute one passes', () => {
  // GIVEN
  const relative = edit(authDoc(), 'server.path_prefix', 'docker-auth');
  const absolute = edit(authDoc(), 'server.path_prefix', '/docker-auth');

  // WHEN
  const problems = dockerAuthConfigSchema.validate(relative);

  // THEN
  expect(problems).toEqual([{ pointer: '/server/path_prefix', message: "path_prefix 'docker-auth' must be empty or an absolute path such as /docker-auth" }]);
  expect(dockerAuthConfigSchema.validate(absolute)).toEqual([]);
});
