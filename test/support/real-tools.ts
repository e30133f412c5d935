/**
 * Runs generated files through the real programs that read them (formats.md §7): Debian's nginx
 * for `nginx -t`, Debian's docker-registry 2.8 booted on loopback. `npm test` installs both
 * (scripts/test-deps.sh); when one is missing these helpers throw rather than skip, so a
 * machine without them cannot pass by testing nothing.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';

export const NGINX_BIN = '/usr/sbin/nginx';
export const REGISTRY_BIN = '/usr/bin/docker-registry';
export const OPENSSL_BIN = '/usr/bin/openssl';

/** Throws, naming the fix, when a tool the real-tool tests need is not installed. */
export function requireTool(binary: string, debianPackage: string): void {
  if (!isExecutable(binary)) {
    throw new Error(
      `${binary} is missing: run \`npm test\`, which installs the Debian package '${debianPackage}' ` +
      '(scripts/test-deps.sh; as root, or install it yourself)',
    );
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `kamal-cdk-${prefix}-`));
}

export interface NginxTestResult {
  /** Whether `nginx -t` exited 0. */
  readonly ok: boolean;
  /** Everything nginx printed (stdout then stderr), e.g. `... test is successful`. */
  readonly output: string;
}

export interface NginxTestOptions {
  /** The nginx binary. @default NGINX_BIN */
  readonly nginxBinary?: string;
}

/**
 * `nginx -t` on a conf.d server block, the way the nginx image includes it: inside `http {}` of a
 * throwaway wrapper, with pid and error log moved off the system paths. Literal upstream host
 * names are resolved here, exactly as at container start, so they fail on a machine without them.
 */
