/**
 * The L1 model: deploy.yml exactly as Kamal 2.12 reads it, key for key, in Kamal's own names.
 * The L2 constructs build these objects; the YAML is these objects rendered. Types follow
 * Kamal's validator: "string" fields accept any scalar (Kamal stringifies them), integers and
 * booleans are strict. Key order in each interface is the order of Kamal's documentation, which
 * is the order the YAML is emitted in.
 */

/** A scalar Kamal turns into a string (`port: 5432` and `port: "5432"` mean the same). */
export type Stringish = string | number | boolean;

/** A server list entry: `"1.2.3.4"` or `{ "1.2.3.4": tag }` / `{ "1.2.3.4": [tags] }`. */
export type HostEntry = string | { [host: string]: string | string[] };

/** Environment: simple form (all clear) or the complex form. */
export type Env = { [name: string]: Stringish } | EnvComplex;

/**
 * The complex env form, used as soon as any variable is secret: clear values and secret names
 * side by side.
 */
export interface EnvComplex {
  /**
   * Passed as `--env NAME="value"`; visible in `docker inspect`.
   * @default - no clear variables
   */
  clear?: { [name: string]: Stringish };
  /**
   * Names of secrets (`NAME` or `NAME:SECRET_KEY`), written to an env file on the host.
   * @default - no secrets
   */
  secret?: string[];
  /**
   * Root env only: env per host tag.
   * @default - no per-tag env
   */
  tags?: { [tag: string]: { [name: string]: Stringish } | Omit<EnvComplex, 'tags'> };
}

/** Where Kamal pushes the app image and pulls accessory images from, and how it logs in. */
export interface Registry {
  /**
   * Registry host (and port). A host starting with `localhost` makes Kamal run a local registry on
   * that port and push through an SSH tunnel.
   * @default - Docker Hub
   */
  server?: Stringish;
  /**
   * A literal, or a one-element array naming a secret.
   * @default - no login; enough for a `localhost` registry, not to push to a remote one
   */
  username?: Stringish | [string];
  /**
   * A literal or, usually, a one-element array naming the secret that holds the password or token.
   * @default - no login
   */
  password?: Stringish | [string];
}

/** Docker logging settings for containers, at the root or per role. */
export interface Logging {
  /**
   * Logging driver, passed to `docker run --log-driver`.
   * @default - the Docker daemon's default driver
   */
  driver?: Stringish;
  /**
   * Driver options, each passed as `--log-opt name=value`.
   * @default - no options
   */
  options?: { [option: string]: Stringish };
}

/**
 * A certificate that kamal-proxy loads from secrets instead of asking Let's Encrypt (needed with
 * more than one host).
 */
export interface ProxySsl {
  /** Secret name holding the certificate PEM. */
  certificate_pem: string;
  /** Secret name holding the private key PEM. */
  private_key_pem: string;
}

/** How kamal-proxy decides a new container is up before switching traffic to it. */
export interface ProxyHealthcheck {
  /**
   * Seconds between probes.
   * @default 1
   */
  interval?: number;
  /**
   * HTTP path probed; a 200 means healthy.
   * @default '/up'
   */
  path?: string;
  /**
   * Seconds each probe may take.
   * @default 5
   */
  timeout?: number;
}

/** Whether kamal-proxy buffers request and response bodies, and how much it keeps in memory. */
export interface ProxyBuffering {
  /**
   * Buffer request bodies before forwarding them.
   * @default true
   */
  requests?: boolean;
  /**
   * Buffer response bodies before returning them.
   * @default true
   */
  responses?: boolean;
  /**
   * Largest request body accepted, in bytes; 0 means no limit.
   * @default 1000000000 (1 GB)
   */
  max_request_body?: number;
  /**
   * Largest response body accepted, in bytes; 0 means no limit.
   * @default 0
   */
  max_response_body?: number;
  /**
   * Bytes buffered in memory; anything larger is written to disk.
   * @default 1000000 (1 MB)
   */
  memory?: number;
}

