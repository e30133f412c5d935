/**
 * An imported estate as a list of construct statements. One plan has two readers: `emitTypeScript`
 * writes it as a synth.ts, `buildPlan` builds the same constructs in memory (to prove, at import
 * time, that they reproduce the repository's merged configs, and to work out the overrides that
 * carry what the typed props don't).
 */
import { Construct } from 'constructs';
import { App } from '../../src/app';
import { Accessory, AccessoryProps } from '../../constructs/kamal/accessory';
import { KamalDeploy, KamalDeployProps, DestinationProps } from '../../constructs/kamal/deploy';
import { PostgresAccessory, PostgresAccessoryProps } from '../../constructs/kamal/postgres';
import { KamalSecrets, SecretSource } from '../../constructs/kamal/secrets';

/** How a secret's value is made, as the secrets file says. */
export type SecretSpec =
  | { readonly source: 'env'; readonly variable?: string }
  | { readonly source: 'command'; readonly command: string }
  | { readonly source: 'adapter'; readonly adapter: string; readonly account?: string; readonly from?: string; readonly key?: string };

/** One `secrets_path`'s files, as KamalSecrets props. */
export interface SecretsPlan {
  /** The `secrets_path` (`.kamal/secrets`). */
  readonly path: string;
  /** `<path>-common`. */
  readonly common: Record<string, SecretSpec>;
  /** `<path>.<destination>`, by destination. */
  readonly destinations: Record<string, Record<string, SecretSpec>>;
  /** `<path>` (read without a destination). */
  readonly withoutDestination: Record<string, SecretSpec>;
}

/** An escape-hatch setting: `addOverride` or `addDeletionOverride`. */
export interface OverridePlan {
  /** The path in the merged config, one segment per key. */
  readonly path: string[];
  /** The value set; absent for a deletion. */
  readonly value?: unknown;
  /** Remove the key instead. */
  readonly delete?: boolean;
  /** Only in this destination. @default - every destination */
  readonly destination?: string;
}

/** An accessory construct. */
export interface AccessoryPlan {
  /** The accessory's name (its key under `accessories:`). */
  readonly name: string;
  /** `undefined`: the config's own; otherwise declared under that destination. */
  readonly destination?: string;
  /** Its typed props, as an Accessory. */
  readonly props: AccessoryProps;
  /** When it fits PostgresAccessory: those props instead. */
  postgres?: PostgresAccessoryProps;
}

/** A destination of a config. */
export interface DestinationPlan {
  /** `-d <name>`. */
  readonly name: string;
  /** What it lays over the config's settings. */
  readonly props: DestinationProps;
}

/** A KamalDeploy and what hangs off it. */
export interface DeployPlan {
  /** Construct id, and the variable name in synth.ts. */
  readonly id: string;
  /** Its typed props (the settings every destination shares). */
  readonly props: KamalDeployProps;
  /** Its destinations, in name order. */
  readonly destinations: DestinationPlan[];
  /** Its accessories (the config's own, then each destination's). */
  readonly accessories: AccessoryPlan[];
  /** What the typed props don't give, worked out by comparing with the repository. */
  overrides: OverridePlan[];
}

/** An imported estate. */
export interface ImportPlan {
  /** One per `secrets_path` the configs use. */
  readonly secrets: SecretsPlan[];
  /** One per config family. */
  readonly deploys: DeployPlan[];
}

