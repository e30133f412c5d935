import { Construct, IConstruct } from 'constructs';
import { applyOverrides, compareStrings, splitOverridePath, YamlFile } from '../../src';
import { Accessory, IAccessoryOwner, sortedRecord } from './accessory';
import { EnvProps, EnvSet, secretNamesOf } from './env';
import * as L1 from './l1';
import { isHash, splitDestinations, verifyMerge, YamlValue } from './merge';
import { compact, mergeProxyProps, ProxyProps, renderProxy } from './proxy';
import { KamalConfigValidator } from './schema';
import { KamalSecrets } from './secrets';
import { ConfigSettings, mergeSettings, renderBuilder, renderLogging, renderRegistry, renderRole, renderSsh } from './settings';
import { volumeArg } from './volume';

export interface KamalDeployProps extends ConfigSettings {
  /**
   * The config file, relative to the app root. Destination files sit beside it
   * (`config/deploy.registry.yml` → `config/deploy.registry.staging.yml`), as Kamal's `-c` finds them.
   * @default 'config/deploy.yml'
   */
  readonly file?: string;
  /** Where the secrets files are (`secrets_path`). @default '.kamal/secrets' */
  readonly secretsPath?: string;
  /** Refuse to run without `-d`. @default - true when the config has destinations */
  readonly requireDestination?: boolean;
}

/** One destination's settings, laid over its config's. */
export type DestinationProps = ConfigSettings;

/** A secret a config uses, and the key that uses it, for the static secrets check. */
export interface SecretUse {
  readonly secret: string;
  readonly key: string;
}

const REGISTRY = new WeakMap<IConstruct, KamalDeploy[]>();
const DEPLOY_SYMBOL = Symbol.for('kamal-cdk.KamalDeploy');

/**
 * A Kamal config family: `config/deploy.yml` and one `config/deploy.<destination>.yml` per
 * destination (or a standalone config such as `config/deploy.registry.yml`, loaded with `-c`).
 *
 * Each destination's effective config is modelled directly; the base file is what every
 * destination shares and each destination file the minimal overlay. At every synth both are
 * merged back the way Kamal merges them and compared with the model, and the merged result is
 * checked as strictly as Kamal checks it.
 */
export class KamalDeploy extends Construct implements IAccessoryOwner {
  /** Every config in the tree of `scope`, in creation order. */
  public static all(scope: IConstruct): KamalDeploy[] {
    return REGISTRY.get(scope.node.root) ?? [];
  }

  public static isKamalDeploy(x: unknown): x is KamalDeploy {
    return typeof x === 'object' && x !== null && DEPLOY_SYMBOL in x;
  }

  /** The nearest config above (or at) `scope`. */
  public static of(scope: IConstruct): KamalDeploy {
    const found = scope.node.scopes.slice().reverse().find(KamalDeploy.isKamalDeploy);
    if (!found) throw new Error(`[${scope.node.path}] is not inside a KamalDeploy`);
    return found;
  }

  /** The config file, relative to the app root. */
  public readonly file: string;
  public readonly secretsPath: string;
  public readonly baseFile: YamlFile;
  private settings: ConfigSettings;
  private readonly requireDestination?: boolean;
  private readonly destinationList: Destination[] = [];
  private readonly overrides: Array<{ path: string[]; value: unknown; delete: boolean; destination?: string }> = [];
  private planCache?: DeployPlan;

  constructor(scope: Construct, id: string, props: KamalDeployProps) {
    super(scope, id);
    Object.defineProperty(this, DEPLOY_SYMBOL, { value: true });
    if (!props.service) throw new Error(`[${this.node.path}] a Kamal config needs a service name`);
    this.file = props.file ?? 'config/deploy.yml';
    if (!/\.yml$/.test(this.file)) throw new Error(`[${this.node.path}] config file '${this.file}' must end in .yml (Kamal finds destination files by replacing it)`);
    this.secretsPath = props.secretsPath ?? '.kamal/secrets';
    this.requireDestination = props.requireDestination;
    this.settings = props;
    const list = REGISTRY.get(this.node.root) ?? [];
    list.push(this);
    REGISTRY.set(this.node.root, list);

    this.baseFile = new YamlFile(this, 'File', {
      path: this.file,
      erb: true,
      obj: () => this._plan().base,
      validator: {
        validate: (doc) => new KamalConfigValidator({ partial: this.destinationList.length > 0 }).validate(doc),
      },
    });
    this.node.addValidation({ validate: () => this.validateEffective() });
  }

