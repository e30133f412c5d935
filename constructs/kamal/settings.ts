import { sortedRecord } from './accessory';
import { addressOf, Host } from './host';
import { EnvProps, EnvSet } from './env';
import * as L1 from './l1';
import { compact, mergeProxyProps, ProxyProps, renderProxy } from './proxy';
import { VolumeSpec, volumeArg } from './volume';

/** A server: a Host (with its tags), an address (or an ERB fragment that yields one), or either with tags. */
export type HostSpec = string | Host | {
  /** The server: a Host or an address. */
  readonly host: string | Host;
  /** Kamal tags for this role's entry, for tag env. */
  readonly tags: readonly string[];
};

/** Docker logging for app containers. */
export interface LoggingProps {
  /** Docker log driver (`journald`, `json-file`). @default - Kamal's default (json-file, max-size 10m) */
  readonly driver?: string;
  /** `--log-opt` options. @default - none */
  readonly options?: Readonly<Record<string, L1.Stringish>>;
}

/** A role: a set of servers running the app image with one command. */
export interface RoleProps {
  /**
   * The servers the role's containers run on, optionally with Kamal tags.
   * @default - no servers; Kamal refuses the role unless `allowEmptyRoles` is set
   */
  readonly hosts?: readonly HostSpec[];
  /** Command instead of the image's CMD. @default - the image's CMD */
  readonly cmd?: string;
  /** Seconds `docker stop` waits before it kills the container. @default - the config's `stopTimeout` */
  readonly stopTimeout?: number;
  /** Extra `docker run` options. @default - none */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Logging, merged over the config's. @default - the config's */
  readonly logging?: LoggingProps;
  /** kamal-proxy for this role: `false` to turn it off on the primary role, `true` or props to turn it on elsewhere (merged over the config's proxy). @default - on for the primary role only */
  readonly proxy?: boolean | ProxyProps;
  /** Extra container labels for this role, added to the config's. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Env, added to the config's. @default - none */
  readonly env?: EnvProps;
  /** Path in the container whose assets are bridged across a deploy, for this role. @default - the config's `assetPath` */
  readonly assetPath?: string;
}

/** The registry Kamal pushes to and pulls from. */
export interface RegistryProps {
  /** Registry host. @default - Docker Hub */
  readonly server?: string;
  /**
   * User name (a literal; use usernameSecret for a secret).
   * @default - no user name; set this or `usernameSecret` to log in
   */
  readonly username?: string;
  /**
   * Secret holding the user name.
   * @default - the literal `username`, if any
   */
  readonly usernameSecret?: string;
  /**
   * Secret holding the password (a literal password can't be given).
   * @default - no password; Kamal cannot log in to push
   */
  readonly passwordSecret?: string;
}

/** How `kamal build` builds the app image (Kamal's `builder:`). */
export interface BuilderProps {
  /** Architectures to build (`amd64`, `arm64`). Kamal requires it. */
  readonly arch: string | readonly string[];
  /**
   * Connection string of a remote builder (`ssh://docker@builder`), used for the architectures the
   * local machine does not match.
   * @default - every architecture is built locally
   */
  readonly remote?: string;
  /**
   * `false` to send even local-architecture builds to `remote`.
   * @default true
   */
  readonly local?: boolean;
  /**
   * Build with Cloud Native Buildpacks instead of a Dockerfile.
   * @default - a Dockerfile build
   */
  readonly pack?: {
    /** Builder image, e.g. `heroku/builder:24`. */
    readonly builder: string;
    /** Buildpacks applied in order, e.g. `heroku/ruby`. */
    readonly buildpacks: readonly string[];
  };
  /**
   * Layer cache shared between builds: the GitHub Actions cache or an image in the registry.
   * @default - no build cache
   */
  readonly cache?: {
    /** `gha` for the GitHub Actions cache, `registry` for a cache image. */
    readonly type: 'gha' | 'registry';
    /**
     * Cache options, e.g. `mode=max` to cache every stage.
     * @default - Docker's defaults
     */
    readonly options?: string;
    /**
     * Cache image, for the `registry` type.
     * @default - `<image>-build-cache`
     */
    readonly image?: string;
  };
  /**
   * Build context; `.` builds the working tree instead of a clean Git clone.
   * @default - a clean clone of the committed tree
   */
  readonly context?: string;
  /**
   * Dockerfile, relative to the context.
   * @default 'Dockerfile'
   */
  readonly dockerfile?: string;
  /**
   * Multi-stage build target.
   * @default - the Dockerfile's last stage
   */
  readonly target?: string;
  /**
   * Build arguments (`--build-arg`), emitted sorted by name.
   * @default - none
   */
  readonly args?: Readonly<Record<string, unknown>>;
  /**
   * Secrets passed to the build by name.
   * @default - none
   */
  readonly secrets?: readonly string[];
  /**
   * SSH agent socket or keys exposed to the build (`default=$SSH_AUTH_SOCK`).
   * @default - no SSH in the build
   */
  readonly ssh?: string;
  /**
   * Buildx driver (`docker`, `cloud org/builder`).
   * @default 'docker-container'
   */
  readonly driver?: string;
  /**
   * Provenance attestation setting (`mode=max`), or a boolean to switch it on or off.
   * @default - Docker's default
   */
  readonly provenance?: string | boolean;
  /**
   * Generate an SBOM attestation.
   * @default - Docker's default
   */
  readonly sbom?: boolean;
}