/** Builds the plan's constructs under a new App (nothing is written). */
export function buildPlan(plan: ImportPlan): { app: App; deploys: KamalDeploy[] } {
  const app = new App();
  for (const s of plan.secrets) {
    const src = (set: Record<string, SecretSpec>) => Object.fromEntries(Object.entries(set).map(([k, v]) => [k, secretSource(v)]));
    new KamalSecrets(app, secretsId(s.path), {
      path: s.path === '.kamal/secrets' ? undefined : s.path,
      common: src(s.common),
      destinations: Object.fromEntries(Object.entries(s.destinations).map(([d, set]) => [d, src(set)])),
      withoutDestination: src(s.withoutDestination),
    });
  }
  const deploys: KamalDeploy[] = [];
  for (const d of plan.deploys) {
    const deploy = new KamalDeploy(app, d.id, d.props);
    const scopes = new Map<string | undefined, Construct>([[undefined, deploy]]);
    for (const dest of d.destinations) scopes.set(dest.name, deploy.addDestination(dest.name, dest.props));
    for (const a of d.accessories) {
      const scope = scopes.get(a.destination) as KamalDeploy;
      if (a.postgres) new PostgresAccessory(scope, a.name, a.postgres);
      else new Accessory(scope, a.name, a.props);
    }
    for (const o of d.overrides) {
      const path = o.path.map(escapeSegment).join('.');
      if (o.delete) deploy.addDeletionOverride(path, o.destination);
      else deploy.addOverride(path, o.value, o.destination);
    }
    deploys.push(deploy);
  }
  return { app, deploys };
}

/** The SecretSource a spec stands for. */
export function secretSource(s: SecretSpec): SecretSource {
  if (s.source === 'env') return SecretSource.env(s.variable);
  if (s.source === 'command') return SecretSource.command(s.command);
  return SecretSource.adapter({ adapter: s.adapter, account: s.account, from: s.from, key: s.key });
}

function secretsId(path: string): string {
  return path === '.kamal/secrets' ? 'Secrets' : `Secrets-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/** An override path segment: dots escaped as addOverride reads them. */
export function escapeSegment(s: string): string {
  return s.replace(/\./g, '\\.');
}

// ---------------------------------------------------------------------------------------------
// TypeScript

/** synth.ts for the plan, importing from 'kamal-cdk'. `header` lines become a leading comment. */
export function emitTypeScript(plan: ImportPlan, header: string[]): string {
  const used = new Set<string>(['App']);
  const out: string[] = [];
  const lit = (v: unknown, indent: string) => literal(v, indent, used);
  out.push('const app = new App();', '');
  for (const s of plan.secrets) {
    used.add('KamalSecrets');
    used.add('SecretSource');
    const props: Record<string, unknown> = {};
    if (s.path !== '.kamal/secrets') props.path = s.path;
    if (Object.keys(s.common).length) props.common = secretsMarker(s.common);
    if (Object.keys(s.destinations).length) props.destinations = Object.fromEntries(Object.entries(s.destinations).map(([d, set]) => [d, secretsMarker(set)]));
    if (Object.keys(s.withoutDestination).length) props.withoutDestination = secretsMarker(s.withoutDestination);
    out.push(`new KamalSecrets(app, ${q(secretsId(s.path))}, ${lit(props, '')});`, '');
  }
  for (const d of plan.deploys) {
    used.add('KamalDeploy');
    const v = variable(d.id);
    out.push(`// ${d.props.file ?? 'config/deploy.yml'}`);
    const referenced = d.destinations.length > 0 || d.accessories.length > 0 || d.overrides.length > 0;
    out.push(`${referenced ? `const ${v} = ` : ''}new KamalDeploy(app, ${q(d.id)}, ${lit(d.props, '')});`);
    const destVars = new Map<string, string>();
    for (const dest of d.destinations) {
      const props = Object.keys(dest.props).length ? `, ${lit(dest.props, '')}` : '';
      // A variable only for a destination that accessories are declared under.
      if (d.accessories.some((a) => a.destination === dest.name)) {
        const dv = variable(`${v}-${dest.name}`);
        destVars.set(dest.name, dv);
        out.push(`const ${dv} = ${v}.addDestination(${q(dest.name)}${props});`);
      } else {
        out.push(`${v}.addDestination(${q(dest.name)}${props});`);
      }
    }
    for (const a of d.accessories) {
      const cls = a.postgres ? 'PostgresAccessory' : 'Accessory';
      used.add(cls);
      const scope = a.destination === undefined ? v : destVars.get(a.destination)!;
      out.push(`new ${cls}(${scope}, ${q(a.name)}, ${lit(a.postgres ?? a.props, '')});`);
    }
    if (d.overrides.length > 0) {
      out.push('// Settings the typed props above do not express (yet), set in the merged config as Kamal reads it:');
      for (const o of d.overrides) {
        const path = q(o.path.map(escapeSegment).join('.'));
        const dest = o.destination === undefined ? '' : `, ${q(o.destination)}`;
        if (o.delete) out.push(`${v}.addDeletionOverride(${path}${dest});`);
        else out.push(`${v}.addOverride(${path}, ${lit(o.value, '')}${dest});`);
      }
    }
    out.push('');
  }
  out.push('app.synth();');
  const imports = [...used].sort();
  return [...header.map((h) => `// ${h}`), `import { ${imports.join(', ')} } from 'kamal-cdk';`, '', ...out].join('\n') + '\n';
}

