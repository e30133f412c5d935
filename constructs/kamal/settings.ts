import { sortedRecord } from './accessory';
import { EnvProps, EnvSet } from './env';
import * as L1 from './l1';
import { compact, mergeProxyProps, ProxyProps, renderProxy } from './proxy';
import { VolumeSpec, volumeArg } from './volume';

/** A server: an address (or an ERB fragment that yields one) and its tags. */
export type HostSpec = string | { readonly host: string; readonly tags: readonly string[] };

/** Docker logging for app containers. */
export interface LoggingProps {
  /** Docker log driver (`journald`, `json-file`). @default - Kamal's default (json-file, max-size 10m) */
  readonly driver?: string;
  /** `--log-opt` options. @default - none */
  readonly options?: Readonly<Record<string, L1.Stringish>>;
}

/** A role: a set of servers running the app image with one command. */
export interface RoleProps {
  /** The servers. */
  readonly hosts?: readonly HostSpec[];
  /** Command instead of the image's CMD. @default - the image's CMD */
  readonly cmd?: string;
  /** Seconds `docker stop` waits. @default - Kamal's default */
  readonly stopTimeout?: number;
  /** Extra `docker run` options. @default - none */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Logging, merged over the config's. @default - the config's */
  readonly logging?: LoggingProps;
  /** kamal-proxy for this role: `false` to turn it off on the primary role, `true` or props to turn it on elsewhere (merged over the config's proxy). @default - on for the primary role only */
  readonly proxy?: boolean | ProxyProps;
  /** Labels. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Env, added to the config's. @default - none */
  readonly env?: EnvProps;
  /** Asset path. @default - the config's */
  readonly assetPath?: string;
}

/** The registry Kamal pushes to and pulls from. */
export interface RegistryProps {
  /** Registry host. @default - Docker Hub */
  readonly server?: string;
  /** User name (a literal; use usernameSecret for a secret). */
  readonly username?: string;
  /** Secret holding the user name. */
  readonly usernameSecret?: string;
  /** Secret holding the password (a literal password can't be given). */
  readonly passwordSecret?: string;
}

export interface BuilderProps {
  /** Architectures to build (`amd64`, `arm64`). Kamal requires it. */
  readonly arch: string | readonly string[];
  readonly remote?: string;
  readonly local?: boolean;
  readonly pack?: { readonly builder: string; readonly buildpacks: readonly string[] };
  readonly cache?: { readonly type: 'gha' | 'registry'; readonly options?: string; readonly image?: string };
  readonly context?: string;
  readonly dockerfile?: string;
  readonly target?: string;
  readonly args?: Readonly<Record<string, unknown>>;
  /** Secrets passed to the build by name. */
  readonly secrets?: readonly string[];
  readonly ssh?: string;
  readonly driver?: string;
  readonly provenance?: string | boolean;
  readonly sbom?: boolean;
}

export interface SshProps {
  readonly user?: string;
  readonly port?: number;
  readonly proxy?: string;
  readonly proxyCommand?: string;
  readonly logLevel?: string;
  readonly keysOnly?: boolean;
  readonly keys?: readonly string[];
  /** Secret names holding private keys. */
  readonly keyData?: readonly string[];
  readonly config?: boolean | string | readonly string[];
  readonly forwardAgent?: boolean;
}

/**
 * Everything a config or one of its destinations can set. A destination's settings are laid over
 * its config's: scalars replace, env/labels/volumes/aliases/roles add (by name), proxy merges key
 * by key. This is the model's merge; the YAML split that Kamal's deep-merge puts back together is
 * derived from the result.
 */
