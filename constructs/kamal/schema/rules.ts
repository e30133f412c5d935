import { Erb } from '../../../src/erb';
import { DocumentProblem, escapePointer } from '../../../src/schema';
import { canonical, deepMerge, isHash, YamlValue } from '../merge';
import { accessoryHosts, rolesOfServers, serverEntries, ServerRole } from '../servers';

/**
 * The checks Kamal 2.12 makes that a JSON Schema cannot express: cross-field rules, value
 * rules and completeness. Each reports Kamal's own message, so a problem found here reads
 * exactly like `kamal config` would print it.
 *
 * Rules run on a document that already passed the schema, so they can trust the types.
 * Kamal stops at its first error; these report every problem they find.
 */

/** The Kamal release these rules were read from. */
export const KAMAL_VERSION = '2.12.0';

/**
 * Top-level commands of `kamal` (`Kamal::Cli::Main.commands` in 2.12.0): an alias with one of
 * these names is rejected. Thor's own `help` is not among them.
 */
export const KAMAL_BUILT_IN_COMMANDS: ReadonlyArray<string> = [
  'setup', 'deploy', 'redeploy', 'rollback', 'details', 'audit', 'config', 'docs', 'init',
  'remove', 'upgrade', 'version', 'accessory', 'app', 'build', 'lock', 'proxy', 'prune',
  'registry', 'secrets', 'server',
];

/** How much of Kamal's checking applies to a document. */
export interface RuleOptions {
  /**
   * The document is a base file or a destination overlay on its own: skip what only a whole
   * effective config can answer (required keys, checks that combine keys another file may set).
   */
  readonly partial: boolean;
}

/** A parsed deploy document (the top level is always a hash once the schema passed). */
export type KamalDocument = Record<string, unknown>;

/**
 * One of Kamal's cross-key checks (what its validator does beyond the schema), with Kamal's message.
 */
export interface KamalRule {
  /** A stable name, for listings and tests. */
  readonly id: string;
  /**
   * Whether the rule also runs in partial mode; such a rule may still check less there (a
   * value's own shape, not whether it is missing).
   */
  readonly partial: boolean;
  /** `facts` are the document's derived facts (roles, merged role proxies), shared by the rules. */
  check(doc: KamalDocument, options: RuleOptions, facts: DocumentFacts): DocumentProblem[];
}

type Hash = KamalDocument;
type Segment = string | number;

const SSL_HOST = 'Must set a host to enable automatic SSL';
const HOST_XOR_HOSTS = "Specify one of 'host' or 'hosts', not both";
const MISSING_KEY = 'Missing private_key_pem setting (required when certificate_pem is present)';
const MISSING_CERT = 'Missing certificate_pem setting (required when private_key_pem is present)';
const PUBLISH_FALSE = 'Cannot set http_port, https_port or bind_ips when publish is false';
const RESERVED_LABELS = ['destination', 'role', 'service'];
const RESTART_POLICY = /^(?:no|always|unless-stopped|on-failure(?::\d+)?)$/;
const ACCESSORY_SELECTORS = ['host', 'hosts', 'role', 'roles', 'tag', 'tags'];
const HOOKS_OUTPUT_LEVELS = ['quiet', 'verbose'];
const HOOKS_OUTPUT_LEVEL_LIST = HOOKS_OUTPUT_LEVELS.join(', ');

// ---------------------------------------------------------------------------------------------
// Ruby semantics the rules depend on

function has(h: Hash, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(h, key);
}

/** Ruby truthiness: only nil and false are false. */
function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

/** ActiveSupport `present?`: not nil/false, not a blank string, not an empty array or hash. */
function present(v: unknown): boolean {
  if (!truthy(v)) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (isHash(v)) return Object.keys(v).length > 0;
  return true;
}

