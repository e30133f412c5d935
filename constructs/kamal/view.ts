import { IConstruct } from 'constructs';
import { EndpointAccess } from './access';
import * as L1 from './l1';
import { deepMerge, isHash, YamlValue } from './merge';
import { accessoryHosts, rolesOfServers, ServerRole } from './servers';
import { parseVolume } from './volume';

/**
 * The resolved view of one (config file, destination): what Kamal will run, read from the
 * effective config after overrides (the very object that is split into files, merged back and
 * validated). Every estate check, policy, hazard and wiring check reads this, never construct
 * props, so a defect that enters through `addOverride` is judged like any other.
 */
export interface DeploymentView {
  /** The config file (`config/deploy.yml`). */
  readonly file: string;
  /** The `-d` destination, if any. */
  readonly destination?: string;
  /** `config/deploy.yml -d staging`, for messages. */
  readonly where: string;
  /** The construct that owns the config (a KamalDeploy). */
  readonly owner: IConstruct;
  /** The effective config itself. */
  readonly config: L1.DeployConfig;
  /** The effective `service`: the prefix of every container name. */
  readonly service: string;
  /** The image reference as Kamal builds it: `<registry server>/<image>`, or the image alone. */
  readonly image?: string;
  /** The roles of `servers:`, in Kamal's order. */
  readonly roles: readonly ContainerView[];
  /** The accessories, in the config's order. */
  readonly accessories: readonly ContainerView[];
  /** Roles then accessories. */
  readonly containers: readonly ContainerView[];
  /** kamal-proxy routes: proxied roles and accessories. */
  readonly routes: readonly RouteView[];
  /** The hosts that run kamal-proxy for this config, with the ports it publishes there. */
  readonly proxies: readonly ProxyOnHost[];
  /** Env of root `env.tags`, applied to the hosts with the tag. */
  readonly tagEnvs: ReadonlyArray<{
    /** The host tag. */
    readonly tag: string;
    /** The env added on hosts with the tag. */
    readonly env: EnvView;
  }>;
  /** Every secret the config reads, with the key that reads it. */
  readonly secrets: readonly SecretUse[];
}

/** A secret a config uses, and the key that uses it, for the static secrets check. */
export interface SecretUse {
  /** The secret's name in the secrets files. */
  readonly secret: string;
  /** The key that reads it (`env/secret`, `registry/password`). */
  readonly key: string;
}

/** The protocol of a published port. */
export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** A port published on the host. */
export interface PublishedPort {
  /** Host interface; undefined for every interface (Docker's default). */
  readonly bind?: string;
  /** First host port; undefined when Docker picks one. */
  readonly hostPort?: number;
  /** Last host port of a range (`8000-8010:...`); equals hostPort otherwise. */
  readonly hostPortEnd?: number;
  /** The port in the container. */
  readonly containerPort?: number;
  /** `tcp` unless the spec says `/udp` or `/sctp`. */
  readonly protocol: PortProtocol;
  /** Host networking: whatever the container listens on is published on every interface. */
  readonly allPorts?: boolean;
  /** The config key it comes from (`accessories/db/port`, `servers/web/options/publish`). */
  readonly key: string;
  /** The value as written. */
  readonly spec: string;
}

/** A mount of a container. */
export interface MountView {
  /** A volume name or a host path. */
  readonly source: string;
  /** The path in the container. */
  readonly target: string;
  /** A Docker named volume (not a host path). */
  readonly named: boolean;
  /** The config key it comes from (`volumes/0`, `accessories/db/volumes/0`). */
  readonly key: string;
}

/** Env a container really gets: clear values and secret env (`NAME` reads secret `secret`). */
export interface EnvView {
  /** Clear values by name. */
  readonly clear: Readonly<Record<string, string>>;
  /** The key each clear value comes from (`env/clear/DB_HOST`). */
  readonly clearKeys: Readonly<Record<string, string>>;
  /** Secret env: the variable's name and the secret it reads. */
  readonly secrets: ReadonlyArray<{
    /** The variable's name in the container. */
    readonly name: string;
    /** The secret it reads from the secrets files. */
    readonly secret: string;
  }>;
}

