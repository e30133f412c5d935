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

export interface EnvComplex {
  /** Passed as `--env NAME="value"`; visible in `docker inspect`. */
  clear?: { [name: string]: Stringish };
  /** Names of secrets (`NAME` or `NAME:SECRET_KEY`), written to an env file on the host. */
  secret?: string[];
  /** Root env only: env per host tag. */
  tags?: { [tag: string]: { [name: string]: Stringish } | Omit<EnvComplex, 'tags'> };
}

export interface Registry {
  server?: Stringish;
  /** A literal, or a one-element array naming a secret. */
  username?: Stringish | [string];
  password?: Stringish | [string];
}

export interface Logging {
  driver?: Stringish;
  options?: { [option: string]: Stringish };
}

export interface ProxySsl {
  /** Secret name holding the certificate PEM. */
  certificate_pem: string;
  /** Secret name holding the private key PEM. */
  private_key_pem: string;
}

export interface ProxyHealthcheck {
  interval?: number;
  path?: string;
  timeout?: number;
}

export interface ProxyBuffering {
  requests?: boolean;
  responses?: boolean;
  max_request_body?: number;
  max_response_body?: number;
  memory?: number;
}

export interface ProxyLogging {
  request_headers?: string[];
  response_headers?: string[];
}

export interface ProxyRun {
  http_port?: number;
  https_port?: number;
  metrics_port?: number;
  debug?: boolean;
  log_max_size?: string;
  publish?: boolean;
  bind_ips?: string[];
  registry?: string;
  repository?: string;
  version?: string;
  options?: { [option: string]: unknown };
}

export interface Proxy {
  host?: Stringish;
  hosts?: string[];
  app_port?: number;
  ssl?: boolean | ProxySsl;
  ssl_redirect?: boolean;
  forward_headers?: boolean;
  response_timeout?: number;
  path_prefix?: string;
  path_prefixes?: string[];
  strip_path_prefix?: boolean;
  healthcheck?: ProxyHealthcheck;
  buffering?: ProxyBuffering;
  logging?: ProxyLogging;
  run?: ProxyRun;
}

export interface Role {
  hosts?: HostEntry[];
  cmd?: Stringish;
  stop_timeout?: number;
  options?: { [option: string]: unknown };
  logging?: Logging;
  proxy?: boolean | Proxy;
  labels?: { [label: string]: Stringish };
  env?: Env;
  asset_path?: string;
}

export type Servers = HostEntry[] | { [role: string]: HostEntry[] | Role };

export interface BuilderPack {
  builder?: Stringish;
  buildpacks?: string[];
}

export interface BuilderCache {
  type?: 'gha' | 'registry';
  options?: Stringish;
  image?: Stringish;
}

export interface Builder {
  arch?: string | string[];
  remote?: Stringish;
  local?: boolean;
  pack?: BuilderPack;
  cache?: BuilderCache;
  context?: Stringish;
  dockerfile?: Stringish;
  target?: Stringish;
  args?: { [arg: string]: unknown };
  secrets?: string[];
  ssh?: Stringish;
  driver?: Stringish;
  provenance?: Stringish;
  sbom?: boolean;
}

/** An accessory file: `"local:remote[:options]"` or the hash form. */
export type AccessoryFile = string | { local: string; remote: string; mode?: Stringish; owner?: Stringish; options?: Stringish };
/** An accessory directory: `"name:remote[:options]"` or the hash form. */
export type AccessoryDirectory = string | { local: string; remote: string; mode?: Stringish; owner?: Stringish; options?: Stringish };

export interface Accessory {
  service?: Stringish;
  image?: Stringish;
  registry?: Registry;
  host?: Stringish;
  hosts?: HostEntry[];
  role?: Stringish;
  roles?: string[];
  tag?: Stringish;
  tags?: string[];
  cmd?: Stringish;
  port?: Stringish;
  labels?: { [label: string]: Stringish };
  options?: { [option: string]: unknown };
  env?: Omit<EnvComplex, 'tags'> | { [name: string]: Stringish };
  files?: AccessoryFile[];
  directories?: AccessoryDirectory[];
  volumes?: string[];
  network?: Stringish;
  proxy?: Proxy;
}

export interface Ssh {
  user?: Stringish;
  port?: Stringish;
  proxy?: Stringish;
  proxy_command?: Stringish;
  log_level?: Stringish;
  keys_only?: boolean;
  keys?: string[];
  key_data?: string[];
  config?: boolean | string | string[];
  forward_agent?: boolean;
}

export interface Sshkit {
  max_concurrent_starts?: number;
  pool_idle_timeout?: number;
  dns_retries?: number;
}

export interface Boot {
  limit?: Stringish;
  wait?: number;
  parallel_roles?: boolean;
}

export interface Output {
  otel?: { endpoint?: Stringish };
  file?: { path?: Stringish };
}

export type HooksOutput = 'quiet' | 'verbose' | { [hook: string]: 'quiet' | 'verbose' };

/** A whole deploy file. Extensions (`x-*`) are allowed at the top level only. */
export interface DeployConfig {
  service?: Stringish;
  image?: Stringish;
  labels?: { [label: string]: Stringish };
  volumes?: string[];
  registry?: Registry;
  servers?: Servers;
  env?: Env;
  asset_path?: string;
  hooks_path?: string;
  hooks_output?: HooksOutput;
  secrets_path?: string;
  error_pages_path?: string;
  require_destination?: boolean;
  primary_role?: string;
  allow_empty_roles?: boolean;
  retain_containers?: number;
  minimum_version?: Stringish;
  readiness_delay?: number;
  deploy_timeout?: number;
  drain_timeout?: number;
  stop_timeout?: number;
  ssh?: Ssh;
  builder?: Builder;
  accessories?: { [name: string]: Accessory };
  proxy?: Proxy;
  sshkit?: Sshkit;
  boot?: Boot;
  logging?: Logging;
  output?: Output;
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