export interface ConfigSettings {
  /** Kamal service name: prefix of every container name. */
  readonly service?: string;
  /** Image name (without registry host). */
  readonly image?: string;
  /** Roles by name. @default - none */
  readonly roles?: Readonly<Record<string, RoleProps>>;
  /** kamal-proxy for the primary role (and roles that turn it on). @default - no proxy settings */
  readonly proxy?: ProxyProps;
  /** Env for every role. @default - none */
  readonly env?: EnvProps;
  /** Volumes of app containers. @default - none */
  readonly volumes?: readonly VolumeSpec[];
  /** Labels of app containers. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Logging of app containers and accessories. @default - Kamal's default */
  readonly logging?: LoggingProps;
  readonly registry?: RegistryProps;
  readonly builder?: BuilderProps;
  readonly ssh?: SshProps;
  readonly sshkit?: { readonly maxConcurrentStarts?: number; readonly poolIdleTimeout?: number; readonly dnsRetries?: number };
  readonly boot?: { readonly limit?: string | number; readonly wait?: number; readonly parallelRoles?: boolean };
  readonly output?: { readonly otelEndpoint?: string; readonly filePath?: string };
  /** `kamal <alias>` shortcuts. @default - none */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly assetPath?: string;
  readonly hooksPath?: string;
  readonly hooksOutput?: L1.HooksOutput;
  readonly errorPagesPath?: string;
  readonly primaryRole?: string;
  readonly allowEmptyRoles?: boolean;
  readonly retainContainers?: number;
  readonly minimumVersion?: string;
  readonly readinessDelay?: number;
  readonly deployTimeout?: number;
  readonly drainTimeout?: number;
  readonly stopTimeout?: number;
  /** Top-level `x-*` extension keys (ignored by Kamal; for YAML anchors and notes). @default - none */
  readonly extensions?: Readonly<Record<`x-${string}`, unknown>>;
}

/**
 * Lays `over` on `base` as described on ConfigSettings.
 *
 * Built with Object.assign, not `{ ...base, ...over, key: value }` (the same result for these
 * fixed-key props), and user-filled maps with mergeMaps: see mergeProxyProps.
 */
export function mergeSettings(base: ConfigSettings, overWithUndefined: ConfigSettings): ConfigSettings {
  // A prop given as undefined means "not set here", never "unset the config's value".
  const over = compact(overWithUndefined);
  const roles: Record<string, RoleProps> = { ...base.roles };
  for (const [name, r] of Object.entries(over.roles ?? {})) roles[name] = roles[name] ? mergeRole(roles[name], r) : r;
  return Object.assign({}, base, over, {
    roles,
    proxy: mergeProxyProps(base.proxy, over.proxy),
    env: mergeEnv(base.env, over.env),
    volumes: mergeVolumes(base.volumes, over.volumes),
    labels: base.labels || over.labels ? mergeMaps(base.labels, over.labels) : undefined,
    aliases: base.aliases || over.aliases ? mergeMaps(base.aliases, over.aliases) : undefined,
    logging: mergeLogging(base.logging, over.logging),
    extensions: base.extensions || over.extensions ? mergeMaps(base.extensions, over.extensions) : undefined,
  });
}

function mergeRole(base: RoleProps, overWithUndefined: RoleProps): RoleProps {
  const over = compact(overWithUndefined);
  const proxy = typeof base.proxy === 'object' && typeof over.proxy === 'object' ? mergeProxyProps(base.proxy, over.proxy) : over.proxy ?? base.proxy;
  return Object.assign({}, base, over, {
    proxy,
    env: mergeEnv(base.env, over.env),
    labels: base.labels || over.labels ? mergeMaps(base.labels, over.labels) : undefined,
    logging: mergeLogging(base.logging, over.logging),
  });
}

function mergeEnv(a: EnvProps | undefined, b: EnvProps | undefined): EnvProps | undefined {
  if (!a) return b;
  if (!b) return a;
  return { clear: mergeMaps(a.clear, b.clear), secrets: [...(a.secrets ?? []), ...(b.secrets ?? [])] };
}

function mergeLogging(a: LoggingProps | undefined, b: LoggingProps | undefined): LoggingProps | undefined {
  if (!a) return b;
  if (!b) return a;
  return { driver: b.driver ?? a.driver, options: mergeMaps(a.options, b.options) };
}