/** A container a config runs: a role's app containers, or an accessory. */
export interface ContainerView {
  /** A role's app containers, or an accessory. */
  readonly kind: 'role' | 'accessory';
  /** Role or accessory name. */
  readonly name: string;
  /** Its key in the config: `servers/web` (or `servers` for the list form), `accessories/db`. */
  readonly key: string;
  /**
   * Its name on the Docker network: an accessory's `service`, or `<service>-<accessory>`; for a
   * role, kamal-proxy's service name `<service>-<role>[-<destination>]`, the stable prefix of its
   * containers.
   */
  readonly container: string;
  /** Server addresses it runs on. */
  readonly hosts: readonly string[];
  /** Its image (roles: the config's). */
  readonly image?: string;
  /** Its command, when not the image's. */
  readonly cmd?: string;
  /** Docker network (`kamal` unless set); `host` is host networking. */
  readonly network: string;
  /** Extra `docker run` options. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Docker logging (roles: root logging deep-merged with the role's). */
  readonly logging?: L1.Logging;
  /** Ports published on its hosts: `port`, `options.publish`, host networking. */
  readonly ports: readonly PublishedPort[];
  /** `volumes:` (roles: the root list). */
  readonly volumes: readonly MountView[];
  /** Accessory `files:` and `directories:` as local → remote. */
  readonly files: ReadonlyArray<{
    /** The file in the repository, uploaded to the host. */
    readonly local: string;
    /** Where it is mounted in the container. */
    readonly remote: string;
  }>;
  /** Accessory `directories:`. */
  readonly directories: ReadonlyArray<{
    /** The directory on the host (a name is under the accessory's folder). */
    readonly local: string;
    /** Where it is mounted in the container. */
    readonly remote: string;
  }>;
  /** The env it gets (roles: root env merged with the role's). */
  readonly env: EnvView;
  /** Its effective proxy hash, when it runs behind kamal-proxy. */
  readonly proxy?: L1.Proxy;
  /** Its kamal-proxy route, when it has one. */
  readonly route?: RouteView;
  /** The construct that declared it (the Accessory; the config for roles and for what only an override adds). */
  readonly owner: IConstruct;
}

/** A kamal-proxy route. */
export interface RouteView {
  /** What serves it. */
  readonly kind: 'role' | 'accessory';
  /** Role or accessory name. */
  readonly name: string;
  /** The key of its proxy hash (`proxy`, `servers/web/proxy`, `accessories/grafana/proxy`). */
  readonly key: string;
  /** kamal-proxy's service name. */
  readonly service: string;
  /** The container kamal-proxy forwards to. */
  readonly target: string;
  /** Host names it answers (empty: any host). */
  readonly hosts: readonly string[];
  /** Path prefixes it answers (empty: every path). */
  readonly pathPrefixes: readonly string[];
  /** Whether kamal-proxy terminates TLS for it. */
  readonly tls: boolean;
  /** The port the container listens on. */
  readonly appPort: number;
  /** Server addresses it runs on. */
  readonly servers: readonly string[];
  /** kamal-proxy's own run settings it asks for. */
  readonly run?: L1.ProxyRun;
  /** The access decision declared for it, if any. */
  readonly access?: EndpointAccess;
  /** The construct messages about it name. */
  readonly owner: IConstruct;
}

/** kamal-proxy on one host, as one config asks for it. */
export interface ProxyOnHost {
  /** The server address. */
  readonly host: string;
  /** Its run settings. */
  readonly run?: L1.ProxyRun;
  /** The key its run settings come from. */
  readonly key: string;
  /** 80 and 443 (or `run.http_port`/`https_port`) on `run.bind_ips` or every interface; none when `run.publish` is false. */
  readonly ports: readonly PublishedPort[];
}

/** What the view needs from the model: who owns what, and the declared access decisions. */
export interface ViewOwners {
  /** The config file. */
  readonly file: string;
  /** The destination, if any. */
  readonly destination?: string;
  /** The construct that owns the config. */
  readonly deploy: IConstruct;
  /** The construct that declared accessory `name`, if the model has it. */
  accessory(name: string): IConstruct | undefined;
  /** The access declared for the route of a role or accessory. */
  access(kind: 'role' | 'accessory', name: string): EndpointAccess | undefined;
}