/** Ruby `String#split(',')`: trailing empty fields are dropped. */
function rubySplit(s: string): string[] {
  const parts = s.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

function pointer(path: ReadonlyArray<Segment>): string {
  return path.map((s) => `/${escapePointer(String(s))}`).join('');
}

/** A problem whose message carries Kamal's slash-path context, as the validator prints it. */
function at(path: ReadonlyArray<Segment>, message: string, where: ReadonlyArray<Segment> = path): DocumentProblem {
  const ctx = path.join('/');
  return { pointer: pointer(where), message: ctx ? `${ctx}: ${message}` : message };
}

/** A problem Kamal reports without context (its cross-field checks). */
function plain(where: ReadonlyArray<Segment>, message: string): DocumentProblem {
  return { pointer: pointer(where), message };
}

/** The deepest existing node on `path`, for problems about something missing. */
function existing(doc: Hash, path: ReadonlyArray<string>): string[] {
  const out: string[] = [];
  let node: unknown = doc;
  for (const key of path) {
    if (!isHash(node) || !has(node, key)) break;
    out.push(key);
    node = node[key];
  }
  return out;
}

function entries(v: unknown): Array<[string, unknown]> {
  return isHash(v) ? Object.entries(v) : [];
}

// ---------------------------------------------------------------------------------------------
// The model Kamal builds from servers and accessories

/** A role as Kamal builds it from `servers:` and `primary_role`, for the rules. */
export interface RoleView extends ServerRole {
  /** Whether this is the primary role (`primary_role`, else `web`). */
  readonly primary: boolean;
  /**
   * Whether its containers sit behind kamal-proxy: the primary role unless `proxy: false`, any other
   * role when `proxy` is `true` or a hash.
   */
  readonly runningProxy: boolean;
}

function primaryRoleName(doc: Hash): string {
  return truthy(doc.primary_role) ? String(doc.primary_role) : 'web';
}

/** Roles in Kamal's order (sorted by name), with their hosts and whether they run the proxy. */
function rolesOf(doc: Hash): RoleView[] {
  const primary = primaryRoleName(doc);
  return rolesOfServers(doc.servers).map((role) => {
    const isPrimary = role.name === primary;
    // The primary role runs the proxy unless it says `proxy: false`; others only when asked.
    const runningProxy = isPrimary ? role.config.proxy !== false : truthy(role.config.proxy);
    return { name: role.name, path: role.path, config: role.config, listForm: role.listForm, entries: role.entries, hosts: role.hosts, primary: isPrimary, runningProxy };
  });
}

/** A role's effective proxy: the root proxy deep-merged with the role's own hash (role wins). */
function roleProxy(doc: Hash, role: RoleView): Hash {
  // Kamal's role proxy: the root proxy deep-merged with the role's (ActiveSupport deep_merge).
  return deepMerge((isHash(doc.proxy) ? doc.proxy : {}) as YamlValue, (isHash(role.config.proxy) ? role.config.proxy : {}) as YamlValue) as Hash;
}

/**
 * What several rules derive from one document: its roles, each role's merged proxy, its
 * accessories. Each is worked out on first use and then shared by the rules checking that
 * document; a new DocumentFacts is made for every check, so nothing outlives the document.
 * The values are read-only to the rules.
 */
export class DocumentFacts {
  private rolesMemo?: RoleView[];
  private accessoriesMemo?: Array<[string, unknown]>;
  private readonly roleProxies = new Map<RoleView, Hash>();

  constructor(private readonly doc: KamalDocument) {}

  /** Roles in Kamal's order (sorted by name), with their hosts and whether they run the proxy. */
  public get roles(): RoleView[] {
    return (this.rolesMemo ??= rolesOf(this.doc));
  }

  /** `accessories` as name/value pairs (values not yet checked to be hashes). */
  public get accessories(): Array<[string, unknown]> {
    return (this.accessoriesMemo ??= entries(this.doc.accessories));
  }

  /** A role's effective proxy: the root proxy deep-merged with the role's own hash (role wins). */
  public roleProxy(role: RoleView): KamalDocument {
    let proxy = this.roleProxies.get(role);
    if (!proxy) {
      proxy = roleProxy(this.doc, role);
      this.roleProxies.set(role, proxy);
    }
    return proxy;
  }
}

/** The hosts a proxy answers for: `hosts`, else `host` split on commas (repeats kept). */
function proxyHosts(proxy: Hash): string[] {
  if (truthy(proxy.hosts)) return serverEntries(proxy.hosts).map((e) => e.host);
  if (truthy(proxy.host)) return rubySplit(String(proxy.host));
  return [];
}

function customCertificate(proxy: Hash): boolean {
  return isHash(proxy.ssl) && present(proxy.ssl.certificate_pem) && present(proxy.ssl.private_key_pem);
}

function isLocalRegistry(registry: unknown): boolean {
  // Kamal's pattern is `^localhost[:$]`: a bracket, so a bare `localhost` is not local.
  return isHash(registry) && /^localhost[:$]/m.test(String(registry.server ?? ''));
}

// ---------------------------------------------------------------------------------------------
// Proxy hash checks (Kamal's proxy validator), shared by root, role and accessory proxies

interface ProxyCheck {
  readonly id: string;
  /** Sound on a fragment: keys can't be removed by a merge, so both stay present. */
  readonly partial: boolean;
  readonly fails: (proxy: Hash) => boolean;
  readonly message: string;
}

const PROXY_CHECKS: ReadonlyArray<ProxyCheck> = [
  {
    id: 'ssl-needs-host',
    partial: false,
    fails: (p) => !present(p.host) && !present(p.hosts) && truthy(p.ssl),
    message: SSL_HOST,
  },
  { id: 'host-xor-hosts', partial: true, fails: (p) => has(p, 'host') && has(p, 'hosts'), message: HOST_XOR_HOSTS },
  {
    id: 'ssl-private-key',
    partial: false,
    fails: (p) => isHash(p.ssl) && present(p.ssl.certificate_pem) && !present(p.ssl.private_key_pem),
    message: MISSING_KEY,
  },
  {
    id: 'ssl-certificate',
    partial: false,
    fails: (p) => isHash(p.ssl) && present(p.ssl.private_key_pem) && !present(p.ssl.certificate_pem),
    message: MISSING_CERT,
  },
  {
    id: 'run-publish',
    partial: false,
    fails: (p) => isHash(p.run) && p.run.publish === false
      && (present(p.run.bind_ips) || present(p.run.http_port) || present(p.run.https_port)),
    message: PUBLISH_FALSE,
  },
];

function failingProxyChecks(proxy: Hash, partial: boolean): ProxyCheck[] {
  return PROXY_CHECKS.filter((c) => (c.partial || !partial) && c.fails(proxy));
}

// ---------------------------------------------------------------------------------------------
// The rules

const reservedLabels: KamalRule = {
  id: 'reserved-labels',
  partial: true,
  check(_doc, _options, facts) {
    const problems: DocumentProblem[] = [];
    const scan = (base: string[], labels: unknown) => {
      for (const [key] of entries(labels)) {
        if (RESERVED_LABELS.includes(key)) {
          problems.push(at([...base, 'labels', key], 'invalid label. destination, role, and service are reserved labels'));
        }
      }
    };
    for (const role of facts.roles) scan([...role.path], role.config.labels);
    for (const [name, acc] of facts.accessories) if (isHash(acc)) scan(['accessories', name], acc.labels);
    return problems;
  },
};

const restartPolicy: KamalRule = {
  id: 'restart-policy',
  partial: true,
  check(_doc, _options, facts) {
    const problems: DocumentProblem[] = [];
    const scan = (base: string[], options: unknown) => {
      if (!isHash(options) || !has(options, 'restart')) return;
      const value = options.restart;
      const path = [...base, 'options', 'restart'];
      if (typeof value !== 'string') problems.push(at(path, 'should be a string. Use "no" to disable restarts'));
      else if (!Erb.isErb(value) && !RESTART_POLICY.test(value)) problems.push(at(path, 'should be no, always, unless-stopped, on-failure, or on-failure:N'));
    };
    for (const role of facts.roles) scan([...role.path], role.config.options);
    for (const [name, acc] of facts.accessories) if (isHash(acc)) scan(['accessories', name], acc.options);
    return problems;
  },
};

const envTagsInRootOnly: KamalRule = {
  id: 'env-tags-root-only',
  partial: true,
  check(doc, _options, facts) {
    const problems: DocumentProblem[] = [];
    const scan = (path: string[], env: unknown) => {
      if (isHash(env) && has(env, 'tags')) problems.push(at(path, 'tags are only allowed in the root env', [...path, 'tags']));
    };
    for (const role of facts.roles) scan([...role.path, 'env'], role.config.env);
    for (const [name, acc] of facts.accessories) if (isHash(acc)) scan(['accessories', name, 'env'], acc.env);
    if (isHash(doc.env)) for (const [tag, env] of entries(doc.env.tags)) scan(['env', 'tags', tag], env);
    return problems;
  },
};

const proxySettings: KamalRule = {
  id: 'proxy-settings',
  partial: true,
  check(doc, { partial }, facts) {
    const problems: DocumentProblem[] = [];
    const roles = facts.roles;
    const own = (path: string[], proxy: Hash) => {
      const failing = failingProxyChecks(proxy, partial);
      for (const c of failing) problems.push(at(path, c.message));
      return failing;
    };
    const roleFailures = new Map<string, ProxyCheck[]>();
    for (const role of roles) {
      if (isHash(role.config.proxy)) roleFailures.set(role.name, own([...role.path, 'proxy'], role.config.proxy));
    }
    for (const [name, acc] of facts.accessories) {
      if (isHash(acc) && isHash(acc.proxy) && present(acc.proxy)) own(['accessories', name, 'proxy'], acc.proxy);
    }
    const rootFailures = isHash(doc.proxy) ? own(['proxy'], doc.proxy) : [];
    if (partial) return problems;

    // Kamal validates each running role's merged proxy again, in the root's `proxy` context.
    // Only report what the merge itself causes, not a repeat of the root's or the role's own.
    for (const role of roles.filter((r) => r.runningProxy)) {
      const seen = [...rootFailures, ...(roleFailures.get(role.name) ?? [])];
      const where = isHash(role.config.proxy) ? [...role.path, 'proxy'] : ['proxy'];
      for (const c of failingProxyChecks(facts.roleProxy(role), false)) {
        if (!seen.includes(c)) problems.push(at(['proxy'], c.message, where));
      }
    }
    return problems;
  },
};

const registryCredentials: KamalRule = {
  id: 'registry-credentials',
  partial: true,
  check(doc, { partial }, facts) {
    const problems: DocumentProblem[] = [];
    const scan = (path: string[], registry: unknown) => {
      if (isLocalRegistry(registry)) return;
      const reg = isHash(registry) ? registry : {};
      for (const key of ['username', 'password']) {
        const value = reg[key];
        if (!present(value)) {
          // Missing is completeness; a key given blank is wrong even in a fragment.
          if (!partial || has(reg, key)) problems.push(at([...path, key], 'is required', existing(doc, [...path, key])));
        } else if (!(typeof value === 'string' || (Array.isArray(value) && value.length === 1 && typeof value[0] === 'string'))) {
          problems.push(at([...path, key], 'should be a string or an array with one string (for secret lookup)'));
        }
      }
    };
    if (!partial || has(doc, 'registry')) scan(['registry'], doc.registry);
    for (const [name, acc] of facts.accessories) {
      // An accessory registry is only read (and checked) when it is given.
      if (isHash(acc) && present(acc.registry)) scan(['accessories', name, 'registry'], acc.registry);
    }
    return problems;
  },
};

const accessoryHostSelector: KamalRule = {
  id: 'accessory-host-selector',
  partial: true,
  check(_doc, { partial }, facts) {
    const problems: DocumentProblem[] = [];
    for (const [name, acc] of facts.accessories) {
      if (!isHash(acc)) continue;
      const count = ACCESSORY_SELECTORS.filter((k) => has(acc, k)).length;
      // A fragment may leave the selector to the other file, but never set two.
      if (partial ? count > 1 : count !== 1) {
        problems.push(at(['accessories', name], 'specify one of `host`, `hosts`, `role`, `roles`, `tag` or `tags`'));
      }
    }
    return problems;
  },
};

const accessoryRoles: KamalRule = {
  id: 'accessory-roles',
  partial: false,
  check(_doc, _options, facts) {
    const names = facts.roles.map((r) => r.name);
    const problems: DocumentProblem[] = [];
    for (const [name, acc] of facts.accessories) {
      if (!isHash(acc)) continue;
      if (Array.isArray(acc.roles)) {
        const missing = acc.roles.filter((r) => typeof r !== 'string' || !names.includes(r));
        if (missing.length > 0) problems.push(at(['accessories', name], `unknown roles ${missing.map(String).join(', ')}`, ['accessories', name, 'roles']));
      } else if (truthy(acc.role) && !names.includes(String(acc.role))) {
        problems.push(at(['accessories', name], `unknown role ${String(acc.role)}`, ['accessories', name, 'role']));
      }
    }
    return problems;
  },
};

const accessoryProxyHash: KamalRule = {
  id: 'accessory-proxy-hash',
  partial: true,
  check(_doc, _options, facts) {
    // `proxy: false` reads as no proxy; `true` reaches the proxy validator, which wants a hash.
    return facts.accessories
      .filter(([, acc]) => isHash(acc) && acc.proxy === true)
      .map(([name]) => at(['accessories', name, 'proxy'], 'should be a hash'));
  },
};

const aliasNames: KamalRule = {
  id: 'alias-names',
  partial: true,
  check(doc) {
    const problems: DocumentProblem[] = [];
    for (const [name] of entries(doc.aliases)) {
      if (!/^[a-z0-9_-]+$/.test(name)) {
        problems.push(at(['aliases', name], `Invalid alias name: '${name}'. Must only contain lowercase letters, alphanumeric, hyphens and underscores.`));
      } else if (KAMAL_BUILT_IN_COMMANDS.includes(name)) {
        problems.push(at(['aliases', name], `Alias '${name}' conflicts with a built-in command.`));
      }
    }
    return problems;
  },
};

const builderSettings: KamalRule = {
  id: 'builder',
  partial: true,
  check(doc, { partial }) {
    const problems: DocumentProblem[] = [];
    const builder = isHash(doc.builder) ? doc.builder : {};
    const cache = builder.cache;
    if (isHash(cache) && truthy(cache.type) && !['gha', 'registry'].includes(cache.type as string)) {
      problems.push(at(['builder'], `Invalid cache type: ${String(cache.type)}`, ['builder', 'cache', 'type']));
    }
    if (partial) return problems;
    if (!present(builder.arch)) problems.push(at(['builder'], 'Builder arch not set', existing(doc, ['builder', 'arch'])));
    if (truthy(builder.pack) && Array.isArray(builder.arch) && builder.arch.length > 1) {
      problems.push(at(['builder'], 'buildpacks only support building for one arch', ['builder', 'pack']));
    }
    if (builder.local === false && !present(builder.remote)) {
      problems.push(at(['builder'], 'Cannot disable local builds, no remote is set', ['builder', 'local']));
    }
    return problems;
  },
};

const requiredKeys: KamalRule = {
  id: 'required-keys',
  partial: false,
  check(doc, _options, facts) {
    const problems: DocumentProblem[] = [];
    if (!present(doc.service)) problems.push(plain([], 'Missing required configuration for service'));
    // A local registry names the image after the service.
    if (!present(doc.image) && !isLocalRegistry(doc.registry)) problems.push(plain([], 'Missing required configuration for image'));

    if (!has(doc, 'servers')) {
      if (!present(doc.accessories)) problems.push(plain([], 'No servers or accessories specified'));
      return problems;
    }
    const roles = facts.roles;
    const primaryName = primaryRoleName(doc);
    const primary = roles.find((r) => r.primary);
    if (!primary) {
      problems.push(plain(has(doc, 'primary_role') ? ['primary_role'] : ['servers'], `The primary_role ${primaryName} isn't defined`));
    } else if (primary.hosts.length === 0) {
      problems.push(plain(primary.path, `No servers specified for the ${primary.name} primary_role`));
    }
    if (!truthy(doc.allow_empty_roles)) {
      for (const role of roles) {
        if (!role.primary && role.hosts.length === 0) {
          problems.push(plain(role.path, `No servers specified for the ${role.name} role. You can ignore this with allow_empty_roles: true`));
        }
      }
    }
    return problems;
  },
};

/** Ruby `Gem::Version` segments, or undefined for a string Gem::Version refuses. */
function gemSegments(version: string): Array<number | string> | undefined {
  if (!/^\s*([0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*$/.test(version)) return undefined;
  const parts = (version.trim().replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi) ?? ['0'])
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  // Trailing zeros of the release part and of the pre-release part do not count.
  const firstString = parts.findIndex((s) => typeof s === 'string');
  const release = firstString < 0 ? parts : parts.slice(0, firstString);
  const pre = firstString < 0 ? [] : parts.slice(firstString);
  const trim = (xs: Array<number | string>) => {
    const out = [...xs];
    while (out.length > 0 && out[out.length - 1] === 0) out.pop();
    return out;
  };
  return [...trim(release), ...trim(pre)];
}

function compareGem(a: Array<number | string>, b: Array<number | string>): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const l = a[i] ?? 0;
    const r = b[i] ?? 0;
    if (l === r) continue;
    // A pre-release segment sorts before any number.
    if (typeof l === 'string' && typeof r === 'number') return -1;
    if (typeof l === 'number' && typeof r === 'string') return 1;
    return l < r ? -1 : 1;
  }
  return 0;
}