/**
 * `{ ...a, ...b }` for a user-filled map, built with Object.assign (see mergeProxyProps). The two
 * differ only for an own `__proto__` key, which Object.assign would take for the prototype: such
 * a map keeps the spread.
 */
function mergeMaps<V>(a: Readonly<Record<string, V>> | undefined, b: Readonly<Record<string, V>> | undefined): Record<string, V> {
  const protoKey = (m: object | undefined) => m !== undefined && Object.hasOwn(m, '__proto__');
  return protoKey(a) || protoKey(b) ? { ...a, ...b } : Object.assign({}, a, b);
}

/** Volumes by container path: a later mount of the same path replaces the earlier one. */
function mergeVolumes(a: readonly VolumeSpec[] | undefined, b: readonly VolumeSpec[] | undefined): VolumeSpec[] | undefined {
  if (!a) return b && [...b];
  if (!b) return [...a];
  const target = (v: VolumeSpec) => volumeArg(v).split(':')[1];
  const out = a.filter((v) => !b.some((w) => target(w) === target(v)));
  return [...out, ...b];
}

/** Kamal's `registry:` hash. */
export function renderRegistry(r: RegistryProps): L1.Registry {
  return compact<L1.Registry>({
    server: r.server,
    username: r.usernameSecret ? [r.usernameSecret] : r.username,
    password: r.passwordSecret ? [r.passwordSecret] : undefined,
  });
}

export function renderLogging(l: LoggingProps): L1.Logging {
  return compact<L1.Logging>({ driver: l.driver, options: l.options && sortedRecord(l.options) });
}

export function renderHost(h: HostSpec): L1.HostEntry {
  if (typeof h === 'string') return h;
  return { [h.host]: h.tags.length === 1 ? h.tags[0] : [...h.tags] };
}

/** A role as Kamal reads it: the short list form when it has nothing but hosts. */
export function renderRole(r: RoleProps): L1.HostEntry[] | L1.Role {
  const hosts = (r.hosts ?? []).map(renderHost);
  const role = compact<L1.Role>({
    hosts,
    cmd: r.cmd,
    stop_timeout: r.stopTimeout,
    options: r.options && sortedRecord(r.options),
    logging: r.logging && renderLogging(r.logging),
    proxy: r.proxy === undefined || typeof r.proxy === 'boolean' ? r.proxy : renderProxy(r.proxy),
    labels: r.labels && sortedRecord(r.labels),
    env: r.env && EnvSet.of(r.env).toKamal(),
    asset_path: r.assetPath,
  });
  return Object.keys(role).length === 1 ? hosts : role;
}

export function renderBuilder(b: BuilderProps): L1.Builder {
  return compact<L1.Builder>({
    arch: typeof b.arch === 'string' ? b.arch : [...b.arch],
    remote: b.remote,
    local: b.local,
    pack: b.pack && { builder: b.pack.builder, buildpacks: [...b.pack.buildpacks] },
    cache: b.cache && compact({ type: b.cache.type, options: b.cache.options, image: b.cache.image }),
    context: b.context,
    dockerfile: b.dockerfile,
    target: b.target,
    args: b.args && sortedRecord(b.args),
    secrets: b.secrets && [...b.secrets],
    ssh: b.ssh,
    driver: b.driver,
    provenance: b.provenance,
    sbom: b.sbom,
  });
}

export function renderSsh(s: SshProps): L1.Ssh {
  return compact<L1.Ssh>({
    user: s.user,
    port: s.port,
    proxy: s.proxy,
    proxy_command: s.proxyCommand,
    log_level: s.logLevel,
    keys_only: s.keysOnly,
    keys: s.keys && [...s.keys],
    key_data: s.keyData && [...s.keyData],
    config: typeof s.config === 'object' ? [...s.config] : s.config,
    forward_agent: s.forwardAgent,
  });
}
