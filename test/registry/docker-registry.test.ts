import { Erb, parseYaml, Testing } from '../../src';
import { KamalDeploy } from '../../constructs/kamal';
import { DockerRegistry, DockerRegistryProps, registryMajorVersionOf } from '../../constructs/registry';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');
const TOKEN_AUTH = {
  realm: 'https://repo.example.com/auth',
  issuer: 'infra-docker-auth',
  rootCertBundle: '/etc/registry-auth/token.crt',
};

/** A DockerRegistry alone in a config, for its own props and document. */
function dockerRegistry(props: Partial<DockerRegistryProps> = {}) {
  const app = Testing.app();
  const deploy = new KamalDeploy(app, 'deploy', { file: 'config/deploy.registry.yml', service: 'infra', registry: { server: 'localhost:5555' }, builder: { arch: 'amd64' } });
  const registry = new DockerRegistry(deploy, 'registry', { host: HOST, domain: 'repo.example.com', tokenAuth: TOKEN_AUTH, ...props });
  return { app, deploy, registry };
}

test.each([
  ['registry:2.8.3', 2],
  ['registry:2', 2],
  ['registry:3.0.0', 3],
  ['registry:3', 3],
  ['docker.io/library/registry:3.0.0@sha256:abc', 3],
  ['localhost:5000/registry:v2.8', 2],
  ['registry:latest', undefined],
  ['registry', undefined],
  ['localhost:5000/registry', undefined],
  ['registry:4.0.0', undefined],
])('the major version of %s is %p', (image, major) => {
  // GIVEN / WHEN
  const found = registryMajorVersionOf(image);

  // THEN
  expect(found).toBe(major);
});

test('the config is mounted where each major version reads it', () => {
  // GIVEN
  const v2 = dockerRegistry().registry;
  const v3 = dockerRegistry({ image: 'registry:3.0.0' }).registry;

  // WHEN
  const files2 = v2.toKamal().files;
  const files3 = v3.toKamal().files;

  // THEN
  expect(files2).toEqual(['config/registry/config.yml:/etc/docker/registry/config.yml']);
  expect(files3).toEqual(['config/registry/config.yml:/etc/distribution/config.yml']);
  expect(v3.majorVersion).toBe(3);
});

test('majorVersion overrides what the tag says, for images whose tag does not tell', () => {
  // GIVEN
  const { registry } = dockerRegistry({ image: 'mirror.example.com/distribution:stable', majorVersion: 3 });

  // WHEN
  const mount = registry.containerConfigPath;

  // THEN
  expect(mount).toBe('/etc/distribution/config.yml');
  expect(() => dockerRegistry({ image: 'mirror.example.com/distribution:stable' })).toThrow(
    "[deploy/registry] can't tell the registry major version from image 'mirror.example.com/distribution:stable'; pass majorVersion: 2 or 3",
  );
});

test('the token service defaults to the domain', () => {
  // GIVEN
  const { registry } = dockerRegistry();

  // WHEN
  const token = (parseYaml(registry.configFile.render()) as any).auth.token;

  // THEN
  expect(token).toEqual({ realm: TOKEN_AUTH.realm, service: 'repo.example.com', issuer: TOKEN_AUTH.issuer, rootcertbundle: TOKEN_AUTH.rootCertBundle });
  expect(registry.tokenAuth.service).toBe('repo.example.com');
});

test('delete policy, volume and timeout follow the props', () => {
  // GIVEN
  const { registry } = dockerRegistry({ deleteEnabled: false, volume: 'images', responseTimeout: 1800 });

  // WHEN
  const doc = parseYaml(registry.configFile.render()) as any;
  const kamal = registry.toKamal();

  // THEN
  expect(doc.storage.delete).toEqual({ enabled: false });
  expect(kamal.volumes).toEqual(['images:/var/lib/registry', '/etc/registry-auth:/etc/registry-auth:ro']);
  expect((kamal.proxy as any).response_timeout).toBe(1800);
});

test('a root cert bundle outside the mounted certificate folder is refused', () => {
  // GIVEN
  const build = () => dockerRegistry({ tokenAuth: { ...TOKEN_AUTH, rootCertBundle: '/certs/token.crt' } });

  // WHEN / THEN
  expect(build).toThrow('[deploy/registry] rootCertBundle /certs/token.crt is not inside /etc/registry-auth, the only folder mounted for it; put it there or change certificateDir');
});

test('the route is restricted by the registry\'s token auth, which checks the config really has it', () => {
  // GIVEN
  const { deploy, registry } = dockerRegistry();
  const access = registry.proxy!.access!;
  const ctx = { config: deploy.effectiveConfig(), target: { kind: 'accessory' as const, name: 'registry' }, container: deploy.view().accessories.find((c) => c.name === 'registry')! };

  // WHEN
  const before = access.control!.verify(ctx);
  registry.configFile.addDeletionOverride('auth');
  const after = access.control!.verify(ctx);

  // THEN
  expect(access.isPublic).toBe(false);
  expect(access.control!.description).toBe('registry token auth');
  expect(before).toEqual([]);
  expect(after).toEqual(['config/registry/config.yml has no auth.token section']);
});

test('the config is checked against the schema of its major version', () => {
  // GIVEN
  const { app, registry } = dockerRegistry();
  registry.configFile.addOverride('auth.token.jwks', '/etc/registry-auth/jwks.json');

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual(['error [deploy/registry/Config] out/config/registry/config.yml: /auth/token/jwks unknown key']);
});