/** Which headers kamal-proxy writes into its request log. */
export interface ProxyLogging {
  /**
   * Request headers to log.
   * @default - `Cache-Control`, `Last-Modified` and `User-Agent`
   */
  request_headers?: string[];
  /**
   * Response headers to log.
   * @default - no response headers are logged
   */
  response_headers?: string[];
}

/**
 * How the kamal-proxy container itself is booted (`kamal proxy boot`); shared by every app on the
 * host, unlike the rest of `proxy:`.
 */
export interface ProxyRun {
  /**
   * Host port for HTTP.
   * @default 80
   */
  http_port?: number;
  /**
   * Host port for HTTPS.
   * @default 443
   */
  https_port?: number;
  /**
   * Port for Prometheus metrics.
   * @default - no metrics endpoint
   */
  metrics_port?: number;
  /**
   * Debug logging in the proxy.
   * @default false
   */
  debug?: boolean;
  /**
   * Largest proxy log file before Docker rotates it.
   * @default '10m'
   */
  log_max_size?: string;
  /**
   * Publish the HTTP/HTTPS ports on the host.
   * @default true
   */
  publish?: boolean;
  /**
   * Host addresses the published ports bind to.
   * @default - all interfaces
   */
  bind_ips?: string[];
  /**
   * Registry the kamal-proxy image is pulled from.
   * @default - Docker Hub
   */
  registry?: string;
  /**
   * Repository of the kamal-proxy image.
   * @default 'basecamp/kamal-proxy'
   */
  repository?: string;
  /**
   * Tag of the kamal-proxy image.
   * @default - Kamal's minimum supported version ('v0.9.2' in Kamal 2.12)
   */
  version?: string;
  /**
   * Extra `docker run` options for the proxy container.
   * @default - none
   */
  options?: { [option: string]: unknown };
}

/**
 * kamal-proxy routing for an app role or an accessory: which hosts and paths reach it, TLS, and
 * health checks. Applied per deploy, not shared with other apps on the host.
 */
export interface Proxy {
  /**
   * The single host name routed to the app; use either this or `hosts`.
   * @default - every request not claimed by another app on the server
   */
  host?: Stringish;
  /**
   * Host names routed to the app.
   * @default - see `host`
   */
  hosts?: string[];
  /**
   * Port the app listens on inside the container.
   * @default 80
   */
  app_port?: number;
  /**
   * `true` for Let's Encrypt certificates (one server only), or a certificate held in secrets.
   * @default false
   */
  ssl?: boolean | ProxySsl;
  /**
   * Redirect HTTP to HTTPS when SSL is on.
   * @default true
   */
  ssl_redirect?: boolean;
  /**
   * Forward `X-Forwarded-For` and `X-Forwarded-Proto` to the app.
   * @default - forwarded when `ssl` is off, not when it is on
   */
  forward_headers?: boolean;
  /**
   * Seconds a request may take before the proxy times it out.
   * @default 30
   */
  response_timeout?: number;
  /**
   * Route only requests under this path (several comma-separated); use either this or `path_prefixes`.
   * @default - all paths
   */
  path_prefix?: string;
  /**
   * Route only requests under these paths.
   * @default - all paths
   */
  path_prefixes?: string[];
  /**
   * Remove the path prefix before forwarding.
   * @default true
   */
  strip_path_prefix?: boolean;
  /**
   * How the proxy probes a new container before sending it traffic.
   * @default - probe `/up` every second, 5 seconds per probe
   */
  healthcheck?: ProxyHealthcheck;
  /**
   * Request and response buffering in the proxy.
   * @default - requests and responses buffered, 1 GB request limit, 1 MB in memory
   */
  buffering?: ProxyBuffering;
  /**
   * Headers written to the proxy's request log.
   * @default - the default request headers, no response headers
   */
  logging?: ProxyLogging;
  /**
   * How the kamal-proxy container is booted; root `proxy:` only.
   * @default - the proxy container boots with Kamal's defaults
   */
  run?: ProxyRun;
}

