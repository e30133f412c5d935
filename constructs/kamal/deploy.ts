import { Construct, IConstruct } from 'constructs';
import { applyOverrides, Checks, compareStrings, Finding, IDocumentValidator, splitOverridePath, YamlFile } from '../../src';
import { modelGeneration, touchModel } from './_generation';
import { EndpointAccess } from './access';
import { Accessory, IAccessoryOwner, sortedRecord } from './accessory';
import { EnvProps, EnvSet } from './env';
import { Host } from './host';
import * as L1 from './l1';
import { isHash, splitDestinations, verifyMerge, YamlValue } from './merge';
import { compact, renderProxy } from './proxy';
import { Reachability } from './reach';
import { KamalConfigValidator } from './schema';
import { KamalSecrets } from './secrets';
import { ConfigSettings, mergeSettings, renderBuilder, renderLogging, renderRegistry, renderRole, renderSsh } from './settings';
import { DeploymentView, resolveView, RouteView, SecretUse } from './view';
import { checkKamalValues, generatedHookFiles } from './values';
import { volumeArg } from './volume';

/**
 * Props of a KamalDeploy: the settings every destination shares, plus where the files go. `service`
 * is required here.
 */
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

  /** The resolved view of every config (and destination) in the tree of `scope`. */
  public static resolvedViews(scope: IConstruct): DeploymentView[] {
    return KamalDeploy.all(scope).flatMap((d) => d.destinationNames().map((dest) => d.view(dest)));
  }

  /** Whether `x` is a KamalDeploy, also across copies of this library loaded twice. */
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
  /** The secrets file path Kamal reads (`secrets_path`), relative to the app root. */
  public readonly secretsPath: string;
  /** The generated base file (`file`); every destination file is an overlay on it. */
  public readonly baseFile: YamlFile;
  private settings: ConfigSettings;
  private readonly requireDestination?: boolean;
  private readonly destinationList: Destination[] = [];
  private readonly overrides: Array<{ path: string[]; value: unknown; delete: boolean; destination?: string }> = [];
  private readonly declaredAccess: Array<{ kind: 'role' | 'accessory'; name: string; access: EndpointAccess; destination?: string }> = [];
  private readonly requiredSecretEnv: Array<{ name: string; roles?: readonly string[]; by: IConstruct }> = [];
  private readonly declaredExposure: Array<{ kind: 'role' | 'accessory'; name: string; reason: string }> = [];
  /** The plan and the model generation it was worked out at; stale as soon as anything changes. */
  private planMemo?: { generation: number; plan: DeployPlan };

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
    touchModel();

    this.baseFile = new YamlFile(this, 'File', {
      path: this.file,
      erb: true,
      obj: () => this._plan().base,
      validator: splitFileValidator(this, (plan) => plan.base, () => this.destinationList.length > 0),
    });
    this.node.addValidation({ validate: () => this.validateEffective() });
    this.node.addValidation({ validate: () => this.validateRequiredSecretEnv() });
    Checks.of(this).add(() => this.unreachableAddresses());
    // One check per tree, not per config: it reads every generated file once for all configs.
    if (!HOOKS_CHECKED.has(this.node.root)) {
      HOOKS_CHECKED.add(this.node.root);
      const root = this.node.root;
      Checks.of(this).add(() => hookFindings(root));
      Checks.of(this).add(() => withoutEstate(root));
      Checks.of(this).add(() => unplacedHosts(root));
    }
  }

  /** The service name of the config itself (destinations may override it). */
  public get service(): string {
    return this.settings.service!;
  }

  /** The destinations added so far, in the order they were added. */
  public get destinations(): readonly Destination[] {
    return this.destinationList;
  }

  /** Adds env for every role in every destination (after construction, e.g. from an accessory). */
  public addEnv(env: EnvProps): void {
    this.settings = mergeSettings(this.settings, { env });
    touchModel();
  }

  /**
   * Declares who may reach the kamal-proxy route of a role or accessory, in `destination` or in
   * every destination: for a route that only an override adds (the model's own routes declare it
   * in their proxy props).
   */
  public declareAccess(target: { readonly role: string } | { readonly accessory: string }, access: EndpointAccess, destination?: string): void {
    const kind = 'role' in target ? 'role' : 'accessory';
    this.declaredAccess.push({ kind, name: 'role' in target ? target.role : target.accessory, access, destination });
    touchModel();
  }

  /**
   * Declares why a role's or accessory's published port may face the network (an Estate refuses
   * a port on a public interface without a reason, and always for a database or cache). An
   * Accessory can say it with its `publicPortReason` prop instead.
   */
  public declareExposure(target: { readonly role: string } | { readonly accessory: string }, reason: string): void {
    if (!reason.trim()) throw new Error(`[${this.node.path}] an exposure needs a reason; say why the port must be reachable from outside the host`);
    this.declaredExposure.push({ kind: 'role' in target ? 'role' : 'accessory', name: 'role' in target ? target.role : target.accessory, reason: reason.trim() });
  }

  /** The declared reason a role's or accessory's ports may face the network, if any. */
  public exposureReason(kind: 'role' | 'accessory', name: string, destination?: string): string | undefined {
    const declared = this.declaredExposure.find((e) => e.kind === kind && e.name === name)?.reason;
    if (declared || kind === 'role') return declared;
    return this.accessoriesIn(destination).find((a) => a.name === name)?.publicPortReason;
  }

  /**
   * Declares secret env that must reach the app containers (of `roles`, or every role) in every
   * destination, whatever overrides do, e.g. `RAILS_MASTER_KEY`. Checked on the effective config.
   */
  public requireSecretEnv(name: string, options: { readonly roles?: readonly string[]; readonly by?: IConstruct } = {}): void {
    this.requiredSecretEnv.push({ name, roles: options.roles, by: options.by ?? this });
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
    touchModel();
  }

  /** Removes `path` from the effective config of `destination`, or of every destination. */
  public addDeletionOverride(path: string, destination?: string): void {
    this.overrides.push({ path: splitOverridePath(path), value: undefined, delete: true, destination });
    touchModel();
  }

  /** The destination file Kamal reads for `-d <name>`. */
  public destinationFile(name: string): string {
    return `${this.file.slice(0, -'.yml'.length)}.${name}.yml`;
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

  /**
   * Where Kamal reads the secrets of `-d <destination>` (or of the config without destinations):
   * the effective config's `secrets_path`, which a destination or an override may set.
   */
  public secretsPathOf(destination?: string): string {
    return KamalSecrets.pathIn(this.effectiveConfig(destination));
  }

  /** The destinations to deploy with (`[undefined]` for a config without destinations). */
  public destinationNames(): Array<string | undefined> {
    return this.destinationList.length > 0 ? this.destinationList.map((d) => d.name) : [undefined];
  }

  /**
   * The resolved view of `-d <destination>` (or of the config without destinations): what Kamal
   * will run, read from the effective config after overrides. Every estate check reads this.
   */
  public view(destination?: string): DeploymentView {
    const cfg = this.effectiveConfig(destination);
    const plan = this._plan();
    const key = destination ?? '';
    let v = plan.views.get(key);
    if (!v) {
      const access = plan.access.get(key)!;
      const accessories = new Map(this.accessoriesIn(destination).map((a) => [a.name, a] as const));
      v = resolveView(cfg, {
        file: this.file,
        destination,
        deploy: this,
        accessory: (name) => accessories.get(name),
        access: (kind, name) => access.get(`${kind}:${name}`),
      });
      plan.views.set(key, v);
    }
    return v;
  }

  /** The kamal-proxy routes of a destination, from its resolved view, with their access decisions. */
  public routes(destination?: string): readonly RouteView[] {
    return this.view(destination).routes;
  }

  /** Every secret the config uses for a destination, with the key that uses it. */
  public secretUses(destination?: string): readonly SecretUse[] {
    return this.view(destination).secrets;
  }

  /**
   * The accessories the model deploys with a destination: the config's own and the
   * destination's (the one place that answers it).
   */
  public accessoriesIn(destination?: string): Accessory[] {
    const own = this.node.children.filter(Accessory.isAccessory);
    const d = destination === undefined ? undefined : this.destinationList.find((x) => x.name === destination);
    return d ? [...own, ...d.node.children.filter(Accessory.isAccessory)] : own;
  }

  /** @internal */
  public _registerDestination(d: Destination): void {
    if (this.destinationList.some((x) => x.name === d.name)) throw new Error(`[${d.node.path}] destination '${d.name}' is declared twice`);
    this.destinationList.push(d);
    touchModel();
  }

  /**
   * @internal Effective configs, base and overlays. Worked out again whenever the model changed
   * since (see _generation.ts), so within one synth it is computed once.
   */
  public _plan(): DeployPlan {
    const generation = modelGeneration();
    if (this.planMemo?.generation === generation) return this.planMemo.plan;
    const plan = this.makePlan();
    this.planMemo = { generation, plan };
    return plan;
  }

  private makePlan(): DeployPlan {
    const effective = new Map<string, L1.DeployConfig>();
    const access = new Map<string, Map<string, EndpointAccess>>();
    const rendered = new Rendered();
    if (this.destinationList.length === 0) {
      const accessories = this.accessoriesIn(undefined);
      effective.set('', this.withOverrides(this.render(this.settings, accessories, rendered), undefined));
      access.set('', this.accessOf(this.settings, accessories, undefined));
      for (const cfg of effective.values()) deepFreeze(cfg);
      return { effective, access, views: new Map(), base: effective.get('')! as Record<string, unknown>, overlays: {}, mergeErrors: [] };
    }
    for (const d of this.destinationList) {
      const settings = mergeSettings(this.settings, d.settings);
      const accessories = this.accessoriesIn(d.name);
      effective.set(d.name, this.withOverrides(this.render(settings, accessories, rendered), d.name));
      access.set(d.name, this.accessOf(settings, accessories, d.name));
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
    for (const doc of [...effective.values(), base, ...Object.values(overlays)]) deepFreeze(doc);
    return { effective, access, views: new Map(), base, overlays, mergeErrors };
  }

  /**
   * The access decisions of the routes the model declares (`role:<name>`, `accessory:<name>`),
   * and those declared with declareAccess. A route only an override adds has none of the first.
   */
  private accessOf(s: ConfigSettings, accessories: Accessory[], destination: string | undefined): Map<string, EndpointAccess> {
    const out = new Map<string, EndpointAccess>();
    const primary = s.primaryRole ?? 'web';
    for (const [name, role] of Object.entries(s.roles ?? {})) {
      const on = role.proxy === undefined ? name === primary : role.proxy !== false;
      const access = (typeof role.proxy === 'object' ? role.proxy.access : undefined) ?? s.proxy?.access;
      if (on && access) out.set(`role:${name}`, access);
    }
    for (const a of accessories) if (a.proxy?.access) out.set(`accessory:${a.name}`, a.proxy.access);
    for (const d of this.declaredAccess) if (d.destination === undefined || d.destination === destination) out.set(`${d.kind}:${d.name}`, d.access);
    return out;
  }

  private withOverrides(cfg: L1.DeployConfig, destination: string | undefined): L1.DeployConfig {
    const mine = this.overrides.filter((o) => o.destination === undefined || o.destination === destination);
    return mine.length === 0 ? cfg : (applyOverrides(cfg, mine, this.node.path) as L1.DeployConfig);
  }

  /**
   * The effective config of one set of settings. `rendered` is shared by the destinations of one
   * plan: a part of the settings a destination does not change (the same object) is rendered
   * once, and the destinations' configs share it, so the split finds it equal at once.
   */
  private render(s: ConfigSettings, accessories: Accessory[], rendered: Rendered): L1.DeployConfig {
    const roles: Record<string, L1.HostEntry[] | L1.Role> = {};
    for (const name of Object.keys(s.roles ?? {}).sort(compareStrings)) roles[name] = rendered.of('role', s.roles![name], renderRole);
    const acc: Record<string, L1.Accessory> = {};
    for (const a of [...accessories].sort((x, y) => compareStrings(x.name, y.name))) {
      if (acc[a.name]) throw new Error(`[${a.node.path}] accessory '${a.name}' is declared twice in ${this.file}`);
      acc[a.name] = rendered.of('accessory', a, (x) => x.toKamal());
    }
    const requireDestination = this.requireDestination ?? (this.destinationList.length > 0 ? true : undefined);
    const cfg = compact<L1.DeployConfig>({
      service: s.service,
      image: s.image,
      servers: Object.keys(roles).length > 0 ? roles : undefined,
      proxy: s.proxy && rendered.of('proxy', s.proxy, renderProxy),
      registry: s.registry && rendered.of('registry', s.registry, renderRegistry),
      builder: s.builder && rendered.of('builder', s.builder, renderBuilder),
      env: s.env && rendered.of('env', s.env, (e) => EnvSet.of(e).toKamal()),
      accessories: Object.keys(acc).length > 0 ? acc : undefined,
      volumes: s.volumes && s.volumes.length > 0 ? rendered.of('volumes', s.volumes, (v) => v.map(volumeArg)) : undefined,
      labels: s.labels && rendered.of('labels', s.labels, sortedRecord),
      logging: s.logging && rendered.of('logging', s.logging, renderLogging),
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
      ssh: s.ssh && rendered.of('ssh', s.ssh, renderSsh),
      sshkit: s.sshkit && compact({ max_concurrent_starts: s.sshkit.maxConcurrentStarts, pool_idle_timeout: s.sshkit.poolIdleTimeout, dns_retries: s.sshkit.dnsRetries }),
      boot: s.boot && compact({ limit: s.boot.limit, wait: s.boot.wait, parallel_roles: s.boot.parallelRoles }),
      output: s.output && compact({ otel: s.output.otelEndpoint ? { endpoint: s.output.otelEndpoint } : undefined, file: s.output.filePath ? { path: s.output.filePath } : undefined }),
      aliases: s.aliases && sortedRecord(s.aliases),
    });
    for (const [k, v] of Object.entries(s.extensions ?? {}).sort((a, b) => compareStrings(a[0], b[0]))) (cfg as any)[k] = v;
    return cfg;
  }

  /**
   * The addresses this config's accessories' emitted documents point at (Fluent Bit's Loki,
   * Grafana's datasources, nginx's upstream, the registry's token realm) resolve to a container
   * the emitted estate deploys on the accessory's host and network, or to a route it serves.
   * Reported on the accessory that emits the document.
   */
  private unreachableAddresses(): Finding[] {
    const findings: Finding[] = [];
    let reach: Reachability | undefined;
    for (const dest of this.destinationNames()) {
      const view = this.view(dest);
      for (const accessory of this.accessoriesIn(dest)) {
        const addresses = accessory.emittedAddresses();
        const me = view.accessories.find((c) => c.owner === accessory);
        if (addresses.length === 0 || !me) continue;
        reach ??= new Reachability(KamalDeploy.resolvedViews(this));
        for (const addr of addresses) for (const message of reach.addressProblems(view, me, addr)) findings.push({ construct: accessory, message });
      }
    }
    return findings;
  }

  /**
   * Secret env the model requires (an accessory's password, the app's master key) is still passed
   * in the effective config of every destination, whatever overrides did.
   */
  private validateRequiredSecretEnv(): string[] {
    const errors: string[] = [];
    for (const dest of this.destinationNames()) {
      const view = this.view(dest);
      const missing = (key: string, passed: ReadonlyArray<{ name: string }>, name: string, by: IConstruct) => {
        if (passed.some((s) => s.name === name)) return;
        errors.push(`${view.where}: ${key}/env/secret does not pass ${name}, which [${by.node.path}] requires — remove the override that drops it, or add it back to env.secret`);
      };
      for (const r of this.requiredSecretEnv) {
        for (const role of view.roles) if (!r.roles || r.roles.includes(role.name)) missing(role.key, role.env.secrets, r.name, r.by);
      }
      for (const a of this.accessoriesIn(dest)) {
        const c = view.accessories.find((x) => x.name === a.name);
        // An accessory an override removed runs nowhere; what pointed at it is the reachability check's.
        if (c) for (const name of a.requiredSecretEnv) missing(c.key, c.env.secrets, name, a);
      }
    }
    return errors;
  }

  /** The merged config of every destination, checked as Kamal checks it; every secret resolvable. */
  private validateEffective(): string[] {
    const plan = this._plan();
    VALIDATED_PLANS.add(plan);
    const errors = plan.mergeErrors.map((m) => `internal error: the split files do not merge back to the model (${m}); please report this`);
    const validator = new KamalConfigValidator({ partial: false });
    for (const dest of this.destinationNames()) {
      const cfg = plan.effective.get(dest ?? '')!;
      const secretsPath = this.secretsPathOf(dest);
      const secrets = KamalSecrets.forPath(this, secretsPath);
      const files = dest === undefined ? this.file : `${this.file} + ${this.destinationFile(dest)}`;
      const how = dest === undefined ? 'as Kamal reads it' : `as Kamal merges them for -d ${dest}`;
      for (const p of validator.validate(cfg)) errors.push(`${files} (${how}): ${p.pointer || '/'} ${p.message}`);
      for (const p of checkKamalValues(cfg)) errors.push(`${files} (${how}): ${p.pointer || '/'} ${p.message}`);
      for (const use of this.view(dest).secrets) {
        if (!secrets?.lookup(use.secret, dest).found) {
          const searched = KamalSecrets.filesRead(secretsPath, dest);
          errors.push(
            `secret '${use.secret}' (${use.key}) of ${this.file}${dest ? ` -d ${dest}` : ''} is not in ${searched.join(' or ')}` +
              `${secrets ? '' : ' (no KamalSecrets construct declares these files)'}; declare it in a KamalSecrets construct for ${secretsPath}`,
          );
        }
      }
    }
    return errors;
  }
}

/**
 * What a KamalDeploy works out from its model once per model change: the effective config of each
 * destination, and the base file and overlays that Kamal merges back into them.
 * @internal
 */
export interface DeployPlan {
  /** Effective config per destination (`''` for a config without destinations). */
  effective: Map<string, L1.DeployConfig>;
  /** Declared access decisions per destination (`role:<name>` / `accessory:<name>`). */
  access: Map<string, Map<string, EndpointAccess>>;
  /** Resolved views, made on first use. */
  views: Map<string, DeploymentView>;
  /** Content of the base file: what every destination shares. */
  base: Record<string, unknown>;
  /** Content of each destination file, by destination name. */
  overlays: Record<string, Record<string, unknown>>;
  /** Where merging base and overlay the way Kamal does would not give the modelled config. */
  mergeErrors: string[];
}

/**
 * A destination of a config (`kamal deploy -d staging`): its settings are laid over the
 * config's, and accessories declared under it run only there.
 */
export class Destination extends Construct implements IAccessoryOwner {
  /** The destination name, as given to `kamal -d`. */
  public readonly name: string;
  /** The config this destination belongs to. */
  public readonly deploy: KamalDeploy;
  /** @internal */
  public settings: DestinationProps;
  /** The generated overlay file, `config/deploy.<name>.yml` beside the config's file. */
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
      validator: splitFileValidator(deploy, (plan) => plan.overlays[name], () => true),
    });
  }

  /** Adds env for every role in this destination (after construction, e.g. from an accessory). */
  public addEnv(env: EnvProps): void {
    this.settings = mergeSettings(this.settings, { env });
    touchModel();
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

const HOOKS_CHECKED = new WeakSet<IConstruct>();

/**
 * What one plan has rendered, by kind and by the settings object it came from: the same object
 * renders to the same (shared, never mutated) value. Rendering depends on nothing but its input.
 */
class Rendered {
  private readonly byKind = new Map<string, Map<object, unknown>>();

  public of<I extends object, O>(kind: string, input: I, render: (input: I) => O): O {
    let memo = this.byKind.get(kind);
    if (!memo) this.byKind.set(kind, (memo = new Map()));
    if (memo.has(input)) return memo.get(input) as O;
    const out = render(input);
    memo.set(input, out);
    return out;
  }
}

/**
 * The validator of a generated deploy file (`deploy.yml`, `deploy.<dest>.yml`): each document is
 * validated once. When the file emits exactly the planned document (the very object: no override
 * of the file itself, nothing the read-back proof had to change), every value in it is already
 * checked where Kamal reads it, in the merged config of each destination (validateEffective),
 * and the merge-back proof shows those are exactly base ⊕ overlay. Anything else, such as an
 * override on the file construct, is checked on its own, as Kamal's partial rules allow.
 */
function splitFileValidator(deploy: KamalDeploy, planned: (plan: DeployPlan) => unknown, partial: () => boolean): IDocumentValidator {
  return {
    validate: (doc) => {
      const plan = deploy._plan();
      // Only a plan validateEffective checked: the model may have changed since (a file that adds
      // an override while it renders), and then these files are all that is checked of it.
      return doc === planned(plan) && VALIDATED_PLANS.has(plan) ? [] : new KamalConfigValidator({ partial: partial() }).validate(doc);
    },
  };
}

/** Plans whose merged configs validateEffective has checked. */
const VALIDATED_PLANS = new WeakSet<DeployPlan>();

/**
 * Freezes a plan's documents, which share subtrees (a destination's config, the split files,
 * rendered parts): a change to one through effectiveConfig() would silently change the others and
 * the files, after they were checked; frozen, it fails where it is made.
 */
function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * Kamal configs outside an Estate: the checks across configs (one host's names, ports, volumes and
 * routes, exposure, reachability, access, secrets in clear env) did not run. Loud, never silent.
 */
function withoutEstate(root: IConstruct): Finding[] {
  if (root.node.findAll().some((c) => Symbol.for('kamal-cdk.Estate') in c)) return [];
  const first = KamalDeploy.all(root)[0];
  if (!first) return [];
  return [
    {
      construct: first,
      severity: 'warning',
      id: 'kamal:no-estate',
      message:
        'no Estate in this App, so the checks across configs did not run (same-host names, ports, volumes and routes; exposure; reachability; access; secrets in clear env); put the configs under new Estate(app, \'estate\')',
    },
  ];
}

/** Generated files where a config's Kamal runs hooks, reported on the config that would run them. */
function hookFindings(root: IConstruct): Finding[] {
  const configs: Array<{ cfg: L1.DeployConfig; key: string }> = [];
  const where = new Map<string, { deploy: KamalDeploy; label: string }>();
  for (const deploy of KamalDeploy.all(root)) {
    for (const dest of deploy.destinationNames()) {
      const key = `${deploy.node.path}\u0000${dest ?? ''}`;
      const files = dest === undefined ? deploy.file : `${deploy.file} + ${deploy.destinationFile(dest)}`;
      const how = dest === undefined ? 'as Kamal reads it' : `as Kamal merges them for -d ${dest}`;
      configs.push({ cfg: deploy.effectiveConfig(dest), key });
      where.set(key, { deploy, label: `${files} (${how})` });
    }
  }
  return generatedHookFiles(root, configs).map(({ key, problem }) => {
    const w = where.get(key)!;
    return { construct: w.deploy, message: `${w.label}: ${problem.pointer} ${problem.message}` };
  });
}

/**
 * Declared hosts that no emitted config places anything on: a Host declared and forgotten, or
 * one an override moved everything off. Reported on the Host.
 */
function unplacedHosts(root: IConstruct): Finding[] {
  const hosts = Host.all(root);
  if (hosts.length === 0) return [];
  const used = new Set<string>();
  for (const view of KamalDeploy.resolvedViews(root)) for (const c of view.containers) for (const h of c.hosts) used.add(h);
  return hosts
    .filter((h) => !used.has(h.address))
    .map((h) => ({
      construct: h,
      message: `host ${h.label} runs nothing: no role or accessory of any config is placed on it — place one there (a role's hosts, an accessory's host), or remove the Host`,
    }));
}

/** A copy of `value` whose hash keys follow the order of the same hashes in `template`. */
function orderLike(value: YamlValue, template: YamlValue | undefined): YamlValue {
  if (!isHash(value) || !isHash(template)) return value;
  const out: Record<string, YamlValue> = {};
  for (const k of Object.keys(template)) if (k in value) out[k] = orderLike(value[k], template[k]);
  for (const k of Object.keys(value)) if (!(k in out)) out[k] = value[k];
  return out;
}
