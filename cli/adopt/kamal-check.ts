/**
 * Kamal's verdict on a loaded config, every problem at once, the one Kamal raises first first.
 *
 * The problems come from the one KamalConfigValidator synth uses. Two things are added here:
 * - when the schema fails, the rules still run on what is left once the failing nodes are taken
 *   out (a rule about a part that the schema rejected is dropped, not guessed);
 * - the problems are put in the order `Kamal::Configuration#initialize` meets them: the root
 *   validator, then the roles sorted by name, the registry, each accessory in file order,
 *   aliases, boot, builder, root env, logging, output, the root proxy, ssh and sshkit, and last
 *   the cross-field checks (`ensure_*`) in their order.
 */
import { compileSchema, DocumentProblem } from '../../src/schema';
import { isHash, YamlValue } from '../../constructs/kamal/merge';
import { KAMAL_DEPLOY_SCHEMA, KAMAL_DEPLOY_VALIDATOR, KamalConfigValidator } from '../../constructs/kamal/schema';

/** What is checked: a whole config or a fragment, with or without `-d`. */
export interface KamalCheckOptions {
  /** A base or overlay on its own (a fragment): only what a file alone can get wrong. */
  readonly partial?: boolean;
  /** Kamal runs without `-d`: a config with `require_destination: true` is refused. */
  readonly withoutDestination?: boolean;
}

/** Kamal's message for a config that needs `-d` when run without it (an ArgumentError). */
export const MUST_SPECIFY_DESTINATION = 'You must specify a destination';

/** Sections Kamal validates after the root validator, in its order (`Configuration#initialize`). */
const SECTION_ORDER = ['servers', 'registry', 'accessories', 'aliases', 'boot', 'builder', 'env', 'logging', 'output', 'proxy', 'ssh', 'sshkit'];

/** The cross-field checks' messages, in the order Kamal runs them. */
const CROSS_FIELD: RegExp[] = [
  /^You must specify a destination$/,
  /^Missing required configuration for service$/,
  /^Missing required configuration for registry$/,
  /^Missing required configuration for image$/,
  /^No servers or accessories specified$/,
  /^The primary_role .* isn't defined$/,
  /^No servers specified for the .* primary_role$/,
  /^No servers specified for the .* role\./,
  /^(Current version is|Malformed version number)/,
  /^Must retain at least 1 container$/,
  /^Service name can only include/,
  /^Found .*, these should be renamed/,
  /^SSL is only supported on a single server/,
  /^Different roles can't share the same host for SSL/,
  /^Local registry with remote builder/,
  /^Conflicting proxy run configurations/,
  /^Invalid hooks_output/,
];

/** Checks a loaded (ERB-rendered, parsed, merged) config; problems in Kamal's order. */
export function checkAsKamal(doc: unknown, options: KamalCheckOptions = {}): DocumentProblem[] {
  const validator = new KamalConfigValidator({ partial: options.partial ?? false });
  const problems = validator.validate(doc);
  let shape: DocumentProblem[] = [];
  let rules = problems;
  if (isHash(doc) && problems.length > 0 && !shapeIsValid(doc)) {
    // The schema failed, so these are its problems; the rules' verdict on the rest follows,
    // minus what the removed parts decide.
    shape = problems;
    const pruned = prunedUntilShapeIsValid(doc, problems);
    rules = pruned ? validator.validate(pruned.doc).filter((p) => !dependsOn(p, pruned.removed)) : [];
  }
  if (options.withoutDestination && isHash(doc) && doc.require_destination === true && !options.partial) {
    rules = [...rules, { pointer: '/require_destination', message: MUST_SPECIFY_DESTINATION }];
  }
  return inKamalOrder(dedupe(shape), dedupe(rules), doc);
}

function dedupe(problems: DocumentProblem[]): DocumentProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.pointer}\u0000${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Whether the document has Kamal's shape (the validator's schema half). */
function shapeIsValid(doc: unknown): boolean {
  return compileSchema(KAMAL_DEPLOY_SCHEMA, KAMAL_DEPLOY_VALIDATOR)(doc) as boolean;
}

/**
 * Takes out the nodes the schema rejects until it accepts the rest; undefined when it never
 * does. `removed` lists the ill-typed nodes (unknown keys change no rule's verdict).
 */
function prunedUntilShapeIsValid(doc: Record<string, unknown>, first: DocumentProblem[]): { doc: YamlValue; removed: string[] } | undefined {
  let current: YamlValue = structuredClone(doc) as YamlValue;
  const removed: string[] = [];
  let problems = first;
  const validator = new KamalConfigValidator();
  for (let round = 0; round < 20; round++) {
    const targets = problems.flatMap((p) => shapeTargets(p));
    for (const t of targets.sort(laterFirst)) current = removeAt(current, t);
    removed.push(...problems.filter((p) => !/unknown keys?: /.test(p.message)).map((p) => p.pointer));
    if (shapeIsValid(current)) return { doc: current, removed };
    problems = validator.validate(current);
  }
  return undefined;
}

/** Pointers in reverse document position, so removing one leaves the others' indices alone. */
function laterFirst(a: string, b: string): number {
  const x = segments(a);
  const y = segments(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const n = /^\d+$/.test(x[i]) && /^\d+$/.test(y[i]) ? Number(y[i]) - Number(x[i]) : y[i] < x[i] ? -1 : 1;
    return n;
  }
  return y.length - x.length;
}