export function nginxTest(serverBlockText: string, opts: NginxTestOptions = {}): NginxTestResult {
  const binary = opts.nginxBinary ?? NGINX_BIN;
  requireTool(binary, 'nginx');
  const dir = tempDir('nginx');
  try {
    const block = path.join(dir, 'default.conf');
    const wrapper = path.join(dir, 'nginx.conf');
    fs.writeFileSync(block, serverBlockText);
    fs.writeFileSync(wrapper, `events {}\nhttp { include ${block}; }\n`);
    const r = spawnSync(binary, ['-t', '-c', wrapper, '-g', `pid ${path.join(dir, 'nginx.pid')}; error_log stderr;`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.error) throw r.error;
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface HttpResponse {
  readonly status: number;
  /** Header names lower-cased, as node gives them. */
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A plain GET with node's http module. Loopback only: tests never reach another host. */
export function httpGet(url: string, timeoutMs = 5_000): Promise<HttpResponse> {
  const u = new URL(url);
  if (u.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) {
    return Promise.reject(new Error(`httpGet only talks plain http to loopback; got ${url}`));
  }
  return new Promise((resolve, reject) => {
    const req = http.get(u, { timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** A port free on 127.0.0.1 right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface WithRegistryOptions {
  /** How long to wait for the registry to answer on its port. @default 20000 */
  readonly startTimeoutMs?: number;
  /** The registry binary. @default REGISTRY_BIN */
  readonly registryBinary?: string;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The config text the registry was started with, after the test-machine substitutions. */
  readonly configText: string;
  /** The throwaway certificate put in auth.token.rootcertbundle, if the config has token auth. */
  readonly rootCertBundle?: string;
  /** What the registry has printed so far (stdout and stderr interleaved). */
  logs(): string;
}

/**
 * Boots `docker-registry serve` (2.8) with the given config.yml text on a free loopback port,
 * waits until it answers, runs `fn`, then stops it and removes its files. Only what must differ
 * on a test machine is changed, by editing the parsed YAML: `http.addr` (and `http.debug.addr`,
 * if set, so nothing listens beyond loopback), the filesystem driver's `rootdirectory`, and
 * `auth.token.rootcertbundle`, which gets a self-signed certificate made with openssl for this
 * run. Everything else, realm and service included, is served as written.
 */
export async function withRegistry<T>(
  configYamlText: string,
  opts: WithRegistryOptions,
  fn: (registry: RunningRegistry) => Promise<T>,
): Promise<T> {
  const binary = opts.registryBinary ?? REGISTRY_BIN;
  requireTool(binary, 'docker-registry');
  const dir = tempDir('registry');
  try {
    const doc = YAML.parseDocument(configYamlText, { version: '1.1' });
    if (doc.errors.length > 0) throw new Error(`registry config does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);

    let rootCertBundle: string | undefined;
    if (doc.hasIn(['auth', 'token'])) {
      rootCertBundle = throwawayCertificate(dir);
      doc.setIn(['auth', 'token', 'rootcertbundle'], rootCertBundle);
    }
    if (doc.hasIn(['storage', 'filesystem'])) {
      const storageDir = path.join(dir, 'storage');
      fs.mkdirSync(storageDir);
      if (doc.getIn(['storage', 'filesystem']) == null) doc.setIn(['storage', 'filesystem'], doc.createNode({}));
      doc.setIn(['storage', 'filesystem', 'rootdirectory'], storageDir);
    }
    if (doc.hasIn(['http', 'debug', 'addr'])) {
      doc.setIn(['http', 'debug', 'addr'], `127.0.0.1:${await freePort()}`);
    }

    const timeoutMs = opts.startTimeoutMs ?? 20_000;
    const deadline = Date.now() + timeoutMs;
    // A port picked free can be taken before the registry binds it; then pick another.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      doc.setIn(['http', 'addr'], `127.0.0.1:${port}`);
      const configText = doc.toString();
      const configFile = path.join(dir, 'config.yml');
      fs.writeFileSync(configFile, configText);

      const proc = await startRegistry(binary, configFile, port, deadline, timeoutMs);
      if (proc.kind === 'port-taken' && attempt < 3) continue;
      if (proc.kind !== 'running') {
        throw new Error(`docker-registry did not start (${proc.reason}); config:\n${configText}\noutput:\n${proc.logs}`);
      }
      try {
        return await fn({ url: `http://127.0.0.1:${port}`, port, configText, rootCertBundle, logs: proc.logs });
      } finally {
        await proc.stop();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type StartResult =
  | { kind: 'running'; logs: () => string; stop: () => Promise<void> }
  | { kind: 'port-taken' | 'failed'; reason: string; logs: string };

async function startRegistry(binary: string, configFile: string, port: number, deadline: number, timeoutMs: number): Promise<StartResult> {
  // REGISTRY_* variables override the file; a test must run exactly the config it was given.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const child = spawn(binary, ['serve', configFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    if (output.length < 1_000_000) output += chunk.toString('utf8');
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      output += `\n${err.message}`;
      exit = { code: null, signal: null };
      resolve();
    });
  });

  const stop = async () => {
    if (exit) return;
    child.kill('SIGTERM');
    const hardKill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(hardKill);
  };

  while (Date.now() < deadline) {
    if (exit) {
      const reason = `exited with ${exit.signal ?? `code ${exit.code}`}`;
      return { kind: /address already in use/.test(output) ? 'port-taken' : 'failed', reason, logs: output };
    }
    try {
      await httpGet(`http://127.0.0.1:${port}/`, 1_000);
      return { kind: 'running', logs: () => output, stop };
    } catch {
      await sleep(100);
    }
  }
  await stop();
  return { kind: 'failed', reason: `no answer on 127.0.0.1:${port} within ${timeoutMs} ms`, logs: output };
}

/** A self-signed certificate for this run only: the registry needs a readable bundle to start. */
function throwawayCertificate(dir: string): string {
  requireTool(OPENSSL_BIN, 'openssl');
  const crt = path.join(dir, 'token.crt');
  const r = spawnSync(OPENSSL_BIN, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'token.key'), '-out', crt,
    '-days', '1', '-subj', '/CN=kamal-cdk-test-token',
  ], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`openssl could not make a test certificate: ${r.error?.message ?? r.stderr}`);
  return crt;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