/** One server role: its hosts and what differs from the root config for its containers. */
export interface Role {
  /**
   * Hosts running this role, optionally tagged for per-tag env.
   * @default - no hosts; allowed only with `allow_empty_roles`
   */
  hosts?: HostEntry[];
  /**
   * Command run in the container instead of the image's default.
   * @default - the image's `CMD`
   */
  cmd?: Stringish;
  /**
   * Seconds between SIGTERM and SIGKILL when a container stops.
   * @default - the root `stop_timeout`
   */
  stop_timeout?: number;
  /**
   * Extra `docker run` options (`--name value`) for this role's containers.
   * @default - none
   */
  options?: { [option: string]: unknown };
  /**
   * Docker logging for this role's containers.
   * @default - the root `logging`
   */
  logging?: Logging;
  /**
   * `true` to put this role behind the proxy with the root settings, `false` to take the primary
   * role off it, or settings that override the root ones.
   * @default - proxied only if this is the primary role
   */
  proxy?: boolean | Proxy;
  /**
   * Extra container labels.
   * @default - the root labels only
   */
  labels?: { [label: string]: Stringish };
  /**
   * Env merged over the root env for this role.
   * @default - the root env only
   */
  env?: Env;
  /**
   * Asset bridging path for this role's containers.
   * @default - the root `asset_path`
   */
  asset_path?: string;
}

/** `servers:`: a plain host list (all hosts in the `web` role) or hosts per role. */
export type Servers = HostEntry[] | { [role: string]: HostEntry[] | Role };

/** Build with Cloud Native Buildpacks (`pack`) instead of a Dockerfile. */
export interface BuilderPack {
  /**
   * The buildpack builder image, e.g. `heroku/builder:24`.
   * @default - none; required for a pack build
   */
  builder?: Stringish;
  /**
   * Buildpacks to apply, in order.
   * @default - none
   */
  buildpacks?: string[];
}

/** Where Docker build caches layers between builds. */
export interface BuilderCache {
  /**
   * `gha` for the GitHub Actions cache, `registry` for an image in the registry.
   * @default - no build cache
   */
  type?: 'gha' | 'registry';
  /**
   * Cache options, e.g. `mode=max`.
   * @default - none
   */
  options?: Stringish;
  /**
   * Cache image name, for the `registry` type.
   * @default - `<image>-build-cache`
   */
  image?: Stringish;
}

/** How `kamal build` builds the app image. */
export interface Builder {
  /**
   * Architectures to build for (`amd64`, `arm64`).
   * @default - none; Kamal requires it
   */
  arch?: string | string[];
  /**
   * Connection string of a remote builder, used for architectures the local machine does not match.
   * @default - build everything locally
   */
  remote?: Stringish;
  /**
   * `false` to use the remote builder even for the local architecture.
   * @default true
   */
  local?: boolean;
  /**
   * Build with Cloud Native Buildpacks instead of a Dockerfile.
   * @default - a Dockerfile build
   */
  pack?: BuilderPack;
  /**
   * Layer cache shared between builds.
   * @default - no build cache
   */
  cache?: BuilderCache;
  /**
   * Build context; `.` builds the working tree instead of a clean Git clone.
   * @default - a clean clone of the committed Git tree
   */
  context?: Stringish;
  /**
   * Dockerfile to build, relative to the context.
   * @default 'Dockerfile'
   */
  dockerfile?: Stringish;
  /**
   * Multi-stage build target.
   * @default - the Dockerfile's last stage
   */
  target?: Stringish;
  /**
   * Build arguments, each passed as `--build-arg name=value`.
   * @default - none
   */
  args?: { [arg: string]: unknown };
  /**
   * Names of secrets from `.kamal/secrets` exposed to the build as `--secret`.
   * @default - none
   */
  secrets?: string[];
  /**
   * SSH agent socket or keys exposed to the build, e.g. `default=$SSH_AUTH_SOCK`.
   * @default - no SSH in the build
   */
  ssh?: Stringish;
  /**
   * Buildx driver, e.g. `docker` or `cloud org/builder`.
   * @default 'docker-container'
   */
  driver?: Stringish;
  /**
   * Provenance attestation setting, or a boolean to switch it on or off.
   * @default - Docker's default
   */
  provenance?: Stringish;
  /**
   * Generate an SBOM attestation.
   * @default - Docker's default
   */
  sbom?: boolean;
}