  /** The service name of the config itself (destinations may override it). */
  public get service(): string {
    return this.settings.service!;
  }

  public get destinations(): readonly Destination[] {
    return this.destinationList;
  }

  /** Adds env for every role in every destination (after construction, e.g. from an accessory). */
  public addEnv(env: EnvProps): void {
    this.settings = mergeSettings(this.settings, { env });
    this.planCache = undefined;
  }

  /** @internal */
  public _invalidate(): void {
    this.planCache = undefined;
  }

  /** Adds a destination (`-d <name>`). */
  public addDestination(name: string, props: DestinationProps = {}): Destination {
    return new Destination(this, name, props);
  }

  /**
   * Escape hatch for what the model does not cover: sets `path` (dot-separated, `\\.` for a dot
   * in a key) in the effective config of `destination`, or of every destination. The result goes
   * through the split, the merge-back check and Kamal's validator like everything else.
   */
  public addOverride(path: string, value: unknown, destination?: string): void {
    this.overrides.push({ path: splitOverridePath(path), value, delete: false, destination });
    this.planCache = undefined;
  }

  /** Removes `path` from the effective config of `destination`, or of every destination. */
  public addDeletionOverride(path: string, destination?: string): void {
    this.overrides.push({ path: splitOverridePath(path), value: undefined, delete: true, destination });
    this.planCache = undefined;
  }

  /** The destination file Kamal reads for `-d <name>`. */
  public destinationFile(name: string): string {
    return this.file.replace(/\.yml$/, `.${name}.yml`);
  }

  /**
   * The config Kamal sees for `-d <destination>` (or without `-d` when the config has no
   * destinations): the offline `kamal config`.
   */
  public effectiveConfig(destination?: string): L1.DeployConfig {
    const plan = this._plan();
    const cfg = plan.effective.get(destination ?? '');
    if (!cfg) {
      const names = this.destinationList.map((d) => d.name);
      throw new Error(`[${this.node.path}] has no destination '${destination ?? ''}'; it has ${names.length ? names.join(', ') : 'none'}`);
    }
    return cfg;
  }

  /** The destinations to deploy with (`[undefined]` for a config without destinations). */
  public destinationNames(): Array<string | undefined> {
    return this.destinationList.length > 0 ? this.destinationList.map((d) => d.name) : [undefined];
  }

  /** The kamal-proxy routes of a destination: proxied roles and accessories, with their access declarations. */
  public routes(destination?: string): ProxyRoute[] {
    this.effectiveConfig(destination);
    return this._plan().routes.get(destination ?? '')!;
  }

  /** Every secret the config uses for a destination, with the key that uses it. */
  public secretUses(destination?: string): SecretUse[] {
    return secretUsesOf(this.effectiveConfig(destination));
  }

  /** @internal */
  public _registerDestination(d: Destination): void {
    if (this.destinationList.some((x) => x.name === d.name)) throw new Error(`[${d.node.path}] destination '${d.name}' is declared twice`);
    this.destinationList.push(d);
    this.planCache = undefined;
  }