/** How Kamal connects to the servers (Kamal's `ssh:`). */
export interface SshProps {
  /**
   * SSH user; a non-root user must be able to run Docker.
   * @default 'root'
   */
  readonly user?: string;
  /**
   * SSH port on the servers.
   * @default 22
   */
  readonly port?: number;
  /**
   * Jump host, `host` or `user@host`.
   * @default - direct connections
   */
  readonly proxy?: string;
  /**
   * Custom proxy command (`ssh -W %h:%p user@proxy`), for old SSH versions.
   * @default - none
   */
  readonly proxyCommand?: string;
  /**
   * SSH log level; `debug` helps with connection problems.
   * @default 'fatal'
   */
  readonly logLevel?: string;
  /**
   * Use only `keys` and `keyData`, even if ssh-agent offers more identities.
   * @default false
   */
  readonly keysOnly?: boolean;
  /**
   * Files of private keys to authenticate with.
   * @default - ssh-agent and the default key files
   */
  readonly keys?: readonly string[];
  /**
   * Secret names holding private keys.
   * @default - none
   */
  readonly keyData?: readonly string[];
  /**
   * Whether to load the default OpenSSH config files, or which files to load.
   * @default true
   */
  readonly config?: boolean | string | readonly string[];
  /**
   * Forward the local SSH agent to the servers; turn off for jump hosts that refuse it.
   * @default true
   */
  readonly forwardAgent?: boolean;
}

/**
 * Everything a config or one of its destinations can set. A destination's settings are laid over
 * its config's: scalars replace, env/labels/volumes/aliases/roles add (by name), proxy merges key
 * by key. This is the model's merge; the YAML split that Kamal's deep-merge puts back together is
 * derived from the result.
 */