const minimumVersion: KamalRule = {
  id: 'minimum-version',
  partial: true,
  check(doc) {
    if (!truthy(doc.minimum_version) || Erb.isErb(doc.minimum_version)) return [];
    const wanted = String(doc.minimum_version);
    const segments = gemSegments(wanted);
    if (!segments) return [plain(['minimum_version'], `Malformed version number string ${wanted}`)];
    if (compareGem(segments, gemSegments(KAMAL_VERSION)!) > 0) {
      return [plain(['minimum_version'], `Current version is ${KAMAL_VERSION}, minimum required is ${wanted}`)];
    }
    return [];
  },
};

const retainContainers: KamalRule = {
  id: 'retain-containers',
  partial: true,
  check(doc) {
    const n = doc.retain_containers;
    return typeof n === 'number' && n < 1 ? [plain(['retain_containers'], 'Must retain at least 1 container')] : [];
  },
};

const serviceName: KamalRule = {
  id: 'service-name',
  partial: true,
  check(doc, { partial }) {
    const service = doc.service;
    if (!has(doc, 'service') || (!partial && !present(service))) return [];
    // Ruby's `^...$` match any line, hence the `m` flag. A model's ERB (kept for Kamal to run)
    // gives a value known only when Kamal deploys, so it is not judged here (nor in values.ts).
    if (typeof service === 'string' && (Erb.isErb(service) || /^[a-z0-9_-]+$/im.test(service))) return [];
    return [plain(['service'], 'Service name can only include alphanumeric characters, hyphens, and underscores')];
  },
};

