import { Erb, Testing } from '../../src';
import { KamalSecrets, SecretSource } from '../../constructs/kamal';
import { DockerAuth, parseNginxUpstream, RegistryStack } from '../../constructs/registry';
import { httpGet, nginxTest, withRegistry } from '../support/real-tools';

// Booting a registry and making an RSA key take a few seconds on a busy machine.
jest.setTimeout(60_000);

function registryEstate() {
  const app = Testing.app();
  const stack = new RegistryStack(app, 'registry', {
    service: 'demo-registry',
    domain: 'repo.example.com',
    host: Erb.env('KAMAL_SERVER_IP_ADDRESS'),
    users: [{ name: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' }],
  });
  new KamalSecrets(app, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env() },
    withoutDestination: DockerAuth.passwordHashSecrets(stack.auth),
  });
  return { app, stack };
}

test('nginx -t accepts the generated server block, whose upstream is a variable naming docker_auth', () => {
  // GIVEN
  const { app, stack } = registryEstate();
  const text = Testing.synth(app)[stack.authProxy.configFile.path];

  // WHEN
  const result = nginxTest(text);

  // THEN
  // The container name does not resolve here: only a per-request lookup lets this pass.
  expect(parseNginxUpstream(text, stack.authProxy.pathPrefix)).toEqual({
    viaVariable: true,
    url: `http://${stack.auth.containerName}:${stack.auth.port}`,
    host: stack.auth.containerName,
    port: stack.auth.port,
  });
  expect(result.output).toContain('test is successful');
  expect(result.ok).toBe(true);
});

test('Debian\'s docker-registry booted with the generated config.yml answers / and challenges /v2/ with the declared realm and service', async () => {
  // GIVEN
  const { app, stack } = registryEstate();
  const config = Testing.synth(app)[stack.registry.configFile.path];

  // WHEN
  const seen = await withRegistry(config, {}, async (registry) => ({
    root: await httpGet(`${registry.url}/`),
    v2: await httpGet(`${registry.url}/v2/`),
  }));

  // THEN
  expect(seen.root.status).toBe(200);
  expect(seen.v2.status).toBe(401);
  expect(seen.v2.headers['www-authenticate']).toBe(`Bearer realm="${stack.authProxy.url}",service="${stack.registry.tokenAuth.service}"`);
  expect(stack.registry.tokenAuth.realm).toBe(stack.authProxy.url);
  expect(stack.registry.tokenAuth.service).toBe(stack.server);
});