/** Builds the resolved view of an effective config. */
export function resolveView(cfg: L1.DeployConfig, owners: ViewOwners): DeploymentView {
  const dest = owners.destination;
  const where = dest ? `${owners.file} -d ${dest}` : owners.file;
  const service = String(cfg.service ?? '');
  const rootEnv = envOf(cfg.env, 'env');
  const roles = rolesOfServers(cfg.servers);
  const primary = cfg.primary_role !== undefined && cfg.primary_role !== null ? String(cfg.primary_role) : 'web';
  const appVolumes = (cfg.volumes ?? []).map((v, i) => mountOf(String(v), `volumes/${i}`));
  const routes: RouteView[] = [];
  const roleViews: ContainerView[] = roles.map((role) => {
    const key = role.path.join('/');
    const own = role.config as L1.Role;
    const running = role.name === primary ? own.proxy !== false : own.proxy !== undefined && own.proxy !== null && own.proxy !== false;
    const proxy = running ? roleProxyOf(cfg, own) : undefined;
    const container = `${service}-${role.name}${dest ? `-${dest}` : ''}`;
    const options = isHash(own.options) ? own.options : {};
    const route = proxy
      ? routeOf('role', role.name, isHash(own.proxy) ? `${key}/proxy` : 'proxy', container, container, proxy, role.hosts, owners.access('role', role.name), owners.deploy)
      : undefined;
    if (route) routes.push(route);
    const network = optionNetwork(options) ?? 'kamal';
    return {
      kind: 'role',
      name: role.name,
      key,
      container,
      hosts: role.hosts,
      image: cfg.image === undefined ? undefined : String(cfg.image),
      cmd: own.cmd === undefined ? undefined : String(own.cmd),
      network,
      options,
      logging: cfg.logging || own.logging ? (deepMerge((cfg.logging ?? {}) as YamlValue, (own.logging ?? {}) as YamlValue) as L1.Logging) : undefined,
      ports: [...optionPorts(options, `${key}/options`), ...(network === 'host' ? [hostNetworking(`${key}/options/network`)] : [])],
      volumes: appVolumes,
      files: [],
      directories: [],
      env: mergeEnv(rootEnv, envOf(own.env, `${key}/env`)),
      proxy,
      route,
      owner: owners.deploy,
    };
  });

  const accessoryViews: ContainerView[] = Object.entries(cfg.accessories ?? {}).map(([name, a]) => {
    const key = `accessories/${name}`;
    const container = a.service !== undefined && a.service !== null ? String(a.service) : `${service}-${name}`;
    const hosts = accessoryHosts(a as Record<string, unknown>, roles);
    const owner = owners.accessory(name) ?? owners.deploy;
    const options = isHash(a.options) ? a.options : {};
    const network = a.network !== undefined ? String(a.network) : optionNetwork(options) ?? 'kamal';
    const proxy = isHash(a.proxy) ? a.proxy : undefined;
    const route = proxy ? routeOf('accessory', name, `${key}/proxy`, container, container, proxy, hosts, owners.access('accessory', name), owner) : undefined;
    if (route) routes.push(route);
    const ports: PublishedPort[] = [];
    if (a.port !== undefined && a.port !== null) {
      const spec = String(a.port);
      ports.push(parsePublish(spec.includes(':') ? spec : `${spec}:${spec}`, `${key}/port`, spec));
    }
    ports.push(...optionPorts(options, `${key}/options`));
    if (network === 'host') ports.push(hostNetworking(a.network !== undefined ? `${key}/network` : `${key}/options/network`));
    return {
      kind: 'accessory',
      name,
      key,
      container,
      hosts,
      image: a.image === undefined ? undefined : String(a.image),
      cmd: a.cmd === undefined ? undefined : String(a.cmd),
      network,
      options,
      logging: cfg.logging,
      ports,
      volumes: (a.volumes ?? []).map((v, i) => mountOf(String(v), `${key}/volumes/${i}`)),
      files: (a.files ?? []).map(localRemote),
      directories: (a.directories ?? []).map(localRemote),
      env: envOf(a.env as L1.Env | undefined, `${key}/env`),
      proxy,
      route,
      owner,
    };
  });

  const proxies: ProxyOnHost[] = [];
  for (const r of routes) {
    for (const host of r.servers) {
      if (proxies.some((p) => p.host === host)) continue;
      proxies.push({ host, run: r.run, key: `${r.key}/run`, ports: proxyPorts(r.run, `${r.key}/run`) });
    }
  }

  const tags = isHash(cfg.env) && isHash((cfg.env as L1.EnvComplex).tags) ? (cfg.env as L1.EnvComplex).tags! : {};
  const registryServer = cfg.registry?.server;
  const image = cfg.image === undefined ? undefined : registryServer !== undefined ? `${String(registryServer)}/${String(cfg.image)}` : String(cfg.image);
  return {
    file: owners.file,
    destination: dest,
    where,
    owner: owners.deploy,
    config: cfg,
    service,
    image,
    roles: roleViews,
    accessories: accessoryViews,
    containers: [...roleViews, ...accessoryViews],
    routes,
    proxies,
    tagEnvs: Object.entries(tags).map(([tag, env]) => ({ tag, env: envOf(env as L1.Env, `env/tags/${tag}`) })),
    secrets: secretUsesOf(cfg, roles),
  };
}