const sslSingleHost: KamalRule = {
  id: 'ssl-single-host',
  partial: false,
  check(_doc, _options, facts) {
    return facts.roles
      .filter((role) => {
        if (!role.runningProxy || role.hosts.length < 2) return false;
        const proxy = facts.roleProxy(role);
        return truthy(proxy.ssl) && !customCertificate(proxy);
      })
      .map((role) => plain(role.path, `SSL is only supported on a single server unless you provide custom certificates, found ${role.hosts.length} servers for role ${role.name}`));
  },
};

const sslUniqueHosts: KamalRule = {
  id: 'ssl-unique-hosts',
  partial: false,
  check(_doc, _options, facts) {
    const hosts = facts.roles
      .filter((role) => role.runningProxy && truthy(facts.roleProxy(role).ssl))
      .flatMap((role) => proxyHosts(facts.roleProxy(role)));
    const duplicates = hosts.filter((h, i) => hosts.indexOf(h) === i && hosts.indexOf(h, i + 1) >= 0);
    return duplicates.length > 0 ? [plain(['servers'], `Different roles can't share the same host for SSL: ${duplicates.join(', ')}`)] : [];
  },
};

const localRegistryRemoteBuilder: KamalRule = {
  id: 'local-registry-remote-builder',
  partial: false,
  check(doc) {
    if (!isLocalRegistry(doc.registry) || !isHash(doc.builder)) return [];
    const { remote, arch, local } = doc.builder;
    if (!truthy(remote) || !present(arch)) return [];
    // Which arches build remotely depends on the local Docker's arch; only flag the cases where
    // some arch is remote on any machine: local builds off, or two different arches.
    const arches = (Array.isArray(arch) ? arch : [arch]).map(String);
    const remoteForSure = local === false ? arches.length > 0 : new Set(arches).size > 1;
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(String(remote))?.[1];
    if (remoteForSure && scheme?.toLowerCase() !== 'ssh') {
      return [plain(['builder', 'remote'], 'Local registry with remote builder requires an SSH URL (e.g., ssh://user@host)')];
    }
    return [];
  },
};

