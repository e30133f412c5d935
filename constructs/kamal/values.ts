import { IConstruct } from 'constructs';
import { escapePointer, filesOf } from '../../src';
import { controlCharProblem } from '../../src/_control-chars';
import * as L1 from './l1';

/** A value of an effective config that the program reading it would get wrong. */
export interface ValueProblem {
  /** JSON pointer into the effective config (`/accessories/db/image`). */
  readonly pointer: string;
  /** What is wrong, for whom, and what to do. */
  readonly message: string;
}

/**
 * The values of an effective deploy config checked for the program that reads each one, beyond
 * what Kamal's own validator checks: Docker (image references, container names), kamal-proxy
 * (host names), the registry client (server) and every reader of the file (no control
 * characters); given the config's construct, also that no file of its tree is generated where
 * the config's Kamal runs hooks from. Every check is a single pass over the text.
 *
 * Values that hold ERB are judged only for control characters: what they become is known at
 * deploy time.
 */
export function checkKamalValues(cfg: L1.DeployConfig): ValueProblem[] {
  const problems: ValueProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ pointer: pointerOf(path), message });

  controlCharacters(cfg, [], add);

  const service = scalar(cfg.service);
  if (service !== undefined && !hasErb(service) && !SERVICE.test(service)) {
    add(['service'], `service '${service}' must be only letters, digits, '-' and '_' (Kamal's pattern, on the whole name: it prefixes every container name); rename it`);
  }

  const server = registryServer(cfg.registry, ['registry'], add);
  const image = scalar(cfg.image);
  if (image !== undefined && !hasErb(image)) {
    const why = repositoryProblem(image);
    if (why) add(['image'], why);
    else if ((server ? `${server}/${image}` : image).length > 255) add(['image'], `repository '${server ? `${server}/` : ''}${image}' is longer than Docker's 255 characters; shorten the image name`);
  }

  const servers = cfg.servers;
  if (servers && !Array.isArray(servers)) {
    for (const [role, spec] of Object.entries(servers)) {
      if (!Array.isArray(spec) && isObject(spec) && isObject(spec.proxy)) proxyHosts(spec.proxy, ['servers', role, 'proxy'], add);
    }
  }
  if (isObject(cfg.proxy)) proxyHosts(cfg.proxy, ['proxy'], add);

  for (const [name, acc] of Object.entries(isObject(cfg.accessories) ? cfg.accessories : {})) {
    if (!isObject(acc)) continue;
    const at = ['accessories', name];
    const container = scalar(acc.service);
    if (container !== undefined && !hasErb(container) && !CONTAINER_NAME.test(container)) {
      add([...at, 'service'], `container name '${container}' is not one Docker accepts (a letter or digit, then letters, digits, '_', '.' and '-'); rename it`);
    }
    const accServer = registryServer(acc.registry, [...at, 'registry'], add);
    const accImage = scalar(acc.image);
    if (accImage !== undefined && !hasErb(accImage)) {
      // Kamal pulls `<accessory registry server>/<image>` when the accessory has its own registry.
      const full = accServer ? `${accServer}/${accImage}` : accImage;
      const why = referenceProblem(full);
      if (why) add([...at, 'image'], why);
    }
    if (isObject(acc.proxy)) proxyHosts(acc.proxy, [...at, 'proxy'], add);
  }
  return problems;
}

/** Kamal's service pattern (`/^[a-z0-9_-]+$/i`), anchored on the whole string as JavaScript anchors it. */
const SERVICE = /^[a-z0-9_-]+$/i;
/** Docker's container names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`, daemon/names). */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function scalar(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointerOf(path: Array<string | number>): string {
  return path.map((p) => `/${escapePointer(String(p))}`).join('');
}

/** Every key and string value: none may carry a control character. `path` is one shared stack. */
function controlCharacters(v: unknown, path: Array<string | number>, add: (path: Array<string | number>, message: string) => void): void {
  if (typeof v === 'string') {
    const why = controlCharProblem(v);
    if (why) add([...path], `value ${why}; Kamal passes it to docker, the shell and kamal-proxy on one line — remove it`);
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      controlCharacters(v[i], path, add);
      path.pop();
    }
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      path.push(k);
      const why = controlCharProblem(k);
      if (why) add([...path], `key ${why}; remove it`);
      controlCharacters(v[k], path, add);
      path.pop();
    }
  }
}