/** A role's proxy: the root proxy deep-merged with the role's own hash (role wins), as Kamal does. */
function roleProxyOf(cfg: L1.DeployConfig, role: L1.Role): L1.Proxy {
  const root = isHash(cfg.proxy) ? cfg.proxy : {};
  return (isHash(role.proxy) ? deepMerge(root as YamlValue, role.proxy as YamlValue) : root) as L1.Proxy;
}

/** Kamal's `String#split(',')` of `host`/`path_prefix`: trailing empty fields dropped. */
function commaList(v: unknown): string[] {
  const parts = String(v).split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function routeOf(
  kind: 'role' | 'accessory', name: string, key: string, service: string, target: string, proxy: L1.Proxy,
  servers: readonly string[], access: EndpointAccess | undefined, owner: IConstruct,
): RouteView {
  const hosts = Array.isArray(proxy.hosts) && proxy.hosts.length > 0 ? proxy.hosts.map(String) : proxy.host !== undefined && proxy.host !== null ? commaList(proxy.host) : [];
  const prefixes = Array.isArray(proxy.path_prefixes) && proxy.path_prefixes.length > 0
    ? proxy.path_prefixes.map(String)
    : proxy.path_prefix !== undefined && proxy.path_prefix !== null ? commaList(proxy.path_prefix) : [];
  return {
    kind, name, key, service, target, hosts, pathPrefixes: prefixes,
    tls: proxy.ssl !== undefined && proxy.ssl !== null && proxy.ssl !== false,
    appPort: typeof proxy.app_port === 'number' ? proxy.app_port : 80,
    servers,
    run: isHash(proxy.run) ? proxy.run : undefined,
    access,
    owner,
  };
}

function proxyPorts(run: L1.ProxyRun | undefined, key: string): PublishedPort[] {
  if (run?.publish === false) return [];
  const http = typeof run?.http_port === 'number' ? run.http_port : 80;
  const https = typeof run?.https_port === 'number' ? run.https_port : 443;
  const binds: Array<string | undefined> = Array.isArray(run?.bind_ips) && run!.bind_ips.length > 0 ? run!.bind_ips.map(String) : [undefined];
  const out: PublishedPort[] = [];
  for (const bind of binds) {
    for (const port of [http, https]) out.push({ bind, hostPort: port, hostPortEnd: port, containerPort: port, protocol: 'tcp', key, spec: `${bind ? `${bind}:` : ''}${port}:${port}` });
  }
  return out;
}

function hostNetworking(key: string): PublishedPort {
  return { protocol: 'tcp', allPorts: true, key, spec: 'network: host' };
}

/** `--network` given through `options:`. */
function optionNetwork(options: Readonly<Record<string, unknown>>): string | undefined {
  const v = options.network ?? options.net;
  return v === undefined || v === null ? undefined : String(Array.isArray(v) ? v[v.length - 1] : v);
}

/** `--publish`/`-p` given through `options:` (one value or a list). */
function optionPorts(options: Readonly<Record<string, unknown>>, key: string): PublishedPort[] {
  const out: PublishedPort[] = [];
  for (const name of ['publish', 'p']) {
    const v = options[name];
    if (v === undefined || v === null) continue;
    const list = Array.isArray(v) ? v : [v];
    list.forEach((spec, i) => out.push(parsePublish(String(spec), Array.isArray(v) ? `${key}/${name}/${i}` : `${key}/${name}`, String(spec))));
  }
  return out;
}

/**
 * Docker's `--publish [ip:][hostPort:]containerPort[/protocol]` (`[::1]:80:80` for IPv6; a
 * range `8000-8010:8000-8010`; an empty host port `127.0.0.1::80` lets Docker pick one).
 */
export function parsePublish(value: string, key: string, spec: string = value): PublishedPort {
  let rest = value.trim();
  let protocol: PortProtocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1).toLowerCase();
    protocol = p === 'udp' || p === 'sctp' ? p : 'tcp';
    rest = rest.slice(0, slash);
  }
  let bind: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    bind = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let host: string | undefined;
  let container: string;
  if (bind !== undefined) {
    [host, container] = parts.length >= 2 ? [parts[0], parts[1]] : [undefined, parts[0]];
  } else if (parts.length === 1) {
    container = parts[0];
  } else if (parts.length === 2) {
    [host, container] = parts;
  } else {
    container = parts[parts.length - 1];
    host = parts[parts.length - 2];
    bind = parts.slice(0, -2).join(':');
  }
  if (bind === '') bind = undefined;
  const range = (s: string | undefined): [number | undefined, number | undefined] => {
    if (s === undefined || s === '') return [undefined, undefined];
    const [lo, hi = lo] = s.split('-');
    const a = Number(lo);
    const b = Number(hi);
    return [Number.isInteger(a) ? a : undefined, Number.isInteger(b) ? b : undefined];
  };
  const [hostPort, hostPortEnd] = range(host);
  const [containerPort] = range(container);
  return { bind, hostPort, hostPortEnd, containerPort, protocol, key, spec };
}