export interface ConfigSettings {
  /**
   * Kamal service name: prefix of every container name.
   * @default - the config's; a KamalDeploy requires it
   */
  readonly service?: string;
  /**
   * Image name (without registry host).
   * @default - the config's; Kamal requires it
   */
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
  /**
   * Where the image is pushed and pulled, and the login.
   * @default - Docker Hub, without login
   */
  readonly registry?: RegistryProps;
  /**
   * How the image is built.
   * @default - no `builder:`; Kamal requires one to build
   */
  readonly builder?: BuilderProps;
  /**
   * How Kamal connects to the servers.
   * @default - `root` on port 22
   */
  readonly ssh?: SshProps;
  /**
   * SSHKit tuning, for deploys to many servers.
   * @default - SSHKit's defaults (30 concurrent starts, 900 s idle timeout)
   */
  readonly sshkit?: {
    /**
     * SSH connections opened at once.
     * @default 30
     */
    readonly maxConcurrentStarts?: number;
    /**
     * Seconds an idle connection is kept open.
     * @default 900
     */
    readonly poolIdleTimeout?: number;
    /**
     * Retries after a failed DNS lookup; 0 disables them.
     * @default 3
     */
    readonly dnsRetries?: number;
  };
  /**
   * Rolling boots: servers per group (a number or `25%`), seconds between groups, and whether a
   * server's roles boot in parallel.
   * @default - every server at once
   */
  readonly boot?: {
    /**
     * Servers per group, as a number or a percentage (`25%`).
     * @default - every server at once
     */
    readonly limit?: string | number;
    /**
     * Seconds between groups.
     * @default - no wait
     */
    readonly wait?: number;
    /**
     * Boot a server's roles in parallel rather than one after another.
     * @default false
     */
    readonly parallelRoles?: boolean;
  };
  /**
   * Where Kamal ships its own command logs: an OTLP HTTP endpoint and/or a local directory.
   * @default - the terminal only
   */
  readonly output?: {
    /**
     * OTLP HTTP endpoint deploy logs are shipped to (`output.otel.endpoint`).
     * @default - not shipped
     */
    readonly otelEndpoint?: string;
    /**
     * Local directory that gets one log file per deploy (`output.file.path`).
     * @default - no log file
     */
    readonly filePath?: string;
  };
  /** `kamal <alias>` shortcuts. @default - none */
  readonly aliases?: Readonly<Record<string, string>>;
  /**
   * Path in the container whose assets are bridged between the old and new version during a deploy.
   * @default - no asset bridging
   */
  readonly assetPath?: string;
  /**
   * Directory of the hook scripts Kamal runs around its commands.
   * @default '.kamal/hooks'
   */
  readonly hooksPath?: string;
  /**
   * Whether hook output is shown, for all hooks or per hook.
   * @default - follows the CLI's `-v`/`-q`
   */
  readonly hooksOutput?: L1.HooksOutput;
  /**
   * Directory of error pages (`404.html`, `502.html`, ...) the proxy serves.
   * @default - the proxy's own error pages
   */
  readonly errorPagesPath?: string;
  /**
   * The role that is proxied by default and runs one-off commands.
   * @default 'web'
   */
  readonly primaryRole?: string;
  /**
   * Accept roles without servers.
   * @default false
   */
  readonly allowEmptyRoles?: boolean;
  /**
   * Old containers and images kept for rollback.
   * @default 5
   */
  readonly retainContainers?: number;
  /**
   * Oldest Kamal version allowed to deploy this config.
   * @default - any version
   */
  readonly minimumVersion?: string;
  /**
   * Seconds to wait after a container starts, for roles without proxy or healthcheck.
   * @default 7
   */
  readonly readinessDelay?: number;
  /**
   * Seconds a new container has to become healthy.
   * @default 30
   */
  readonly deployTimeout?: number;
  /**
   * Seconds an old container has to finish its requests.
   * @default 30
   */
  readonly drainTimeout?: number;
  /**
   * Seconds between SIGTERM and SIGKILL when a container stops; a role's own value wins.
   * @default - `drainTimeout` for roles without proxy, 10 for proxied roles
   */
  readonly stopTimeout?: number;
  /** Top-level `x-*` extension keys (ignored by Kamal; for YAML anchors and notes). @default - none */
  readonly extensions?: Readonly<Record<`x-${string}`, unknown>>;
}

/**
 * Lays `over` on `base` as described on ConfigSettings.
 *
 * Built with Object.assign, not `{ ...base, ...over, key: value }` (the same result for these
 * fixed-key props), and user-filled maps with mergeMaps: see mergeProxyProps.
 * @internal
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

/**
 * Kamal's `registry:` hash.
 * @internal
 */
export function renderRegistry(r: RegistryProps): L1.Registry {
  return compact<L1.Registry>({
    server: r.server,
    username: r.usernameSecret ? [r.usernameSecret] : r.username,
    password: r.passwordSecret ? [r.passwordSecret] : undefined,
  });
}

/**
 * Kamal's `logging:` hash, options sorted by name.
 * @internal
 */
export function renderLogging(l: LoggingProps): L1.Logging {
  return compact<L1.Logging>({ driver: l.driver, options: l.options && sortedRecord(l.options) });
}

/**
 * A `servers:` entry: the bare address, or the address with its tag(s).
 * @internal
 */
export function renderHost(h: HostSpec): L1.HostEntry {
  if (typeof h === 'string') return h;
  if (Host.isHost(h)) return h.tags.length === 0 ? h.address : { [h.address]: h.tags.length === 1 ? h.tags[0] : [...h.tags] };
  return { [addressOf(h.host)]: h.tags.length === 1 ? h.tags[0] : [...h.tags] };
}

/**
 * A role as Kamal reads it: the short list form when it has nothing but hosts.
 * @internal
 */
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

/**
 * Kamal's `builder:` hash; maps in sorted key order.
 * @internal
 */
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

/**
 * Kamal's `ssh:` hash.
 * @internal
 */
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