/** The registry server as host[:port], checked; undefined when absent or not judged. */
function registryServer(reg: L1.Registry | undefined, at: string[], add: (path: Array<string | number>, message: string) => void): string | undefined {
  if (!isObject(reg)) return undefined;
  const server = scalar(reg.server);
  if (server === undefined || hasErb(server)) return undefined;
  const why = serverProblem(server);
  if (why) {
    add([...at, 'server'], why);
    return undefined;
  }
  return server;
}

/** Why a registry server is not `host[:port]`, or undefined. */
export function serverProblem(server: string): string | undefined {
  const scheme = server.indexOf('://');
  if (scheme >= 0) {
    return `registry server '${server}' has a scheme; it is host[:port] (Kamal joins it with the image as server/image), so write '${server.slice(scheme + 3).replace(/\/.*$/, '')}'`;
  }
  const slash = server.indexOf('/');
  if (slash >= 0) return `registry server '${server}' has a path; it is host[:port] — put '${server.slice(slash + 1)}' at the start of the image instead`;
  if (!isDomain(server)) return `registry server '${server}' is not host[:port] (a DNS name, IPv4 address or [IPv6] address, then an optional port); correct it`;
  return undefined;
}

/** A Docker reference's domain: host[:port] (distribution/reference). */
function isDomain(s: string): boolean {
  let host = s;
  let port: string | undefined;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return false;
    if (!/^[0-9a-fA-F:.]+$/.test(s.slice(1, end))) return false;
    const rest = s.slice(end + 1);
    if (rest === '') return true;
    if (!rest.startsWith(':')) return false;
    port = rest.slice(1);
    host = 'h';
  } else {
    const colon = s.lastIndexOf(':');
    if (colon >= 0) {
      host = s.slice(0, colon);
      port = s.slice(colon + 1);
    }
  }
  if (port !== undefined && !(/^[0-9]{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) return false;
  return host.split('.').every((c) => c.length > 0 && c.length <= 63 && /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(c));
}

/**
 * Whether `s` is a path component of a Docker repository: lower-case letters and digits,
 * separated by one '.', one or two '_', or any number of '-'. A hand-written scan, linear.
 */
function isPathComponent(s: string): boolean {
  if (s.length === 0) return false;
  let i = 0;
  while (i < s.length) {
    let j = i;
    while (j < s.length && isLowerAlnum(s.charCodeAt(j))) j++;
    if (j === i) return false; // a separator where a letter or digit must be
    if (j === s.length) return true;
    let k = j;
    while (k < s.length && !isLowerAlnum(s.charCodeAt(k))) k++;
    const sep = s.slice(j, k);
    if (!(sep === '.' || sep === '_' || sep === '__' || /^-+$/.test(sep))) return false;
    if (k === s.length) return false; // ends in a separator
    i = k;
  }
  return true;
}

function isLowerAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
}

/**
 * Why `image` can't be a Kamal `image:` (a repository, to which Kamal appends `:<version>`), or
 * undefined.
 */
export function repositoryProblem(image: string): string | undefined {
  if (image.includes('@')) return `image '${image}' has a digest; Kamal appends the version as the tag, so give the repository only ('${image.slice(0, image.indexOf('@'))}')`;
  const slash = image.lastIndexOf('/');
  const colon = image.indexOf(':', slash + 1);
  if (colon >= 0) return `image '${image}' has a tag; Kamal appends the version as the tag (${image.slice(0, colon)}:<version>), so give the repository only ('${image.slice(0, colon)}')`;
  if (image !== image.toLowerCase()) return `image '${image}' has upper-case letters; Docker repository names are lower case, so write '${image.toLowerCase()}'`;
  const bad = image.split('/').find((c) => !isPathComponent(c));
  if (bad !== undefined) {
    return `image '${image}' is not a Docker repository name: '${bad}' must be lower-case letters and digits separated by '.', '_', '__' or '-'; correct it`;
  }
  return undefined;
}

/** Why `ref` is not a Docker image reference (`[domain/]path[:tag][@digest]`), or undefined. */
export function referenceProblem(ref: string): string | undefined {
  const fail = (why: string) => `image '${ref}' is not a Docker image reference: ${why}`;
  let rest = ref;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const colon = digest.indexOf(':');
    const alg = colon < 0 ? '' : digest.slice(0, colon);
    const hex = colon < 0 ? '' : digest.slice(colon + 1);
    if (!/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/.test(alg) || !/^[0-9a-fA-F]{32,}$/.test(hex)) {
      return fail(`digest '${digest}' must be algorithm:hex (sha256:<64 hex digits>); copy it from docker buildx imagetools inspect`);
    }
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', slash + 1);
  if (colon >= 0) {
    const tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return fail(`tag '${tag}' must be up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`);
  }
  const parts = rest.split('/');
  const first = parts[0];
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    if (!isDomain(first)) return fail(`registry '${first}' is not host[:port]`);
    parts.shift();
  }
  const path = parts.join('/');
  if (path !== path.toLowerCase()) return fail(`repository '${path}' has upper-case letters; write '${path.toLowerCase()}'`);
  const bad = parts.find((c) => !isPathComponent(c));
  if (bad !== undefined) return fail(`'${bad}' must be lower-case letters and digits separated by '.', '_', '__' or '-'`);
  if (rest.length > 255) return fail('the name is longer than 255 characters');
  return undefined;
}

