import { Erb, parseYaml, Testing } from '../../src';
import { KamalDeploy } from '../../constructs/kamal';
import { DockerAuth, DockerAuthProps } from '../../constructs/registry';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** A DockerAuth alone in a config, for its own props and document. */
function dockerAuth(props: Partial<DockerAuthProps> = {}): DockerAuth {
  const app = Testing.app();
  const deploy = new KamalDeploy(app, 'deploy', { file: 'config/deploy.registry.yml', service: 'infra', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' } });
  return new DockerAuth(deploy, 'auth', { host: HOST, users: [{ name: 'admin' }], registryVersion: 2, ...props });
}

const documentOf = (auth: DockerAuth): any => parseYaml(auth.configFile.render());

test('the hash secret is derived from the password secret on the deployer\'s machine, the password only on pipes', () => {
  // GIVEN
  const user = 'admin';

  // WHEN
  const source = DockerAuth.passwordHashSource(user, 'KAMAL_REGISTRY_PASSWORD');

  // THEN
  expect(source.reference('REGISTRY_ADMIN_PASSWORD_HASH')).toBe(
    "$(printenv KAMAL_REGISTRY_PASSWORD | grep -q . && printenv KAMAL_REGISTRY_PASSWORD | htpasswd -niBC 10 admin | cut -d: -f2 | tr -d '[:space:]' | base64 | tr -d '[:space:]')",
  );
});

test('the hash command holds nothing dotenv would expand or unescape', () => {
  // GIVEN
  const ref = DockerAuth.passwordHashSource('ci-bot', 'REGISTRY_CI_PASSWORD', 12).reference('X');

  // WHEN
  const inner = ref.slice(2, -1);

  // THEN
  // dotenv expands $NAME inside a command before running it (the password would reach a command
  // line), unescapes backslashes, and ends an unquoted value at '#'.
  expect(inner).not.toMatch(/[$\\#()]/);
  expect(inner).toContain('htpasswd -niBC 12 ci-bot');
});

test('the hash helper refuses names that are not a user or a secret, and costs htpasswd does not take', () => {
  // GIVEN / WHEN / THEN
  expect(() => DockerAuth.passwordHashSource('ad min', 'KAMAL_REGISTRY_PASSWORD')).toThrow("user name 'ad min' must be letters, digits, '.', '_' and '-'");
  expect(() => DockerAuth.passwordHashSource('admin', 'KAMAL-PASSWORD')).toThrow("'KAMAL-PASSWORD' is not a secret name");
  expect(() => DockerAuth.passwordHashSource('admin', 'KAMAL_REGISTRY_PASSWORD', 3)).toThrow('bcrypt cost 3 must be an integer from 4 to 17');
});

test('passwordHashSecrets gives one derived secret per user that names its password secret', () => {
  // GIVEN
  const auth = dockerAuth({
    users: [
      { name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
      { name: 'ci', passwordSecret: 'REGISTRY_CI_PASSWORD', passwordHashSecret: 'CI_HASH' },
      { name: 'legacy' },
    ],
  });

  // WHEN
  const secrets = DockerAuth.passwordHashSecrets(auth);

  // THEN
  expect(Object.keys(secrets)).toEqual(['REGISTRY_ADMIN_PASSWORD_HASH', 'CI_HASH']);
  expect(secrets.CI_HASH.reference('CI_HASH')).toContain('printenv REGISTRY_CI_PASSWORD | htpasswd -niBC 10 ci |');
});

test('each user\'s password is an ERB tag that decodes its hash secret, and the secret is passed to the accessory', () => {
  // GIVEN
  const auth = dockerAuth({ users: [{ name: 'release.bot' }, { name: 'admin', passwordHashSecret: 'ADMIN_HASH' }] });

  // WHEN
  const doc = documentOf(auth);
  const kamal = auth.toKamal();

  // THEN
  expect(doc.users).toEqual({
    admin: { password: '<%= ENV.fetch("ADMIN_HASH").unpack1("m") %>' },
    'release.bot': { password: '<%= ENV.fetch("REGISTRY_RELEASE_BOT_PASSWORD_HASH").unpack1("m") %>' },
  });
  expect(kamal.env).toEqual({ secret: ['ADMIN_HASH', 'REGISTRY_RELEASE_BOT_PASSWORD_HASH'] });
  expect(auth.configFile.render()).toContain("password: '<%= ENV.fetch(\"ADMIN_HASH\").unpack1(\"m\") %>'");
});

test('the default ACL gives every declared user full access; a given ACL is kept in order', () => {
  // GIVEN
  const byDefault = dockerAuth({ users: [{ name: 'ci' }, { name: 'admin' }] });
  const given = dockerAuth({
    users: [{ name: 'ci' }, { name: 'admin' }],
    acl: [
      { match: { account: 'ci', name: 'rs-textbook-guide*' }, actions: ['pull', 'push'], comment: 'CI pushes the app' },
      { match: { account: 'admin' }, actions: ['*'] },
    ],
  });

  // WHEN
  const defaultAcl = documentOf(byDefault).acl;
  const givenAcl = documentOf(given).acl;

  // THEN
  expect(defaultAcl.map((e: any) => [e.match, e.actions])).toEqual([[{ account: 'admin' }, ['*']], [{ account: 'ci' }, ['*']]]);
  expect(givenAcl).toEqual([
    { match: { account: 'ci', name: 'rs-textbook-guide*' }, actions: ['pull', 'push'], comment: 'CI pushes the app' },
    { match: { account: 'admin' }, actions: ['*'] },
  ]);
});

test('an ACL rule for an account nobody has is refused', () => {
  // GIVEN
  const build = () => dockerAuth({ acl: [{ match: { account: 'amdin' }, actions: ['*'] }] });

  // WHEN / THEN
  expect(build).toThrow("[deploy/auth] an ACL rule matches account 'amdin', which is not a declared user; the rule would never apply — declare the user or fix the name");
});

test('an ACL rule may match accounts by regular expression', () => {
  // GIVEN
  const auth = dockerAuth({ acl: [{ match: { account: '/.+/' }, actions: ['pull'] }] });

  // WHEN
  const acl = documentOf(auth).acl;

  // THEN
  expect(acl).toEqual([{ match: { account: '/.+/' }, actions: ['pull'] }]);
});

test('users must exist, be unique and have names htpasswd and YAML can carry', () => {
  // GIVEN / WHEN / THEN
  expect(() => dockerAuth({ users: [] })).toThrow('[deploy/auth] docker_auth needs at least one user; nobody could log in');
  expect(() => dockerAuth({ users: [{ name: 'admin' }, { name: 'admin' }] })).toThrow("[deploy/auth] user 'admin' is declared twice");
  expect(() => dockerAuth({ users: [{ name: 'ad:min' }] })).toThrow("[deploy/auth] user name 'ad:min' must be letters, digits, '.', '_' and '-'");
});

test('the key-id format follows the registry major version', () => {
  // GIVEN
  const for2 = dockerAuth({ registryVersion: 2 });
  const for3 = dockerAuth({ registryVersion: 3 });

  // WHEN
  const token2 = documentOf(for2).token;
  const token3 = documentOf(for3).token;

  // THEN
  expect(token2.disable_legacy_key_id).toBeUndefined();
  expect(token3.disable_legacy_key_id).toBe(true);
});

test('the signing pair lives on the host folder, mounted read-only, and never in the repository', () => {
  // GIVEN
  const auth = dockerAuth({ certificateDir: '/srv/registry-auth/', certificateFile: 'signing.pem', keyFile: 'signing.key' });

  // WHEN
  const token = documentOf(auth).token;
  const kamal = auth.toKamal();

  // THEN
  expect(token.certificate).toBe('/srv/registry-auth/signing.pem');
  expect(token.key).toBe('/srv/registry-auth/signing.key');
  expect(kamal.volumes).toEqual(['/srv/registry-auth:/srv/registry-auth:ro']);
  expect(auth.certificatePath).toBe('/srv/registry-auth/signing.pem');
});

test('docker_auth logs to stderr and reads the config the image expects', () => {
  // GIVEN
  const auth = dockerAuth({ port: 5101, issuer: 'infra-tokens', expiration: 300 });

  // WHEN
  const kamal = auth.toKamal();
  const doc = documentOf(auth);

  // THEN
  expect(kamal.cmd).toBe('--logtostderr /config/auth_config.yml');
  expect(kamal.files).toEqual(['config/registry/docker_auth/auth_config.yml.erb:/config/auth_config.yml']);
  expect(doc.server).toEqual({ addr: ':5101' });
  expect(doc.token.issuer).toBe('infra-tokens');
  expect(doc.token.expiration).toBe(300);
  expect(auth.issuer).toBe('infra-tokens');
});

test('the issuer defaults to the container name', () => {
  // GIVEN
  const auth = dockerAuth();

  // WHEN
  const issuer = documentOf(auth).token.issuer;

  // THEN
  expect(issuer).toBe('infra-docker-auth');
  expect(auth.containerName).toBe('infra-docker-auth');
});

test('a config path that Kamal would not render with ERB is refused', () => {
  // GIVEN
  const build = () => dockerAuth({ configPath: 'config/registry/auth_config.yml' });

  // WHEN / THEN
  expect(build).toThrow("[deploy/auth] configPath 'config/registry/auth_config.yml' must end in .erb: Kamal renders only such files, and the password hashes are written at boot by ERB");
});

test('ports and lifetimes that docker_auth would refuse are refused', () => {
  // GIVEN / WHEN / THEN
  expect(() => dockerAuth({ port: 70000 })).toThrow('[deploy/auth] port 70000 is not a TCP port');
  expect(() => dockerAuth({ expiration: 0 })).toThrow('[deploy/auth] expiration 0 must be a positive number of seconds');
  expect(() => dockerAuth({ certificateDir: 'etc/registry-auth' })).toThrow("[deploy/auth] certificateDir 'etc/registry-auth' must be an absolute host path");
});