const proxyRunConflicts: KamalRule = {
  id: 'proxy-run-conflicts',
  partial: false,
  check(_doc, _options, facts) {
    const roles = facts.roles;
    // Each role running the proxy, and each accessory with a proxy, asks for its `run` settings
    // (compared by canonical identity, worked out once per user).
    const users: Array<{ hosts: string[]; run: string | undefined }> = [];
    for (const role of roles) {
      const run = role.runningProxy ? facts.roleProxy(role).run : undefined;
      users.push({ hosts: role.hosts, run: present(run) ? canonical(run) : undefined });
    }
    for (const [, acc] of facts.accessories) {
      if (!isHash(acc)) continue;
      const run = isHash(acc.proxy) && present(acc.proxy) ? acc.proxy.run : undefined;
      users.push({ hosts: accessoryHosts(acc, roles), run: present(run) ? canonical(run) : undefined });
    }
    const allHosts = [...new Set(users.flatMap((u) => u.hosts))];
    const problems: DocumentProblem[] = [];
    for (const host of allHosts) {
      const runs = new Set(users.filter((u) => u.run !== undefined && u.hosts.includes(host)).map((u) => u.run));
      if (runs.size > 1) problems.push(plain([], `Conflicting proxy run configurations for host ${host}`));
    }
    return problems;
  },
};