/**
 * Why `host` is not a host kamal-proxy can route (a lower-case RFC 1123 name, or `*.` and one),
 * or undefined. kamal-proxy compares the Host header and SNI with it byte for byte.
 */
export function proxyHostProblem(host: string): string | undefined {
  const name = host.startsWith('*.') ? host.slice(2) : host;
  const lower = name.toLowerCase();
  if (name !== lower && isHostName(lower)) {
    return `proxy host '${host}' has upper-case letters; kamal-proxy matches Host and SNI byte for byte, so requests would not reach it — write '${host.toLowerCase()}'`;
  }
  if (!isHostName(name)) {
    return `proxy host '${host}' is not a DNS name (lower-case letters, digits and '-' in dot-separated labels of up to 63, at most 253 in all; '*.' may lead); correct it`;
  }
  return undefined;
}

function isHostName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  return s.split('.').every((l) => l.length > 0 && l.length <= 63 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(l));
}

/** A proxy's `host` (comma-separated, as Kamal splits it) and `hosts`. */
function proxyHosts(proxy: L1.Proxy, at: string[], add: (path: Array<string | number>, message: string) => void): void {
  const host = scalar(proxy.host);
  if (host !== undefined && !hasErb(host)) {
    for (const h of host.split(',')) {
      const why = proxyHostProblem(h);
      if (why) add([...at, 'host'], why);
    }
  }
  if (Array.isArray(proxy.hosts)) {
    (proxy.hosts as unknown[]).forEach((h, i) => {
      if (typeof h !== 'string' || hasErb(h)) return;
      const why = proxyHostProblem(h);
      if (why) add([...at, 'hosts', i], why);
    });
  }
}

/** Whether a value holds ERB, which Kamal renders at deploy time: only then is it known. */
function hasErb(s: string): boolean {
  return s.includes('<%');
}

/**
 * Kamal runs every file in `hooks_path` (default `.kamal/hooks`) on the deployer's machine at
 * each deploy, with the deployer's credentials. kamal-cdk models no hooks, so a generated file
 * there is one nobody meant as a hook.
 */
/**
 * The folder Kamal runs hooks from for an effective config (`hooks_path`, default `.kamal/hooks`),
 * relative to the app root; undefined when it is ERB (known only at deploy time).
 */
export function hooksFolder(cfg: L1.DeployConfig): string | undefined {
  const configured = scalar(cfg.hooks_path);
  if (configured !== undefined && hasErb(configured)) return undefined;
  return (configured ?? '.kamal/hooks').replace(/^(?:\.\/)+/, '').replace(/\/+$/, '');
}

/**
 * Generated files that sit where one of `configs` runs hooks from, as `{ config, pointer message }`
 * pairs. One pass over the tree's files for all the configs: each file's folders are looked up
 * among the hooks folders.
 */
export function generatedHookFiles(
  root: IConstruct,
  configs: ReadonlyArray<{ readonly cfg: L1.DeployConfig; readonly key: string }>,
): Array<{
  /** The `key` of the config whose hooks folder holds the file. */
  key: string;
  /** The file, as a problem of that config. */
  problem: ValueProblem;
}> {
  const byFolder = new Map<string, string[]>();
  for (const { cfg, key } of configs) {
    const folder = hooksFolder(cfg);
    if (folder === undefined) continue;
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), key]);
  }
  const out: Array<{ key: string; problem: ValueProblem }> = [];
  if (byFolder.size === 0) return out;
  for (const f of filesOf(root)) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      for (const key of byFolder.get(folder) ?? []) {
        out.push({
          key,
          problem: {
            pointer: '/hooks_path',
            message: `out/${f.path} [${f.node.path}] is in ${folder}/, whose files Kamal runs as hooks on the deployer's machine at every deploy; kamal-cdk models no Kamal hooks, so give the file another path`,
          },
        });
      }
    }
  }
  return out;
}