  /** @internal Effective configs, base and overlays; computed once per synth. */
  public _plan(): DeployPlan {
    if (this.planCache) return this.planCache;
    const effective = new Map<string, L1.DeployConfig>();
    if (this.destinationList.length === 0) {
      const accessories = this.accessoriesOf(this);
      effective.set('', this.withOverrides(this.render(this.settings, accessories), undefined));
      const routes = new Map([['', this.routesOf(this.settings, accessories, undefined)]]);
      const single: DeployPlan = { effective, routes, base: effective.get('')! as Record<string, unknown>, overlays: {}, mergeErrors: [] };
      this.planCache = single;
      return single;
    }
    const routes = new Map<string, ProxyRoute[]>();
    const shared = this.accessoriesOf(this);
    for (const d of this.destinationList) {
      const settings = mergeSettings(this.settings, d.settings);
      const accessories = [...shared, ...this.accessoriesOf(d)];
      effective.set(d.name, this.withOverrides(this.render(settings, accessories), d.name));
      routes.set(d.name, this.routesOf(settings, accessories, d.name));
    }
    const byName: Record<string, Record<string, YamlValue>> = {};
    for (const [name, cfg] of effective) byName[name] = cfg as Record<string, YamlValue>;
    const split = splitDestinations(byName);
    const base = split.base;
    // Each overlay reads in its own destination's model order (sorted env, Kamal's key order),
    // not in the order of whichever destination happened to be declared first.
    const overlays: Record<string, Record<string, YamlValue>> = {};
    for (const [name, overlay] of Object.entries(split.overlays)) overlays[name] = orderLike(overlay, byName[name]) as Record<string, YamlValue>;
    const mergeErrors = verifyMerge(base, overlays, byName);
    const plan: DeployPlan = { effective, routes, base, overlays, mergeErrors };
    this.planCache = plan;
    return plan;
  }

  private routesOf(s: ConfigSettings, accessories: Accessory[], destination: string | undefined): ProxyRoute[] {
    const routes: ProxyRoute[] = [];
    const primary = s.primaryRole ?? 'web';
    for (const [name, role] of Object.entries(s.roles ?? {}).sort((a, b) => compareStrings(a[0], b[0]))) {
      const on = role.proxy === undefined ? name === primary : role.proxy !== false;
      if (!on) continue;
      const props = typeof role.proxy === 'object' ? mergeProxyProps(s.proxy, role.proxy) : s.proxy;
      const service = `${s.service}-${name}${destination ? `-${destination}` : ''}`;
      routes.push({ kind: 'role', name, service, props: props ?? {}, owner: this, hosts: (role.hosts ?? []).map((h) => (typeof h === 'string' ? h : h.host)) });
    }
    for (const a of accessories) {
      if (a.proxy) routes.push({ kind: 'accessory', name: a.name, service: a.containerName, props: a.proxy, owner: a, hosts: a.hostsIn(s) });
    }
    return routes;
  }

  private withOverrides(cfg: L1.DeployConfig, destination: string | undefined): L1.DeployConfig {
    const mine = this.overrides.filter((o) => o.destination === undefined || o.destination === destination);
    return mine.length === 0 ? cfg : (applyOverrides(cfg, mine) as L1.DeployConfig);
  }

  private accessoriesOf(scope: IConstruct): Accessory[] {
    return scope.node.children.filter(Accessory.isAccessory);
  }