function mountOf(arg: string, key: string): MountView {
  const v = parseVolume(arg);
  return { source: v.source, target: v.target, named: v.named, key };
}

function localRemote(f: L1.AccessoryFile): { local: string; remote: string } {
  if (typeof f === 'string') {
    const [local, remote = ''] = f.split(':');
    return { local, remote };
  }
  return { local: String(f.local), remote: String(f.remote) };
}

/** Kamal's env forms: simple (`KEY: value`, all clear) or complex (`clear`, `secret`, `tags`). */
export function envOf(env: L1.Env | undefined, key: string): EnvView {
  if (!isHash(env)) return { clear: {}, clearKeys: {}, secrets: [] };
  const complex = 'clear' in env || 'secret' in env || 'tags' in env;
  const clearHash = (complex ? (env as L1.EnvComplex).clear : env) as Record<string, L1.Stringish> | undefined;
  const clear: Record<string, string> = {};
  const clearKeys: Record<string, string> = {};
  for (const [name, value] of Object.entries(isHash(clearHash) ? clearHash : {})) {
    clear[name] = String(value);
    clearKeys[name] = complex ? `${key}/clear/${name}` : `${key}/${name}`;
  }
  const secretList = complex && Array.isArray((env as L1.EnvComplex).secret) ? (env as L1.EnvComplex).secret! : [];
  const secrets = secretList.map((s) => {
    const str = String(s);
    const colon = str.indexOf(':');
    return colon >= 0 ? { name: str.slice(0, colon), secret: str.slice(colon + 1) } : { name: str, secret: str };
  });
  return { clear, clearKeys, secrets };
}

/** Root env ⊕ role env, as Kamal merges them for a role: clear by name, secrets as a set. */
function mergeEnv(a: EnvView, b: EnvView): EnvView {
  const secrets = [...a.secrets];
  for (const s of b.secrets) if (!secrets.some((x) => x.name === s.name)) secrets.push(s);
  return { clear: { ...a.clear, ...b.clear }, clearKeys: { ...a.clearKeys, ...b.clearKeys }, secrets };
}