/** An accessory file: `"local:remote[:options]"` or the hash form. */
export type AccessoryFile = string | {
  /** File or folder in the repository, relative to the app root. */
  local: string;
  /** Path in the container. */
  remote: string;
  /**
   * File mode, e.g. `"0600"`.
   * @default - left as Kamal creates it
   */
  mode?: Stringish;
  /**
   * Owner, `user:group` or ids; setting it needs root on the host.
   * @default - left as Kamal creates it
   */
  owner?: Stringish;
  /**
   * Mount options: `ro`, `z` or `Z`.
   * @default - read-write, no SELinux label
   */
  options?: Stringish;
};
/** An accessory directory: `"name:remote[:options]"` or the hash form. */
export type AccessoryDirectory = string | {
  /** Folder on the host; a bare name is created under the accessory's folder. */
  local: string;
  /** Path in the container. */
  remote: string;
  /**
   * Folder mode, e.g. `"0750"`.
   * @default - left as Kamal creates it
   */
  mode?: Stringish;
  /**
   * Owner, `user:group` or ids; setting it needs root on the host.
   * @default - left as Kamal creates it
   */
  owner?: Stringish;
  /**
   * Mount options: `ro`, `z` or `Z`.
   * @default - read-write, no SELinux label
   */
  options?: Stringish;
};

/**
 * A service Kamal runs beside the app (database, cache, ...). Accessories are booted with
 * `kamal accessory boot` and are not touched by deploys.
 */
export interface Accessory {
  /**
   * Service name, used in the container name and service label.
   * @default - `<service>-<accessory name>`
   */
  service?: Stringish;
  /**
   * Image to run; prefix it with its registry when that differs from the root one.
   * @default - none; Kamal requires it
   */
  image?: Stringish;
  /**
   * Registry for this image when it differs from the root registry.
   * @default - the root registry
   */
  registry?: Registry;
  /**
   * Where the accessory runs: set exactly one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`.
   * @default - see above; one of them is required
   */
  host?: Stringish;
  /**
   * Run on each of these hosts.
   * @default - see `host`
   */
  hosts?: HostEntry[];
  /**
   * Run on every host of this role.
   * @default - see `host`
   */
  role?: Stringish;
  /**
   * Run on every host of these roles.
   * @default - see `host`
   */
  roles?: string[];
  /**
   * Run on every host with this tag.
   * @default - see `host`
   */
  tag?: Stringish;
  /**
   * Run on every host with any of these tags.
   * @default - see `host`
   */
  tags?: string[];
  /**
   * Command run in the container instead of the image's default.
   * @default - the image's `CMD`
   */
  cmd?: Stringish;
  /**
   * Port mapping passed to `--publish`, e.g. `127.0.0.1:5432:5432`.
   * @default - nothing published; reachable only on the Docker network
   */
  port?: Stringish;
  /**
   * Extra container labels.
   * @default - Kamal's own labels only
   */
  labels?: { [label: string]: Stringish };
  /**
   * Extra `docker run` options (`--name value`).
   * @default - none
   */
  options?: { [option: string]: unknown };
  /**
   * The accessory's env; no `tags` here.
   * @default - no env
   */
  env?: Omit<EnvComplex, 'tags'> | { [name: string]: Stringish };
  /**
   * Files uploaded from the repository (ERB evaluated) and mounted into the container.
   * @default - none
   */
  files?: AccessoryFile[];
  /**
   * Directories created on the host and mounted into the container.
   * @default - none
   */
  directories?: AccessoryDirectory[];
  /**
   * Other mounts, neither created nor copied first.
   * @default - none
   */
  volumes?: string[];
  /**
   * Docker network the container joins.
   * @default 'kamal'
   */
  network?: Stringish;
  /**
   * Put the accessory behind kamal-proxy.
   * @default - not proxied
   */
  proxy?: Proxy;
}