  private render(s: ConfigSettings, accessories: Accessory[]): L1.DeployConfig {
    const roles: Record<string, L1.HostEntry[] | L1.Role> = {};
    for (const name of Object.keys(s.roles ?? {}).sort(compareStrings)) roles[name] = renderRole(s.roles![name]);
    const acc: Record<string, L1.Accessory> = {};
    for (const a of [...accessories].sort((x, y) => compareStrings(x.name, y.name))) {
      if (acc[a.name]) throw new Error(`[${a.node.path}] accessory '${a.name}' is declared twice in ${this.file}`);
      acc[a.name] = a.toKamal();
    }
    const requireDestination = this.requireDestination ?? (this.destinationList.length > 0 ? true : undefined);
    const cfg = compact<L1.DeployConfig>({
      service: s.service,
      image: s.image,
      servers: Object.keys(roles).length > 0 ? roles : undefined,
      proxy: s.proxy && renderProxy(s.proxy),
      registry: s.registry && renderRegistry(s.registry),
      builder: s.builder && renderBuilder(s.builder),
      env: s.env && EnvSet.of(s.env).toKamal(),
      accessories: Object.keys(acc).length > 0 ? acc : undefined,
      volumes: s.volumes && s.volumes.length > 0 ? s.volumes.map(volumeArg) : undefined,
      labels: s.labels && sortedRecord(s.labels),
      logging: s.logging && renderLogging(s.logging),
      asset_path: s.assetPath,
      hooks_path: s.hooksPath,
      hooks_output: s.hooksOutput,
      secrets_path: this.secretsPath === '.kamal/secrets' ? undefined : this.secretsPath,
      error_pages_path: s.errorPagesPath,
      require_destination: requireDestination,
      primary_role: s.primaryRole,
      allow_empty_roles: s.allowEmptyRoles,
      retain_containers: s.retainContainers,
      minimum_version: s.minimumVersion,
      readiness_delay: s.readinessDelay,
      deploy_timeout: s.deployTimeout,
      drain_timeout: s.drainTimeout,
      stop_timeout: s.stopTimeout,
      ssh: s.ssh && renderSsh(s.ssh),
      sshkit: s.sshkit && compact({ max_concurrent_starts: s.sshkit.maxConcurrentStarts, pool_idle_timeout: s.sshkit.poolIdleTimeout, dns_retries: s.sshkit.dnsRetries }),
      boot: s.boot && compact({ limit: s.boot.limit, wait: s.boot.wait, parallel_roles: s.boot.parallelRoles }),
      output: s.output && compact({ otel: s.output.otelEndpoint ? { endpoint: s.output.otelEndpoint } : undefined, file: s.output.filePath ? { path: s.output.filePath } : undefined }),
      aliases: s.aliases && sortedRecord(s.aliases),
    });
    for (const [k, v] of Object.entries(s.extensions ?? {}).sort((a, b) => compareStrings(a[0], b[0]))) (cfg as any)[k] = v;
    return cfg;
  }

  /** The merged config of every destination, checked as Kamal checks it; every secret resolvable. */
  private validateEffective(): string[] {
    const plan = this._plan();
    const errors = plan.mergeErrors.map((m) => `internal error: the split files do not merge back to the model (${m}); please report this`);
    const validator = new KamalConfigValidator({ partial: false });
    const secrets = KamalSecrets.forPath(this, this.secretsPath);
    for (const dest of this.destinationNames()) {
      const cfg = plan.effective.get(dest ?? '')!;
      const files = dest === undefined ? this.file : `${this.file} + ${this.destinationFile(dest)}`;
      const how = dest === undefined ? 'as Kamal reads it' : `as Kamal merges them for -d ${dest}`;
      for (const p of validator.validate(cfg)) errors.push(`${files} (${how}): ${p.pointer || '/'} ${p.message}`);
      for (const use of secretUsesOf(cfg)) {
        if (!secrets?.lookup(use.secret, dest).found) {
          const searched = KamalSecrets.filesRead(this.secretsPath, dest);
          errors.push(
            `secret '${use.secret}' (${use.key}) of ${this.file}${dest ? ` -d ${dest}` : ''} is not in ${searched.join(' or ')}` +
              `${secrets ? '' : ' (no KamalSecrets construct declares these files)'}; declare it in a KamalSecrets construct for ${this.secretsPath}`,
          );
        }
      }
    }
    return errors;
  }
}

export interface DeployPlan {
  effective: Map<string, L1.DeployConfig>;
  routes: Map<string, ProxyRoute[]>;
  base: Record<string, unknown>;
  overlays: Record<string, Record<string, unknown>>;
  mergeErrors: string[];
}

/**
 * A destination of a config (`kamal deploy -d staging`): its settings are laid over the
 * config's, and accessories declared under it run only there.
 */
export class Destination extends Construct implements IAccessoryOwner {
  public readonly name: string;
  public readonly deploy: KamalDeploy;
  /** @internal */
  public settings: DestinationProps;
  public readonly file: YamlFile;

