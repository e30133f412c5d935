/**
 * From an existing Kamal repository to an import plan: typed props where the model has them,
 * overrides (worked out by building the plan and comparing) for everything else, then proved:
 * the plan's merged config of every (config, destination) equals the repository's.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deepEqual, isHash, splitDestinations, YamlValue } from '../../constructs/kamal/merge';
import { synthesize } from '../../src/synthesizer';
import { formatDiagnostic } from '../../src/annotations';
import type { AccessoryProps } from '../../constructs/kamal/accessory';
import type { PostgresAccessoryProps } from '../../constructs/kamal/postgres';
import type { ConfigSettings, RoleProps } from '../../constructs/kamal/settings';
import type { EnvProps } from '../../constructs/kamal/env';
import type { ProxyProps } from '../../constructs/kamal/proxy';
import { EnvTag, OpaqueTag, withDoubleQuotedLiterals } from './erb';
import { AccessoryPlan, buildPlan, DeployPlan, ImportPlan, OverridePlan, secretSource, SecretSpec, SecretsPlan } from './plan';
import { KamalSecrets } from '../../constructs/kamal/secrets';
import { Erb } from '../../src/erb';
import type { KamalDeploy } from '../../constructs/kamal/deploy';
import { checkAsKamal } from './kamal-check';
import { ConfigFamily, findFamilies, loadConfig, parseSecretsFile } from './repository';

/** A merged config the import must reproduce. */
export interface ImportTarget {
  /** The config file. */
  readonly file: string;
  /** `-d`, if any. */
  readonly destination?: string;
  /** The merged config, ERB environment references kept as tags. */
  readonly config: YamlValue;
}

/** Something import changed or could not carry, by file. */
export interface ImportNote {
  /** The file it is about. */
  readonly file: string;
  /** The 1-based line, when known. */
  readonly line?: number;
  /** What happened. */
  readonly message: string;
}