/** A hooks_output level; Psych reads a plain `:verbose` as a symbol, YAML for JS as `":verbose"`. */
function validHooksLevel(level: unknown): boolean {
  return typeof level === 'string' && HOOKS_OUTPUT_LEVELS.includes(level.replace(/^:/, ''));
}

const hooksOutput: KamalRule = {
  id: 'hooks-output',
  partial: true,
  check(doc) {
    const value = doc.hooks_output;
    const levels = HOOKS_OUTPUT_LEVEL_LIST;
    if (typeof value === 'string') {
      return validHooksLevel(value) ? [] : [plain(['hooks_output'], `Invalid hooks_output '${value.replace(/^:/, '')}', must be one of: ${levels}`)];
    }
    // Numbers and booleans pass Kamal at the top level (it ignores them) but not per hook.
    return entries(value)
      .filter(([, level]) => !validHooksLevel(level))
      .map(([hook, level]) => plain(['hooks_output', hook], `Invalid hooks_output '${String(level).replace(/^:/, '')}' for hook '${hook}', must be one of: ${levels}`));
  },
};

/** Every rule, in the order Kamal would meet the problems. */
export const KAMAL_RULES: ReadonlyArray<KamalRule> = [
  reservedLabels,
  restartPolicy,
  envTagsInRootOnly,
  proxySettings,
  registryCredentials,
  accessoryHostSelector,
  accessoryRoles,
  accessoryProxyHash,
  aliasNames,
  builderSettings,
  requiredKeys,
  minimumVersion,
  retainContainers,
  serviceName,
  sslSingleHost,
  sslUniqueHosts,
  localRegistryRemoteBuilder,
  proxyRunConflicts,
  hooksOutput,
];

/** Runs the rules that apply in this mode on a document that passed the schema. */
export function checkKamalRules(doc: KamalDocument, options: RuleOptions): DocumentProblem[] {
  const facts = new DocumentFacts(doc);
  const problems: DocumentProblem[] = [];
  for (const rule of KAMAL_RULES) {
    if (rule.partial || !options.partial) problems.push(...rule.check(doc, options, facts));
  }
  return problems;
}