  constructor(deploy: KamalDeploy, name: string, props: DestinationProps = {}) {
    super(deploy, name);
    if (!/^[a-z0-9_-]+$/i.test(name)) throw new Error(`[${this.node.path}] destination name '${name}' must be letters, digits, '-' and '_'`);
    this.name = name;
    this.deploy = deploy;
    this.settings = props;
    deploy._registerDestination(this);
    this.file = new YamlFile(this, 'File', {
      path: deploy.destinationFile(name),
      erb: true,
      obj: () => deploy._plan().overlays[name],
      validator: new KamalConfigValidator({ partial: true }),
    });
  }

  /** Adds env for every role in this destination (after construction, e.g. from an accessory). */
  public addEnv(env: EnvProps): void {
    this.settings = mergeSettings(this.settings, { env });
    this.deploy._invalidate();
  }

  /** The service name in force in this destination. */
  public get service(): string {
    return (this.settings.service ?? this.deploy.service) as string;
  }

  /** The config Kamal sees for `-d <this destination>`. */
  public get effectiveConfig(): L1.DeployConfig {
    return this.deploy.effectiveConfig(this.name);
  }
}

/** A copy of `value` whose hash keys follow the order of the same hashes in `template`. */
function orderLike(value: YamlValue, template: YamlValue | undefined): YamlValue {
  if (!isHash(value) || !isHash(template)) return value;
  const out: Record<string, YamlValue> = {};
  for (const k of Object.keys(template)) if (k in value) out[k] = orderLike(value[k], template[k]);
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k];
  return out;
}

/** A kamal-proxy route: the role or accessory behind it, its L2 proxy props and the servers it runs on. */
export interface ProxyRoute {
  readonly kind: 'role' | 'accessory';
  /** Role or accessory name. */
  readonly name: string;
  /** kamal-proxy's service name (`<service>-<role>[-<destination>]`, or the accessory's container). */
  readonly service: string;
  readonly props: ProxyProps;
  /** The construct that declared it (the config for roles). */
  readonly owner: IConstruct;
  /** Server addresses it runs on. */
  readonly hosts: string[];
}

/** Every secret name an effective config reads, with the key that reads it. */
export function secretUsesOf(cfg: L1.DeployConfig): SecretUse[] {
  const uses: SecretUse[] = [];
  const add = (key: string, secrets: string[]) => secrets.forEach((secret) => uses.push({ secret, key }));
  const reg = (key: string, r: L1.Registry | undefined) => {
    if (Array.isArray(r?.username)) add(`${key}/username`, r!.username as string[]);
    if (Array.isArray(r?.password)) add(`${key}/password`, r!.password as string[]);
  };
  const ssl = (key: string, p: L1.Proxy | boolean | undefined) => {
    if (typeof p === 'object' && typeof p.ssl === 'object') add(`${key}/ssl`, [p.ssl.certificate_pem, p.ssl.private_key_pem]);
  };
  reg('registry', cfg.registry);
  add('env/secret', secretNamesOf(cfg.env));
  ssl('proxy', cfg.proxy);
  const servers = cfg.servers && !Array.isArray(cfg.servers) ? cfg.servers : {};
  for (const [name, role] of Object.entries(servers)) {
    if (Array.isArray(role)) continue;
    add(`servers/${name}/env/secret`, secretNamesOf(role.env));
    ssl(`servers/${name}/proxy`, role.proxy);
  }
  for (const [name, a] of Object.entries(cfg.accessories ?? {})) {
    add(`accessories/${name}/env/secret`, secretNamesOf(a.env as L1.Env));
    reg(`accessories/${name}/registry`, a.registry);
    ssl(`accessories/${name}/proxy`, a.proxy);
  }
  add('builder/secrets', cfg.builder?.secrets ?? []);
  add('ssh/key_data', cfg.ssh?.key_data ?? []);
  return uses;
}
