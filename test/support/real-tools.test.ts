import * as fs from 'fs';
import { httpGet, nginxTest, withRegistry } from './real-tools';

// Booting a registry and making an RSA key take a few seconds on a busy machine.
jest.setTimeout(60_000);

/** The docker-auth proxy server block from formats.md §6: the upstream is resolved per request. */
const VARIABLE_UPSTREAM_BLOCK = `
server {
  listen 80;
  server_name _;
  resolver 127.0.0.11 valid=10s ipv6=off;
  resolver_timeout 5s;
  set $docker_auth_upstream http://rs-textbook-guide-docker-auth:5001;

  location = /up { access_log off; default_type text/plain; return 200 "OK\\n"; }

  location /auth {
    proxy_pass $docker_auth_upstream;
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
  }
  location / { return 404; }
}
`;

/** The same block with the host written into proxy_pass: resolved when nginx loads it. */
const LITERAL_UPSTREAM_BLOCK = `
server {
  listen 80;
  server_name _;
  location /auth {
    proxy_pass http://rs-textbook-guide-docker-auth:5001;
  }
}
`;

/** A registry 2.8 config with token auth, as formats.md §4 describes it. */
const TOKEN_AUTH_CONFIG = `
version: 0.1
log:
  level: info
  accesslog: {disabled: true}
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
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
`;

test('nginx accepts the server block whose upstream is a variable', () => {
  // GIVEN
  const block = VARIABLE_UPSTREAM_BLOCK;

  // WHEN
  const result = nginxTest(block);

  // THEN
  expect(result.output).toContain('test is successful');
  expect(result.ok).toBe(true);
});

test('nginx rejects a literal upstream host that does not resolve', () => {
  // GIVEN
  const block = LITERAL_UPSTREAM_BLOCK;

  // WHEN
  const result = nginxTest(block);

  // THEN
  expect(result.output).toContain('host not found in upstream "rs-textbook-guide-docker-auth');
  expect(result.ok).toBe(false);
});

test('nginx rejects a syntax error with its own message', () => {
  // GIVEN
  const block = 'server { listen 80 }\n';

  // WHEN
  const result = nginxTest(block);

  // THEN
  expect(result.ok).toBe(false);
  expect(result.output).toContain('test failed');
});

test('a missing nginx fails the test and says to run npm test', () => {
  // GIVEN
  const nginxBinary = '/nonexistent/nginx';

  // WHEN
  const run = () => nginxTest(VARIABLE_UPSTREAM_BLOCK, { nginxBinary });

  // THEN
  expect(run).toThrow('/nonexistent/nginx is missing: run `npm test`');
});

test('a registry with token auth answers / with 200 and /v2/ with the configured Bearer challenge', async () => {
  // GIVEN
  const config = TOKEN_AUTH_CONFIG;

  // WHEN
  const seen = await withRegistry(config, {}, async (registry) => ({
    root: await httpGet(`${registry.url}/`),
    v2: await httpGet(`${registry.url}/v2/`),
    configText: registry.configText,
    rootCertBundle: registry.rootCertBundle,
  }));

  // THEN
  expect(seen.root.status).toBe(200);
  expect(seen.v2.status).toBe(401);
  expect(seen.v2.headers['www-authenticate']).toBe('Bearer realm="https://repo.example.com/auth",service="repo.example.com"');
  expect(seen.v2.headers['docker-distribution-api-version']).toBe('registry/2.0');
  expect(seen.v2.headers['x-content-type-options']).toBe('nosniff');
  // Only the machine-specific values were changed.
  expect(seen.configText).toMatch(/addr: 127\.0\.0\.1:\d+/);
  expect(seen.configText).toContain(`rootcertbundle: ${seen.rootCertBundle}`);
  expect(seen.configText).toContain('realm: https://repo.example.com/auth');
  expect(seen.configText).not.toContain('/var/lib/registry');
});

test('the registry is stopped and its files removed after the probe', async () => {
  // GIVEN
  let url = '';
  let cert = '';

  // WHEN
  await withRegistry(TOKEN_AUTH_CONFIG, {}, async (registry) => {
    url = registry.url;
    cert = registry.rootCertBundle ?? '';
  });

  // THEN
  expect(cert).not.toBe('');
  await expect(httpGet(`${url}/`, 1_000)).rejects.toThrow(/ECONNREFUSED/);
  expect(fs.existsSync(cert)).toBe(false);
});

test('a registry without auth and a bare `filesystem:` driver gets a temporary root directory and serves /v2/', async () => {
  // GIVEN
  const config = 'version: 0.1\nstorage:\n  filesystem:\nhttp:\n  addr: :5000\n';

  // WHEN
  const seen = await withRegistry(config, {}, async (registry) => ({
    v2: await httpGet(`${registry.url}/v2/`),
    configText: registry.configText,
    rootCertBundle: registry.rootCertBundle,
  }));

  // THEN
  expect(seen.v2.status).toBe(200);
  expect(seen.v2.body).toBe('{}');
  expect(seen.configText).toMatch(/rootdirectory: \/.*kamal-cdk-registry-.*\/storage/);
  expect(seen.rootCertBundle).toBeUndefined();
});

test('a config the registry refuses fails with the registry\'s own message', async () => {
  // GIVEN
  const noRealm = TOKEN_AUTH_CONFIG.replace('    realm: https://repo.example.com/auth\n', '');

  // WHEN
  const run = withRegistry(noRealm, { startTimeoutMs: 15_000 }, async () => undefined);

  // THEN
  await expect(run).rejects.toThrow('token auth requires a valid option string: "realm"');
});

test('a missing docker-registry fails the test and says to run npm test', async () => {
  // GIVEN
  const registryBinary = '/nonexistent/docker-registry';

  // WHEN
  const run = withRegistry(TOKEN_AUTH_CONFIG, { registryBinary }, async () => undefined);

  // THEN
  await expect(run).rejects.toThrow('/nonexistent/docker-registry is missing: run `npm test`');
});

test('httpGet refuses anything but loopback', async () => {
  // GIVEN
  const url = 'http://repo.example.com/v2/';

  // WHEN
  const run = httpGet(url);

  // THEN
  await expect(run).rejects.toThrow('httpGet only talks plain http to loopback');
});