const SECRETS_MARKER = Symbol('secrets');

function secretsMarker(set: Record<string, SecretSpec>): unknown {
  return { [SECRETS_MARKER]: true, ...set };
}

function variable(id: string): string {
  const words = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words.map((w, i) => (i === 0 ? w[0].toLowerCase() + w.slice(1) : w[0].toUpperCase() + w.slice(1))).join('');
  return /^[0-9]/.test(name) ? `_${name}` : RESERVED.has(name) ? `${name}Config` : name;
}

const RESERVED = new Set(['app', 'new', 'delete', 'default', 'class', 'function', 'const', 'let', 'var', 'import', 'export', 'return', 'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'break', 'continue', 'this', 'super', 'null', 'true', 'false', 'in', 'of', 'typeof', 'void', 'with', 'yield', 'enum', 'await']);

function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

function key(k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : q(k);
}

/** A TypeScript literal; ERB environment references as Erb calls. */
function literal(v: unknown, indent: string, used: Set<string>): string {
  const next = `${indent}  `;
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') {
    const env = /^<%= ENV\["([A-Za-z_][A-Za-z0-9_]*)"\] %>$/.exec(v);
    if (env) {
      used.add('Erb');
      return `Erb.env(${q(env[1])})`;
    }
    const fetch = /^<%= ENV\.fetch\("([A-Za-z_][A-Za-z0-9_]*)"\) %>$/.exec(v);
    if (fetch) {
      used.add('Erb');
      return `Erb.fetchEnv(${q(fetch[1])})`;
    }
    return q(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `new Date(${q(v.toISOString())})`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    const items = v.map((x) => literal(x, next, used));
    const flat = `[${items.join(', ')}]`;
    return flat.length < 80 && !flat.includes('\n') ? flat : `[\n${items.map((i) => `${next}${i},`).join('\n')}\n${indent}]`;
  }
  if (typeof v === 'object') {
    const o = v as Record<string | symbol, unknown>;
    if (o[SECRETS_MARKER]) {
      const entries = Object.entries(o).map(([k, s]) => `${next}${key(k)}: ${secretCall(s as SecretSpec)},`);
      return entries.length ? `{\n${entries.join('\n')}\n${indent}}` : '{}';
    }
    const entries = Object.entries(o).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${next}${key(k)}: ${literal(x, next, used)},`).join('\n')}\n${indent}}`;
  }
  return q(String(v));
}

function secretCall(s: SecretSpec): string {
  if (s.source === 'env') return `SecretSource.env(${s.variable === undefined ? '' : q(s.variable)})`;
  if (s.source === 'command') return `SecretSource.command(${q(s.command)})`;
  const props = [`adapter: ${q(s.adapter)}`, s.account !== undefined && `account: ${q(s.account)}`, s.from !== undefined && `from: ${q(s.from)}`, s.key !== undefined && `key: ${q(s.key)}`].filter(Boolean);
  return `SecretSource.adapter({ ${props.join(', ')} })`;
}