/** The pointers to take out for a shape problem: the unknown keys, or the ill-typed node. */
function shapeTargets(p: DocumentProblem): string[] {
  const many = /unknown keys: (.*)$/.exec(p.message);
  if (many) return many[1].split(', ').map((k) => `${p.pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  return [p.pointer];
}

function segments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function removeAt(doc: YamlValue, pointer: string): YamlValue {
  const segs = segments(pointer);
  if (segs.length === 0) return {};
  let node: unknown = doc;
  for (const s of segs.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(s)] : isHash(node) ? node[s] : undefined;
    if (node === undefined) return doc;
  }
  const last = segs[segs.length - 1];
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else if (isHash(node)) delete (node as Record<string, unknown>)[last];
  return doc;
}

/** What each cross-field check reads; its problem is dropped when an ill-typed node there was taken out. */
const CROSS_FIELD_INPUTS: ReadonlyArray<[RegExp, string[]]> = [
  [/^(Missing required configuration|No servers|The primary_role)/, ['/service', '/image', '/registry', '/servers', '/accessories', '/primary_role', '/allow_empty_roles']],
  [/^(SSL is only supported|Different roles can't share)/, ['/servers', '/proxy', '/primary_role']],
  [/^Local registry with remote builder/, ['/registry', '/builder']],
  [/^Conflicting proxy run/, ['/servers', '/accessories', '/proxy', '/primary_role']],
];

/**
 * Whether a rule's problem may be an artefact of taking out an ill-typed node (unknown keys
 * change no rule's verdict, so their removal never counts).
 */
function dependsOn(p: DocumentProblem, removed: string[]): boolean {
  const related = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
  if (removed.some((r) => related(r, p.pointer))) return true;
  const inputs = CROSS_FIELD_INPUTS.find(([m]) => m.test(p.message))?.[1] ?? [];
  return removed.some((r) => inputs.some((k) => related(r, k)));
}

function crossFieldIndex(message: string): number {
  return CROSS_FIELD.findIndex((r) => r.test(message));
}

/** Sorts problems into the order Kamal would raise them (stable within a place). */
function inKamalOrder(shape: DocumentProblem[], rules: DocumentProblem[], doc: unknown): DocumentProblem[] {
  const problems = [...shape, ...rules];
  const order = documentOrder(doc);
  const roles = isHash(doc) && isHash(doc.servers) ? Object.keys(doc.servers).sort() : [];
  const accessories = isHash(doc) && isHash(doc.accessories) ? Object.keys(doc.accessories) : [];
  const key = (p: DocumentProblem): number[] => {
    const cross = crossFieldIndex(p.message);
    if (cross >= 0) return [100, cross];
    // The message's context (`servers/web/proxy: ...`) says which validator speaks; a problem about
    // something missing points at the deepest node that exists.
    const context = /^([^\s:][^:]*?): /.exec(p.message)?.[1];
    const segs = context !== undefined ? context.split('/') : segments(p.pointer);
    // Kamal's walk checks a hash's unknown keys as it enters the hash, then each value in file
    // order; a validator's own rules (labels, restart, selectors...) come after its walk.
    const single = /: unknown key: |^unknown key: /.test(p.message);
    const pos = nearestOrder(order, single ? p.pointer.slice(0, p.pointer.lastIndexOf('/')) : p.pointer);
    const kind = shape.includes(p) ? 0 : 1;
    if (segs.length === 0) return [0, pos];
    // A role's merged proxy (root proxy ⊕ role proxy) is only built by the cross-field checks.
    if (context === 'proxy' && p.pointer.startsWith('/servers/')) return [99, pos];
    const section = SECTION_ORDER.indexOf(segs[0]);
    // The root validator checks every top-level key's type (and scalars, labels, volumes fully);
    // the sections' own validators check inside them later.
    if (section < 0 || (segs.length === 1 && /^[^:]*: should be /.test(p.message))) return [1, pos];
    if (segs[0] === 'servers') {
      const role = roles.indexOf(segs[1]);
      // The role validator (its walk covers the whole role's shape), then its env, logging, proxy.
      const part = role < 0 || kind === 0 ? 0 : ['env', 'logging', 'proxy'].indexOf(segs[2]) + 1;
      return [2 + section, role + 1, part, kind, pos];
    }
    if (segs[0] === 'accessories') {
      const acc = accessories.indexOf(segs[1]);
      // The accessory validator (its walk covers the whole accessory's shape), then its roles,
      // env, proxy and registry.
      const sub = ['env', 'proxy', 'registry'].indexOf(segs[2]);
      const part = /: unknown roles? /.test(p.message) ? 1 : kind === 0 || sub < 0 ? 0 : sub + 2;
      return [2 + section, acc, part, kind, pos];
    }
    return [2 + section, kind, pos];
  };
  const keyed = problems.map((p, i) => ({ p, k: [...key(p), i] }));
  keyed.sort((a, b) => {
    for (let i = 0; i < Math.max(a.k.length, b.k.length); i++) {
      const d = (a.k[i] ?? -1) - (b.k[i] ?? -1);
      if (d !== 0) return d;
    }
    return 0;
  });
  return keyed.map((x) => x.p);
}

/** Each node's position in a pre-order walk of the document (keys in file order). */
function documentOrder(doc: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (node: unknown, pointer: string) => {
    order.set(pointer, order.size);
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${pointer}/${i}`));
    else if (isHash(node)) for (const [k, v] of Object.entries(node)) walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  };
  walk(doc, '');
  return order;
}

function nearestOrder(order: Map<string, number>, pointer: string): number {
  let p = pointer;
  for (;;) {
    const n = order.get(p);
    if (n !== undefined) return n;
    if (p === '') return 0;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