/** The plan and what it was proved against. */
export interface ImportResult {
  /** The constructs to write (and that were built to prove them). */
  readonly plan: ImportPlan;
  /** Each (config file, destination) and its merged config. */
  readonly targets: ImportTarget[];
  /** Changes on the way in (ERB resolved, literal secrets). */
  readonly warnings: ImportNote[];
  /** Problems that keep the plan from reproducing the repository (empty when it does). */
  readonly errors: string[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** Works out the plan for a repository that validated. */
export function planImport(root: string, env: Env): ImportResult {
  const warnings: ImportResult['warnings'] = [];
  const errors: string[] = [];
  const families = findFamilies(root, { env });
  const targets: ImportResult['targets'] = [];
  const deploys: DeployPlan[] = [];
  const secretsPaths = new Set<string>();
  const ids = new Set<string>();

  for (const family of families) {
    if (family.destinations.length > 0 && deploysAlone(root, family, env)) {
      errors.push(
        `${family.file} is deployed without -d as well as with -d ${family.destinations.join(', -d ')} (it has no require_destination: true, and Kamal accepts it alone); ` +
          'kamal-cdk models a config whose every deploy names a destination, so importing it would change what a bare kamal deploy deploys. ' +
          `Move the bare deploy's settings into a destination of their own (config/${path.posix.basename(family.file, '.yml')}.production.yml, deployed with -d production), add require_destination: true, and import again`,
      );
      continue;
    }
    const runs = family.destinations.length > 0 ? family.destinations : [undefined];
    const byDest: Record<string, Record<string, YamlValue>> = {};
    for (const d of runs) {
      const config = targetConfig(root, family, d, env, warnings, errors);
      targets.push({ file: family.file, destination: d, config });
      byDest[d ?? ''] = (isHash(config) ? config : {}) as Record<string, YamlValue>;
      secretsPaths.add(KamalSecrets.pathIn(byDest[d ?? '']));
    }
    const split = family.destinations.length > 0 ? splitDestinations(byDest) : { base: byDest[''], overlays: {} as Record<string, Record<string, YamlValue>> };
    const id = uniqueId(familyId(family.file), ids);
    const base = split.base as Record<string, unknown>;
    const service = firstString(base.service) ?? firstString(...Object.values(byDest).map((c) => c.service)) ?? 'app';
    const deploy: DeployPlan = {
      id,
      props: {
        file: family.file === 'config/deploy.yml' ? undefined : family.file,
        ...(typeof base.secrets_path === 'string' && base.secrets_path !== '.kamal/secrets' ? { secretsPath: base.secrets_path } : {}),
        ...settingsOf(base),
        service,
      },
      destinations: family.destinations.map((name) => ({ name, props: settingsOf(split.overlays[name] ?? {}) })),
      accessories: [
        ...accessoriesOf(base, undefined),
        ...family.destinations.flatMap((name) => accessoriesOf(split.overlays[name] ?? {}, name)),
      ],
      overrides: [],
    };
    deploys.push(deploy);
  }

  const secrets = [...secretsPaths].sort().map((p) => secretsPlan(root, p, warnings));
  const plan: ImportPlan = { secrets, deploys };

  // Build what the typed props give, then carry the difference with overrides.
  let built;
  try {
    built = buildPlan(plan);
  } catch (e) {
    // First without PostgresAccessory (it checks more than Kamal does), then with no typed props.
    if (plan.deploys.some((d) => d.accessories.some((x) => x.postgres))) {
      warnings.push({ file: '.', message: `PostgresAccessory refused an accessory (${(e as Error).message}); the accessories are imported as Accessory` });
      for (const d of plan.deploys) for (const x of d.accessories) delete x.postgres;
    }
  }
  try {
    built ??= buildPlan(plan);
  } catch (e) {
    // A typed prop the model refuses: fall back to overrides for everything but the service.
    warnings.push({ file: '.', message: `the typed props were refused (${(e as Error).message}); the configs are imported as overrides only` });
    for (const d of plan.deploys) {
      (d as { props: object }).props = { file: d.props.file, secretsPath: d.props.secretsPath, service: d.props.service };
      d.destinations.forEach((x) => ((x as { props: object }).props = {}));
      d.accessories.splice(0);
    }
    built = buildPlan(plan);
  }
  for (const [i, d] of plan.deploys.entries()) {
    const deploy = built.deploys[i];
    const mine = targets.filter((t) => t.file === (d.props.file ?? 'config/deploy.yml'));
    const perDest = new Map<string | undefined, OverridePlan[]>();
    for (const t of mine) {
      let actual: YamlValue;
      try {
        actual = deploy.effectiveConfig(t.destination) as YamlValue;
      } catch (e) {
        errors.push(`${t.file}: ${(e as Error).message}`);
        continue;
      }
      perDest.set(t.destination, diff(actual, t.config, []).map((o) => ({ ...o, destination: t.destination })));
    }
    d.overrides = commonOverrides(perDest, d.destinations.length > 0);
  }

  // Secrets no file of the repository declares: read from the environment, as a literal is.
  if (!declareMissingSecrets(plan, buildPlan(plan).deploys, targets, warnings, errors)) return { plan, targets, warnings, errors };

  // Prove it: the same constructs, with the overrides, merge to the repository's configs and synthesize.
  const proved = buildPlan(plan);
  for (const [i, d] of plan.deploys.entries()) {
    for (const t of targets.filter((x) => x.file === (d.props.file ?? 'config/deploy.yml'))) {
      const got = proved.deploys[i].effectiveConfig(t.destination) as YamlValue;
      if (!deepEqual(got, t.config)) errors.push(`${t.file}${t.destination ? ` -d ${t.destination}` : ''}: the imported constructs do not reproduce the merged config; please report this`);
    }
  }
  const synthesis = synthesize(proved.app, { strict: false });
  for (const e of synthesis.errors) errors.push(`synth of the imported project fails: ${formatDiagnostic(e)}`);
  return { plan, targets, warnings, errors };
}

/** The merged config of one run, with ERB environment references kept as their tags. */
/** Whether Kamal also deploys a family's base file without -d: no require_destination: true, and Kamal accepts it alone. */
function deploysAlone(root: string, family: ConfigFamily, env: Env): boolean {
  try {
    const alone = loadConfig(root, family.file, undefined, { env }).config;
    return isHash(alone) && alone.require_destination !== true && checkAsKamal(alone, { withoutDestination: true }).length === 0;
  } catch {
    return false;
  }
}

function targetConfig(root: string, family: ConfigFamily, destination: string | undefined, env: Env, warnings: ImportResult['warnings'], errors: string[]): YamlValue {
  const evaluated = loadConfig(root, family.file, destination, { env });
  const kept = loadConfig(root, family.file, destination, { env, keepEnv: true });
  const envTags = kept.files.flatMap((f) => f.erb.envTags);
  // Opaque tags are kept as they are (validate's warnings name them), but not the code tags: one
  // that reads a name a code tag defines would raise NameError when Kamal renders the file.
  const opaque = evaluated.files.flatMap((f) => f.erb.opaque.map((o) => ({ ...o, file: f.file })));
  for (const f of evaluated.files) {
    const reading = f.erb.opaque.filter((x) => x.readsLocals.length > 0);
    if (reading.length === 0) continue;
    const byName = new Map<string, number[]>();
    for (const o of reading) for (const name of o.readsLocals) byName.set(name, [...(byName.get(name) ?? []), o.line]);
    const which = [...byName].map(([name, lines]) => `${name} (line ${lines.join(', ')})`).join(', ');
    const message =
      `${f.file}: output tags read what code tags (<% ... %>) of the file define: ${which}; kamal-cdk keeps output tags but not code tags, so Kamal would stop with NameError (or print nothing, for an @variable). ` +
      'Work those values out in synth.ts (or inside each tag), and import again';
    if (!errors.includes(message)) errors.push(message);
  }
  for (const f of evaluated.files) {
    // A command's output ends with a newline: a plain YAML value drops it, a quoted one keeps it as a space.
    for (const o of f.erb.opaque.filter((x) => /`|%x[({[<|!]/.test(x.tag) && !/\.(strip|chomp|rstrip|squish|to_i|to_f|inspect|to_json|dump)\s*-?%>$/.test(x.tag))) {
      const message = `${o.tag} prints a command's output, newline included; kamal-cdk writes ERB values quoted, where that newline becomes a trailing space (a plain value drops it): add .strip inside the tag`;
      if (!warnings.some((w) => w.file === f.file && w.line === o.line && w.message === message)) warnings.push({ file: f.file, line: o.line, message });
    }
    if (f.erb.warnings.some((w) => w.message.startsWith('ERB code tag'))) {
      warnings.push({ file: f.file, message: 'ERB code tags (<% ... %>) were resolved with this environment; the import holds the result, not the logic' });
    }
  }
  return restore(evaluated.config as YamlValue, kept.config as YamlValue, envTags, opaque, warnings, evaluated.files[0].file);
}

/**
 * The evaluated config, where a string came from ERB environment references kept as tags, and
 * opaque tags written back. A non-string value that ERB produced keeps its value (a warning says so).
 */
/**
 * Whether a path is a clear env value of the config, a role or an accessory: `env/clear/NAME`,
 * `env/tags/TAG/NAME`, or `env/NAME` of the simple form.
 */
function isClearEnv(at: readonly string[]): boolean {
  const owner = at[0] === 'env' ? 0 : (at[0] === 'servers' || at[0] === 'accessories') && at[2] === 'env' ? 2 : -1;
  if (owner < 0) return false;
  const rest = at.slice(owner + 1);
  if (rest.length === 2 && rest[0] === 'clear') return true;
  if (rest.length === 3 && rest[0] === 'tags') return true;
  return rest.length === 1 && !['clear', 'secret', 'tags'].includes(rest[0]);
}

function restore(evaluated: YamlValue, kept: YamlValue, envTags: EnvTag[], opaque: OpaqueTag[], warnings: ImportResult['warnings'], file: string): YamlValue {
  // Each opaque tag as written, its Ruby's single-quoted strings double-quoted (kamal-cdk
  // single-quotes ERB values, which would double a ' inside a tag).
  const tags = opaque.map((o) => ({ placeholder: o.placeholder, tag: withDoubleQuotedLiterals(o.tag) }));
  const withTags = (text: string): string => {
    let s = text;
    for (const t of envTags) s = s.split(t.placeholder).join(t.tag);
    for (const o of tags) s = s.split(o.placeholder).join(o.tag);
    return s;
  };
  const walk = (e: YamlValue, k: YamlValue | undefined, at: string[]): YamlValue => {
    if (typeof k === 'string' && envTags.some((t) => k.includes(t.placeholder))) {
      // The service names every container: the model needs it as a value, not as ERB. A clear env
      // value that ERB makes a number or a boolean stays ERB: the container's env is text either way.
      if ((typeof e === 'string' && !(at.length === 1 && at[0] === 'service')) || ((typeof e === 'number' || typeof e === 'boolean') && isClearEnv(at))) {
        return withTags(k);
      }
      let erb = k;
      for (const t of envTags) erb = erb.split(t.placeholder).join(t.tag);
      const why = typeof e === 'string' ? 'the service name is a value in the model' : `it gives a ${e === null ? 'null' : typeof e}, not a string`;
      warnings.push({ file, message: `${at.join('/')}: ${erb} is imported as its value with this environment, ${JSON.stringify(e)} (${why})` });
      return e;
    }
    if (typeof e === 'string') return withTags(e);
    if (Array.isArray(e)) return e.map((x, i) => walk(x, Array.isArray(k) ? k[i] : undefined, [...at, String(i)]));
    if (isHash(e)) {
      // A key that ERB wrote, and validate could not evaluate, is its tag again.
      const out: Record<string, YamlValue> = {};
      for (const [key, v] of Object.entries(e)) out[withTags(key)] = walk(v, isHash(k) ? k[key] : undefined, [...at, key]);
      return out;
    }
    return e;
  };
  return walk(evaluated, kept, []);
}

/** set/delete operations that turn `actual` into `target`. */
function diff(actual: YamlValue | undefined, target: YamlValue, at: string[]): Array<Omit<OverridePlan, 'destination'>> {
  if (actual !== undefined && deepEqual(actual, target)) return [];
  if (actual !== undefined && isHash(actual) && isHash(target)) {
    const ops: Array<Omit<OverridePlan, 'destination'>> = [];
    const a = actual as Record<string, YamlValue>;
    const t = target as Record<string, YamlValue>;
    for (const k of Object.keys(a)) if (!Object.prototype.hasOwnProperty.call(t, k)) ops.push({ path: [...at, k], delete: true });
    for (const k of Object.keys(t)) ops.push(...diff(Object.prototype.hasOwnProperty.call(a, k) ? a[k] : undefined, t[k], [...at, k]));
    return ops;
  }
  return [{ path: at, value: target }];
}

/** Per-destination operations; those every destination shares are given once for all. */
function commonOverrides(perDest: Map<string | undefined, OverridePlan[]>, hasDestinations: boolean): OverridePlan[] {
  if (!hasDestinations) return [...perDest.values()].flat().map((o) => ({ ...o, destination: undefined }));
  const lists = [...perDest.values()];
  const id = (o: OverridePlan) => JSON.stringify([o.path, o.delete ?? false, o.value ?? null]);
  const shared = lists[0].filter((o) => lists.every((l) => l.some((x) => id(x) === id(o))));
  const sharedIds = new Set(shared.map(id));
  return [...shared.map((o) => ({ ...o, destination: undefined })), ...lists.flat().filter((o) => !sharedIds.has(id(o)))];
}

function familyId(file: string): string {
  const m = /^config\/deploy\.?(.*)\.yml$/.exec(file);
  const name = m && m[1] ? m[1] : '';
  return name ? `Deploy-${name}` : 'Deploy';
}

function uniqueId(id: string, ids: Set<string>): string {
  let out = id;
  for (let i = 2; ids.has(out); i++) out = `${id}${i}`;
  ids.add(out);
  return out;
}

function firstString(...vs: unknown[]): string | undefined {
  for (const v of vs) if (typeof v === 'string' || typeof v === 'number') return String(v);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Typed props from a config (the rest reaches the model through overrides)

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);

function clean<T extends object>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}

/** The settings the model types, read from a config (or a destination's overlay). */
function settingsOf(cfg: Record<string, unknown>): ConfigSettings {
  const out: Record<string, unknown> = {
    service: str(cfg.service),
    image: str(cfg.image),
    registry: registryOf(cfg.registry),
    builder: builderOf(cfg.builder),
    env: envOf(cfg.env),
    proxy: proxyOf(cfg.proxy),
    roles: rolesOf(cfg.servers),
    ssh: sshOf(cfg.ssh),
  };
  return clean(out) ?? {};
}

function registryOf(v: unknown): ConfigSettings['registry'] {
  if (!isHash(v)) return undefined;
  const one = (x: unknown) => (Array.isArray(x) && x.length === 1 && typeof x[0] === 'string' ? x[0] : undefined);
  return clean({ server: str(v.server), username: str(v.username), usernameSecret: one(v.username), passwordSecret: one(v.password) });
}

function builderOf(v: unknown): ConfigSettings['builder'] {
  if (!isHash(v)) return undefined;
  const arch = str(v.arch) ?? strings(v.arch);
  if (arch === undefined) return undefined;
  return clean({
    arch,
    remote: str(v.remote),
    local: bool(v.local),
    context: str(v.context),
    dockerfile: str(v.dockerfile),
    target: str(v.target),
    secrets: strings(v.secrets),
    ssh: str(v.ssh),
    driver: str(v.driver),
    sbom: bool(v.sbom),
  });
}

function envOf(v: unknown): EnvProps | undefined {
  if (!isHash(v)) return undefined;
  const complex = ['clear', 'secret', 'tags'].some((k) => k in v);
  if (!complex) return clean({ clear: v as Record<string, string> });
  const secrets = strings(v.secret)?.map((s) => (s.includes(':') ? { name: s.slice(0, s.indexOf(':')), secret: s.slice(s.indexOf(':') + 1) } : s));
  return clean({ clear: isHash(v.clear) ? (v.clear as Record<string, string>) : undefined, secrets });
}

function proxyOf(v: unknown): ProxyProps | undefined {
  if (!isHash(v)) return undefined;
  // Kamal splits `host` on commas; an ERB tag is one host.
  const hosts = strings(v.hosts) ?? (typeof v.host === 'string' ? (v.host.includes('<%') ? [v.host] : v.host.split(',').filter(Boolean)) : undefined);
  return clean({
    hosts,
    appPort: int(v.app_port),
    ssl: bool(v.ssl),
    sslRedirect: bool(v.ssl_redirect),
    forwardHeaders: bool(v.forward_headers),
    responseTimeout: int(v.response_timeout),
    pathPrefixes: strings(v.path_prefixes),
    stripPathPrefix: bool(v.strip_path_prefix),
    healthcheck: isHash(v.healthcheck) ? clean({ path: str(v.healthcheck.path), interval: int(v.healthcheck.interval), timeout: int(v.healthcheck.timeout) }) : undefined,
  });
}

function rolesOf(v: unknown): Record<string, RoleProps> | undefined {
  if (Array.isArray(v)) return { web: { hosts: hostsOf(v) } };
  if (!isHash(v)) return undefined;
  const out: Record<string, RoleProps> = {};
  for (const [name, role] of Object.entries(v)) {
    if (Array.isArray(role)) out[name] = { hosts: hostsOf(role) };
    else if (isHash(role)) {
      out[name] = clean({
        hosts: Array.isArray(role.hosts) ? hostsOf(role.hosts) : undefined,
        cmd: str(role.cmd),
        stopTimeout: int(role.stop_timeout),
        options: isHash(role.options) ? role.options : undefined,
        proxy: typeof role.proxy === 'boolean' ? role.proxy : proxyOf(role.proxy),
        labels: isHash(role.labels) ? (role.labels as Record<string, string>) : undefined,
        env: envOf(role.env),
        assetPath: str(role.asset_path),
      }) ?? {};
    }
  }
  return out;
}

function hostsOf(list: unknown[]): RoleProps['hosts'] {
  return list.map((h) => {
    if (isHash(h)) {
      const [host, tags] = Object.entries(h)[0];
      return { host, tags: Array.isArray(tags) ? tags.map(String) : [String(tags)] };
    }
    return String(h);
  });
}

function sshOf(v: unknown): ConfigSettings['ssh'] {
  if (!isHash(v)) return undefined;
  return clean({ user: str(v.user), port: int(v.port), proxy: str(v.proxy), logLevel: str(v.log_level), keysOnly: bool(v.keys_only), keys: strings(v.keys), keyData: strings(v.key_data) });
}

/** Accessories as Accessory props: what the model types; the rest reaches it through overrides. */
function accessoriesOf(cfg: Record<string, unknown>, destination: string | undefined): AccessoryPlan[] {
  if (!isHash(cfg.accessories)) return [];
  const out: AccessoryPlan[] = [];
  for (const [name, a] of Object.entries(cfg.accessories)) {
    if (!isHash(a) || typeof a.image !== 'string') continue;
    const props = clean({
      image: a.image,
      service: str(a.service),
      host: str(a.host),
      hosts: strings(a.hosts),
      role: str(a.role),
      roles: strings(a.roles),
      tag: str(a.tag),
      tags: strings(a.tags),
      cmd: str(a.cmd),
      labels: isHash(a.labels) ? (a.labels as Record<string, string>) : undefined,
      options: isHash(a.options) ? a.options : undefined,
      env: envOf(a.env),
      volumes: strings(a.volumes),
      network: str(a.network),
    }) as AccessoryProps;
    out.push({ name, destination, props, postgres: postgresOf(a) });
  }
  return out;
}

/**
 * PostgresAccessory props when the accessory is what it builds: the official image with a major
 * tag, one host, the data in a named volume where that major keeps it, POSTGRES_DB and the
 * POSTGRES_PASSWORD secret, published on loopback or not at all. The rest (a tag's suffix,
 * options, extra keys) reaches it through overrides like any other difference.
 */
function postgresOf(a: Record<string, unknown>): PostgresAccessoryProps | undefined {
  const version = /^postgres:(\d{1,3})(?![0-9])/.exec(String(a.image))?.[1];
  if (!version || typeof a.host !== 'string') return undefined;
  const dataPath = Number(version) >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
  const volume = (strings(a.volumes) ?? []).map((v) => /^([A-Za-z0-9][A-Za-z0-9_.-]*):(\/[^:]*)$/.exec(v)).find((m) => m && m[2] === dataPath)?.[1];
  const env = isHash(a.env) ? a.env : {};
  const clear = isHash(env.clear) ? env.clear : {};
  const secrets = strings(env.secret) ?? [];
  const password = secrets.find((x) => x === 'POSTGRES_PASSWORD' || x.startsWith('POSTGRES_PASSWORD:'));
  if (!volume || typeof clear.POSTGRES_DB !== 'string' || !password) return undefined;
  let port: number | undefined;
  if (a.port !== undefined) {
    const m = /^127\.0\.0\.1:(\d+):(\d+)$/.exec(String(a.port));
    if (!m || m[1] !== m[2]) return undefined;
    port = Number(m[1]);
  }
  const { POSTGRES_DB: db, POSTGRES_USER: user, PGPORT: _pgport, ...otherClear } = clear as Record<string, string>;
  const otherSecrets = secrets.filter((x) => x !== password);
  return clean({
    version: Number(version),
    host: a.host,
    volume,
    databases: [db],
    user: typeof user === 'string' ? user : undefined,
    passwordSecret: password.includes(':') ? password.slice(password.indexOf(':') + 1) : undefined,
    port,
    publishOnLoopback: a.port === undefined ? false : undefined,
    env: clean({ clear: Object.keys(otherClear).length ? otherClear : undefined, secrets: otherSecrets.length ? otherSecrets : undefined }),
  }) as PostgresAccessoryProps;
}

// ---------------------------------------------------------------------------------------------
// Secrets files

/** The secrets files of one `secrets_path` as sources; a value that is not a reference is not imported. */
function secretsPlan(root: string, secretsPath: string, warnings: ImportResult['warnings']): SecretsPlan {
  const plan: SecretsPlan = { path: secretsPath, common: {}, destinations: {}, withoutDestination: {} };
  const dir = path.join(root, path.dirname(secretsPath));
  const base = path.basename(secretsPath);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n === base || n === `${base}-common` || n.startsWith(`${base}.`)).sort() : [];
  for (const n of files) {
    const rel = path.posix.join(path.dirname(secretsPath), n);
    const set = n === base ? plan.withoutDestination : n === `${base}-common` ? plan.common : (plan.destinations[n.slice(base.length + 1)] ??= {});
    const lines = parseSecretsFile(fs.readFileSync(path.join(dir, n), 'utf8'));
    const fetches = new Map<string, { adapter: string; account?: string; from?: string }>();
    for (const l of lines) {
      const fetch = /^\$\(kamal secrets fetch (.*)\)$/.exec(unquote(l.value));
      if (fetch) {
        const args = fetch[1];
        const opt = (name: string) => new RegExp(`--${name}[ =]("[^"]*"|'[^']*'|\\S+)`).exec(args)?.[1]?.replace(/^["']|["']$/g, '');
        const adapter = opt('adapter');
        if (adapter) fetches.set(l.name, { adapter, account: opt('account'), from: opt('from') });
      }
    }
    for (const l of lines) {
      if (fetches.has(l.name)) continue;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(l.name)) {
        warnings.push({ file: rel, line: l.line, message: `${l.name} is not a name kamal-cdk can declare (letters, digits and '_'); it is left out` });
        continue;
      }
      const spec = secretSpec(unquote(l.value), l.name, fetches);
      const refused = spec && refusal(spec);
      if (!spec || refused) {
        const why = refused ? `its source is refused (${refused})` : 'it holds a value, not a reference';
        warnings.push({ file: rel, line: l.line, message: `${l.name}: ${why}; kamal-cdk never writes secret values, so it now reads $${l.name} from the environment` });
        set[l.name] = { source: 'env' };
      } else {
        set[l.name] = spec;
      }
    }
  }
  return plan;
}

/**
 * Declares, as read from the environment (`NAME=$NAME`, what `kamal init` writes), every secret a
 * config uses that none of the secrets files Kamal reads for that run declares (the files are
 * kept out of git, or written by CI, or only another run's file has it). Each run looks where
 * its merged config's `secrets_path` says: a run without destination gets the secret in
 * `<secrets_path>`, a run with one in `<secrets_path>-common` (a destination's own file still
 * wins over it). One warning per file names them all. A `secrets_path` that ERB computes can't
 * be written by synth: an error, and false (nothing to prove). The proof that follows builds the
 * secrets files with what was declared.
 */
function declareMissingSecrets(plan: ImportPlan, deploys: KamalDeploy[], targets: ImportTarget[], warnings: ImportResult['warnings'], errors: string[]): boolean {
  // secrets file -> secret -> where it is used, and the files that run reads
  const declared = new Map<string, Map<string, string[]>>();
  let blocked = false;
  for (const [i, d] of plan.deploys.entries()) {
    const deploy = deploys[i];
    const file = d.props.file ?? 'config/deploy.yml';
    for (const t of targets.filter((x) => x.file === file)) {
      const run = `${file}${t.destination ? ` -d ${t.destination}` : ''}`;
      const secretsPath = deploy.secretsPathOf(t.destination);
      const secrets = KamalSecrets.forPath(deploy, secretsPath);
      const missing = deploy.secretUses(t.destination).filter((use) => !secrets?.lookup(use.secret, t.destination).found);
      if (missing.length === 0) continue;
      if (Erb.isErb(secretsPath)) {
        errors.push(
          `${run}: secrets_path ${secretsPath} is computed by ERB; kamal-cdk writes the secrets files itself, at a path of the project, so it can't check or declare ${[...new Set(missing.map((u) => u.secret))].join(', ')} there. ` +
            'Set secrets_path to such a path (or leave it out), and import again',
        );
        blocked = true;
        continue;
      }
      let set = plan.secrets.find((x) => x.path === secretsPath);
      if (!set) plan.secrets.push((set = { path: secretsPath, common: {}, destinations: {}, withoutDestination: {} }));
      const where = t.destination === undefined ? set.withoutDestination : set.common;
      const secretsFile = t.destination === undefined ? secretsPath : `${secretsPath}-common`;
      const names = declared.get(secretsFile) ?? new Map<string, string[]>();
      declared.set(secretsFile, names);
      const reads = KamalSecrets.filesRead(secretsPath, t.destination).join(' and ');
      for (const use of missing) {
        where[use.secret] = { source: 'env' };
        const uses = names.get(use.secret) ?? [];
        const at = `${use.key} of ${run}, which reads ${reads}`;
        if (!uses.includes(at)) names.set(use.secret, [...uses, at]);
      }
    }
  }
  for (const [secretsFile, names] of declared) {
    const list = [...names].map(([name, uses]) => `${name} (${uses.join('; ')})`);
    warnings.push({
      file: secretsFile,
      message:
        `${names.size} secret(s) the configs use are in none of the files Kamal reads for them in this repository, so Kamal could not deploy from these files as they are: ${list.join(', ')}. ` +
        'Each is declared here as NAME=$NAME, read from the environment when Kamal deploys; if your deploys write the secrets files themselves, put their sources in synth.ts instead',
    });
  }
  return !blocked;
}

/** Why SecretSource refuses a spec (a command that prints a literal, an odd adapter argument), or undefined. */
function refusal(spec: SecretSpec): string | undefined {
  try {
    secretSource(spec);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function unquote(v: string): string {
  return /^"(.*)"$/s.test(v) || /^'(.*)'$/s.test(v) ? v.slice(1, -1) : v;
}

function secretSpec(value: string, name: string, fetches: Map<string, { adapter: string; account?: string; from?: string }>): SecretSpec | undefined {
  const env = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value);
  if (env) return env[1] === name ? { source: 'env' } : { source: 'env', variable: env[1] };
  // The key may be quoted, as 1Password item fields with spaces are: "Container Registry Password".
  const extract = /^\$\(kamal secrets extract ("[^"$`\\]*"|'[^']*'|\S+) \$\{?([A-Za-z_][A-Za-z0-9_]*)\}?\)$/.exec(value);
  if (extract && fetches.has(extract[2])) {
    const f = fetches.get(extract[2])!;
    const key = /^(["']).*\1$/s.test(extract[1]) ? extract[1].slice(1, -1) : extract[1];
    return { source: 'adapter', adapter: f.adapter, account: f.account, from: f.from, key: key === name ? undefined : key };
  }
  const command = /^\$\((.*)\)$/s.exec(value);
  if (command) return { source: 'command', command: command[1] };
  return undefined;
}