/** How Kamal connects to the hosts. */
export interface Ssh {
  /**
   * User Kamal logs in as; a non-root user needs Docker set up by hand.
   * @default 'root'
   */
  user?: Stringish;
  /**
   * SSH port on the hosts.
   * @default 22
   */
  port?: Stringish;
  /**
   * Jump host, `host` or `user@host`.
   * @default - direct connections
   */
  proxy?: Stringish;
  /**
   * Custom proxy command, for old SSH versions.
   * @default - none
   */
  proxy_command?: Stringish;
  /**
   * SSH log level; `debug` helps with connection problems.
   * @default 'fatal'
   */
  log_level?: Stringish;
  /**
   * Use only `keys` and `key_data`, even if ssh-agent offers more identities.
   * @default false
   */
  keys_only?: boolean;
  /**
   * Files of private keys to authenticate with.
   * @default - ssh-agent and the default key files
   */
  keys?: string[];
  /**
   * Names of secrets holding private keys.
   * @default - none
   */
  key_data?: string[];
  /**
   * Whether to load the default OpenSSH config files, or which files to load.
   * @default true
   */
  config?: boolean | string | string[];
  /**
   * Forward the local SSH agent to the hosts.
   * @default true
   */
  forward_agent?: boolean;
}

/** SSHKit tuning, for deploys to many hosts. */
export interface Sshkit {
  /**
   * SSH connections opened at once.
   * @default 30
   */
  max_concurrent_starts?: number;
  /**
   * Seconds an idle connection is kept.
   * @default 900
   */
  pool_idle_timeout?: number;
  /**
   * Retries after a failed DNS lookup; 0 disables them.
   * @default 3
   */
  dns_retries?: number;
}

/** Rolling boots: how many hosts get a new container at a time. */
export interface Boot {
  /**
   * Hosts per group, as a number or a percentage (`25%`).
   * @default - all hosts at once
   */
  limit?: Stringish;
  /**
   * Seconds between groups.
   * @default - no wait
   */
  wait?: number;
  /**
   * Boot a host's roles in parallel rather than one after another.
   * @default false
   */
  parallel_roles?: boolean;
}

/** Where Kamal sends the logs of its own commands. */
export interface Output {
  /**
   * Ship deploy logs to an OTLP HTTP endpoint.
   * @default - not shipped
   */
  otel?: {
    /**
     * OTLP HTTP endpoint, e.g. `http://otel-gateway:4318`.
     * @default - none; required when `otel` is set
     */
    endpoint?: Stringish;
  };
  /**
   * Write one log file per deploy into this local directory.
   * @default - no log file
   */
  file?: {
    /**
     * Local directory the log files are written to.
     * @default - none; required when `file` is set
     */
    path?: Stringish;
  };
}

/** Hook output visibility, for all hooks or per hook; CLI `-v`/`-q` override it. */
export type HooksOutput = 'quiet' | 'verbose' | { [hook: string]: 'quiet' | 'verbose' };