/** Every secret name an effective config reads, with the key that reads it. */
export function secretUsesOf(cfg: L1.DeployConfig, roles: readonly ServerRole[] = rolesOfServers(cfg.servers)): SecretUse[] {
  const uses: SecretUse[] = [];
  const add = (key: string, secrets: string[]) => secrets.forEach((secret) => uses.push({ secret, key }));
  const names = (env: unknown) => envOf(env as L1.Env | undefined, '').secrets.map((s) => s.secret);
  const reg = (key: string, r: L1.Registry | undefined) => {
    if (Array.isArray(r?.username)) add(`${key}/username`, r!.username as string[]);
    if (Array.isArray(r?.password)) add(`${key}/password`, r!.password as string[]);
  };
  const ssl = (key: string, p: L1.Proxy | boolean | undefined) => {
    if (typeof p === 'object' && p !== null && typeof p.ssl === 'object' && p.ssl !== null) add(`${key}/ssl`, [p.ssl.certificate_pem, p.ssl.private_key_pem]);
  };
  reg('registry', cfg.registry);
  add('env/secret', names(cfg.env));
  ssl('proxy', cfg.proxy);
  for (const role of roles) {
    if (role.listForm) continue;
    add(`servers/${role.name}/env/secret`, names((role.config as L1.Role).env));
    ssl(`servers/${role.name}/proxy`, (role.config as L1.Role).proxy);
  }
  for (const [name, a] of Object.entries(cfg.accessories ?? {})) {
    add(`accessories/${name}/env/secret`, names(a.env));
    reg(`accessories/${name}/registry`, a.registry);
    ssl(`accessories/${name}/proxy`, a.proxy);
  }
  add('builder/secrets', cfg.builder?.secrets ?? []);
  add('ssh/key_data', cfg.ssh?.key_data ?? []);
  return uses;
}

/** Images of databases and caches: never exposed on a public interface. */
export function isDataStoreImage(image: string | undefined): boolean {
  if (!image) return false;
  const repo = image.split('@')[0].replace(/:[^/:]*$/, '');
  const last = repo.slice(repo.lastIndexOf('/') + 1).toLowerCase();
  return /^(postgres|postgis|pgvector|timescaledb|mysql|mariadb|percona|mongo|mongodb|redis|redis-stack|valkey|keydb|dragonfly|memcached|clickhouse-server|cassandra|couchdb|elasticsearch|opensearch)$/.test(last);
}

/** An address an emitted document points at, read back from the document as written. */
export interface EmittedAddress {
  /** The emitted file (`config/observability/fluent-bit.yaml`). */
  readonly file: string;
  /** The key in it (`pipeline/outputs/0/host`). */
  readonly key: string;
  /** What points there, for messages (`Fluent Bit's loki output`). */
  readonly what: string;
  /** The host it names (a container name, or a public host name for `anywhere`). */
  readonly host: string;
  /** The port, when it names one. */
  readonly port?: number;
  /** The URL path, for an address reached through kamal-proxy. */
  readonly path?: string;
  /**
   * Who connects: `container` — the accessory itself, over its host's Docker network; `anywhere`
   * — clients outside the estate, so it must be a kamal-proxy route the estate serves.
   */
  readonly from: 'container' | 'anywhere';
}

/**
 * Reads `scheme://[user[:password]@]host[:port][/path]`, `host:port` or `host`, in one pass
 * (linear in the length of the text, whatever it holds).
 */
export function parseAddress(text: string): {
  /** `http`, `postgres`, ...; undefined without `scheme://`. */
  scheme?: string;
  /** `user[:password]` before the `@`, if any. */
  userinfo?: string;
  /** Host name or address, lowercased, without IPv6 brackets. */
  host: string;
  /** Port, if given. */
  port?: number;
  /** The rest after the host and port (from a `/`, `?` or `#`), or `/` when nothing follows. */
  path: string;
} | undefined {
  let rest = text.trim();
  let scheme: string | undefined;
  const sep = rest.indexOf('://');
  if (sep >= 0) {
    scheme = rest.slice(0, sep).toLowerCase();
    if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) return undefined;
    rest = rest.slice(sep + 3);
  }
  let end = rest.length;
  for (let i = 0; i < rest.length; i++) {
    const ch = rest[i];
    if (ch === '/' || ch === '?' || ch === '#') {
      end = i;
      break;
    }
  }
  let authority = rest.slice(0, end);
  const path = rest.slice(end) || '/';
  let userinfo: string | undefined;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    userinfo = authority.slice(0, at);
    authority = authority.slice(at + 1);
  }
  let host = authority;
  let port: number | undefined;
  const colon = authority.lastIndexOf(':');
  if (colon >= 0 && !authority.endsWith(']') && /^[0-9]+$/.test(authority.slice(colon + 1))) {
    host = authority.slice(0, colon);
    port = Number(authority.slice(colon + 1));
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host === '' || /\s/.test(host)) return undefined;
  return { scheme, userinfo, host: host.toLowerCase(), port, path };
}