/** A whole deploy file. Extensions (`x-*`) are allowed at the top level only. */
export interface DeployConfig {
  /**
   * Service name, the prefix of every container name. Required in the effective config.
   * @default - inherited from deploy.yml in a destination file
   */
  service?: Stringish;
  /**
   * App image name, pushed to the registry. Required in the effective config.
   * @default - inherited from deploy.yml in a destination file
   */
  image?: Stringish;
  /**
   * Extra labels on the app containers.
   * @default - Kamal's own labels only
   */
  labels?: { [label: string]: Stringish };
  /**
   * Extra mounts for the app containers, `host:container[:options]`.
   * @default - none
   */
  volumes?: string[];
  /**
   * Where the app image is pushed and pulled, and the login.
   * @default - Docker Hub, without login
   */
  registry?: Registry;
  /**
   * Hosts per role. Required in the effective config.
   * @default - inherited from deploy.yml in a destination file
   */
  servers?: Servers;
  /**
   * Env of the app containers, merged under each role's env.
   * @default - no env
   */
  env?: Env;
  /**
   * Path in the container whose files are bridged between old and new versions during a deploy.
   * @default - no asset bridging
   */
  asset_path?: string;
  /**
   * Directory of the hook scripts Kamal runs around its commands.
   * @default '.kamal/hooks'
   */
  hooks_path?: string;
  /**
   * Whether hook output is shown.
   * @default - hook output follows the CLI verbosity
   */
  hooks_output?: HooksOutput;
  /**
   * Secrets file path; Kamal reads `<path>-common` first, then `<path>` or `<path>.<destination>`.
   * @default '.kamal/secrets'
   */
  secrets_path?: string;
  /**
   * Directory with error pages (`404.html`, `502.html`, ...) for the proxy to serve.
   * @default - the proxy's own error pages
   */
  error_pages_path?: string;
  /**
   * Refuse commands that name no destination.
   * @default false
   */
  require_destination?: boolean;
  /**
   * The role that is proxied by default and that runs one-off commands.
   * @default 'web'
   */
  primary_role?: string;
  /**
   * Accept roles without hosts.
   * @default false
   */
  allow_empty_roles?: boolean;
  /**
   * Old containers and images kept for rollback.
   * @default 5
   */
  retain_containers?: number;
  /**
   * Oldest Kamal version allowed to deploy this config.
   * @default - any version
   */
  minimum_version?: Stringish;
  /**
   * Seconds to wait after a container starts, for roles without proxy or healthcheck.
   * @default 7
   */
  readiness_delay?: number;
  /**
   * Seconds a new container has to become healthy.
   * @default 30
   */
  deploy_timeout?: number;
  /**
   * Seconds an old container has to finish its requests.
   * @default 30
   */
  drain_timeout?: number;
  /**
   * Seconds between SIGTERM and SIGKILL; per-role values override it.
   * @default - `drain_timeout` for roles without proxy, 10 for proxied roles
   */
  stop_timeout?: number;
  /**
   * How Kamal connects to the hosts.
   * @default - `root` on port 22
   */
  ssh?: Ssh;
  /**
   * How the image is built. Required when Kamal builds the image.
   * @default - none
   */
  builder?: Builder;
  /**
   * Accessories by name.
   * @default - no accessories
   */
  accessories?: { [name: string]: Accessory };
  /**
   * Proxy settings shared by the proxied roles.
   * @default - port 80, no host, no SSL
   */
  proxy?: Proxy;
  /**
   * SSHKit connection tuning.
   * @default - SSHKit's defaults
   */
  sshkit?: Sshkit;
  /**
   * Rolling boot settings.
   * @default - all hosts boot at once
   */
  boot?: Boot;
  /**
   * Docker logging for all app containers.
   * @default - the Docker daemon's logging settings
   */
  logging?: Logging;
  /**
   * Where Kamal's own command logs go.
   * @default - command output to the terminal only
   */
  output?: Output;
  /**
   * Command shortcuts, e.g. `console: app exec -i --reuse "bin/rails console"`.
   * @default - none
   */
  aliases?: { [name: string]: string };
  [extension: `x-${string}`]: unknown;
}

/**
 * The order deploy.yml keys are emitted in: Kamal's configuration.yml order for the keys people
 * read first, then the sections as the documentation lists them.
 */
export const DEPLOY_KEY_ORDER: ReadonlyArray<keyof DeployConfig> = [
  'service', 'image', 'servers', 'proxy', 'registry', 'builder', 'env', 'accessories',
  'volumes', 'labels', 'logging', 'asset_path', 'hooks_path', 'hooks_output', 'secrets_path',
  'error_pages_path', 'require_destination', 'primary_role', 'allow_empty_roles',
  'retain_containers', 'minimum_version', 'readiness_delay', 'deploy_timeout', 'drain_timeout',
  'stop_timeout', 'ssh', 'sshkit', 'boot', 'output', 'aliases',
];
