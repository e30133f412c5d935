import { Construct } from 'constructs';
import { FileBase, FileBaseProps } from './file';
import { escapePointer } from './schema';

/** Props of an ObjectFile: FileBase's, plus the document. */
export interface ObjectFileProps extends FileBaseProps {
  /**
   * The document. A function is called at synth, after the whole tree is built, so the file can
   * reflect constructs added later (the usual construct pattern).
   * @default - the subclass provides it by overriding `synthesizeObject()`
   */
  readonly obj?: unknown | (() => unknown);
}

/**
 * A file rendered from a JavaScript object (YAML, JSON, INI), with projen-style escape hatches:
 * `addOverride` and `addDeletionOverride` patch the document after the model has built it, and
 * the result goes through the same validator as everything else.
 */
export abstract class ObjectFile extends FileBase {
  private readonly obj?: unknown | (() => unknown);
  private readonly overrides: Override[] = [];

  constructor(scope: Construct, id: string, props: ObjectFileProps) {
    super(scope, id, props);
    this.obj = props.obj;
  }

  /**
   * Sets `path` (dot-separated; `\.` for a dot inside a key) to `value` in the emitted document,
   * creating maps on the way. Applied after the model, in the order given. In a list, a segment
   * is an index from 0: `servers.web.hosts.1` replaces the second host, the index one past the
   * end or `-` appends (`volumes.-`).
   */
  public addOverride(path: string, value: unknown): void {
    this.overrides.push({ path: splitOverridePath(path), value, delete: false });
  }

  /** Removes `path` from the emitted document; in a list, the element at an index (later ones move up). */
  public addDeletionOverride(path: string): void {
    this.overrides.push({ path: splitOverridePath(path), value: undefined, delete: true });
  }

  /**
   * Applies RFC 6902 JSON patch operations to the emitted document, after the model and in order
   * with the other overrides: `JsonPatch.add('/volumes/0', 'x:/y')` inserts before the first
   * volume, `JsonPatch.remove('/servers/web/hosts/1')` removes the second host.
   */
  public addJsonPatch(...ops: JsonPatch[]): void {
    for (const op of ops) this.overrides.push(op._toOverride());
  }

  /** The document as emitted: the model's object with overrides applied. */
  public toObject(): unknown {
    const base = typeof this.obj === 'function' ? (this.obj as () => unknown)() : this.obj ?? this.synthesizeObject();
    return applyOverrides(base, this.overrides, this.node.path);
  }

  /** Subclasses that model their document override this instead of passing `obj`. */
  protected synthesizeObject(): unknown {
    throw new Error(`[${this.node.path}] ${this.constructor.name} has no document; pass obj or override synthesizeObject()`);
  }
}

/**
 * One override of an emitted document. `addOverride`/`addDeletionOverride` produce `set` and
 * `delete` (a map is created on the way, a missing key is no error); JSON patch operations
 * (`patch`) follow RFC 6902: the parent must exist, and `remove`/`replace` need their target.
 */
export interface Override {
  /** Keys (and list indexes, as strings) from the root to the target. */
  readonly path: string[];
  /** The value set or added; unused by `delete` and `remove`. */
  readonly value?: unknown;
  /** Whether the target is removed rather than set. */
  readonly delete: boolean;
  /**
   * The JSON patch operation, for overrides from `addJsonPatch`; undefined for `addOverride` and
   * `addDeletionOverride`.
   */
  readonly patch?: 'add' | 'remove' | 'replace' | 'test';
}

/** An RFC 6902 operation on an emitted document, addressed by a JSON pointer (`/a/b/0`). */
export class JsonPatch {
  /** Adds a member, inserts into a list at an index (later elements move down) or appends at `-`. */
  public static add(path: string, value: unknown): JsonPatch {
    return new JsonPatch('add', path, value);
  }

  /** Removes a member or a list element; it must exist. */
  public static remove(path: string): JsonPatch {
    return new JsonPatch('remove', path);
  }

  /** Replaces a member or a list element; it must exist. */
  public static replace(path: string, value: unknown): JsonPatch {
    return new JsonPatch('replace', path, value);
  }

  /** Fails synth unless the value at `path` equals `value`: guards the patches after it. */
  public static test(path: string, value: unknown): JsonPatch {
    return new JsonPatch('test', path, value);
  }

  private readonly segments: string[];

  private constructor(
    /** The RFC 6902 operation. */
    public readonly op: 'add' | 'remove' | 'replace' | 'test',
    /** JSON pointer to the target (`/servers/web/hosts/0`). */
    public readonly path: string,
    /** The value added, put in place, or compared; undefined for `remove`. */
    public readonly value?: unknown,
  ) {
    this.segments = parseJsonPointer(path);
  }

  /** @internal */
  public _toOverride(): Override {
    return { path: this.segments, value: this.value, delete: false, patch: this.op };
  }
}

/** Splits a JSON pointer (RFC 6901: `/a~1b/0` is `['a/b', '0']`). */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') throw new Error("JSON pointer '' names the whole document; a patch addresses a member or element, such as '/volumes/0'");
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer '${pointer}' must start with '/'`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      if (/~[^01]|~$/.test(s)) throw new Error(`JSON pointer '${pointer}' has a '~' that is neither ~0 nor ~1`);
      return s.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** Splits `a.b\.c` into `['a', 'b.c']`. */
export function splitOverridePath(path: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && path[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (path[i] === '.') {
      parts.push(cur);
      cur = '';
    } else {
      cur += path[i];
    }
  }
  parts.push(cur);
  if (parts.some((p) => p === '')) throw new Error(`override path '${path}' has an empty segment`);
  return parts;
}

/**
 * Applies overrides to `doc` without mutating it: each map and list on the path of an override
 * is copied before it is changed (once), everything else is shared with the model's object.
 * `where` (the construct path) leads every error, which also names the override and the list.
 */
export function applyOverrides(doc: unknown, overrides: ReadonlyArray<Override>, where?: string): unknown {
  if (overrides.length === 0) return doc;
  const copies = new WeakSet<object>();
  const root = copyOf(doc ?? {}, copies) as Record<string, any>;
  for (const o of overrides) {
    const fail = (why: string): never => {
      const name = o.patch ? `JSON patch ${o.patch} '${o.path.map((p) => `/${escapePointer(p)}`).join('')}'` : `override '${o.path.join('.')}'`;
      throw new Error(`${where !== undefined ? `[${where || '<root>'}] ` : ''}${name}: ${why}`);
    };
    if (o.patch) applyPatch(root, o, fail, copies);
    else applySetOrDelete(root, o, fail, copies);
  }
  return root;
}

/** A map or list as data: a list, or an object whose prototype is a realm's Object.prototype (or none). */
function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (Array.isArray(v)) return true;
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * A shallow copy of a map or list on an override's path (any other object becomes a map of its
 * own keys, as a document reads it), recorded in `copies` so it is copied once; a scalar as is.
 */
function copyOf(v: unknown, copies: WeakSet<object>): unknown {
  if (typeof v !== 'object' || v === null || copies.has(v)) return v;
  let out: Record<string, unknown> | unknown[];
  // Array.from, not slice or map: those make the copy in the realm of the list they are called on.
  if (Array.isArray(v)) out = Array.from(v);
  else {
    out = {};
    for (const k of Object.keys(v)) setOwn(out, k, (v as Record<string, unknown>)[k]);
  }
  copies.add(out);
  return out;
}

/** `node[key]`, copied into place first when it is a container shared with the model. */
function ownChild(node: any, key: string | number, copies: WeakSet<object>): any {
  // Own members only: `__proto__` is a key like any other in a document, never the prototype.
  const child = Object.hasOwn(node, key) ? node[key] : undefined;
  const copy = copyOf(child, copies);
  if (copy !== child) setOwn(node, String(key), copy);
  return copy;
}

/** A deep copy of an override's value, so the document never shares a container with the caller's. */
function dataCopy(v: unknown): unknown {
  if (Array.isArray(v)) return Array.from(v, dataCopy);
  if (!isContainer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) setOwn(out, k, dataCopy((v as Record<string, unknown>)[k]));
  return out;
}

type Fail = (why: string) => never;

/** `-`, or what looks like an index; anything else in a list is a key (and replaces the list by a map). */
function looksLikeIndex(seg: string): boolean {
  return seg === '-' || /^-?[0-9]+$/.test(seg);
}

/** The index `seg` names in `list` (`-` and the length name the end), or a failure naming the list. */
function indexIn(list: unknown[], seg: string, at: string[], fail: Fail, allowEnd: boolean): number {
  const where = at.length ? at.join('.') : 'the document';
  if (seg === '-') {
    if (!allowEnd) fail(`'-' names no element of ${where}; give an index from 0 to ${list.length - 1}`);
    return list.length;
  }
  if (!/^(0|[1-9][0-9]*)$/.test(seg)) fail(`'${seg}' is not an index of ${where}; give 0 to ${list.length - 1}${allowEnd ? `, or '-' to append` : ''}`);
  const i = Number(seg);
  const max = allowEnd ? list.length : list.length - 1;
  if (i > max) {
    fail(`index ${i} is past the end of ${where}, which has ${list.length} element${list.length === 1 ? '' : 's'}; give 0 to ${max}${allowEnd ? ` (${list.length} or '-' appends)` : ''}`);
  }
  return i;
}

/** addOverride / addDeletionOverride. */
function applySetOrDelete(root: Record<string, any>, o: Override, fail: Fail, copies: WeakSet<object>): void {
  let node: any = root;
  const last = o.path.length - 1;
  for (let d = 0; d < last; d++) {
    const key = o.path[d];
    if (Array.isArray(node)) {
      const i = indexIn(node, key, o.path.slice(0, d), fail, !o.delete);
      if (i === node.length) node.push({});
      else if (typeof node[i] !== 'object' || node[i] === null) {
        if (o.delete) return;
        node[i] = {};
      }
      node = ownChild(node, i, copies);
      continue;
    }
    const child = Object.hasOwn(node, key) ? node[key] : undefined;
    const descend = typeof child === 'object' && child !== null && (!Array.isArray(child) || looksLikeIndex(o.path[d + 1]));
    if (!descend) {
      if (o.delete) return;
      setOwn(node, key, {});
    }
    node = ownChild(node, key, copies);
  }
  const key = o.path[last];
  if (Array.isArray(node)) {
    const i = indexIn(node, key, o.path.slice(0, last), fail, !o.delete);
    if (o.delete) node.splice(i, 1);
    else node[i] = dataCopy(o.value);
  } else if (o.delete) {
    delete node[key];
  } else {
    setOwn(node, key, dataCopy(o.value));
  }
}

/** An RFC 6902 operation: parents must exist; `remove`, `replace` and `test` need their target. */
function applyPatch(root: Record<string, any>, o: Override, fail: Fail, copies: WeakSet<object>): void {
  let node: any = root;
  const last = o.path.length - 1;
  for (let d = 0; d < last; d++) {
    const key = o.path[d];
    const at = o.path.slice(0, d);
    if (Array.isArray(node)) node = ownChild(node, indexIn(node, key, at, fail, false), copies);
    else if (typeof node === 'object' && node !== null && Object.hasOwn(node, key)) node = ownChild(node, key, copies);
    else fail(`${[...at, key].join('.') || 'the document'} does not exist; add it first`);
    if (typeof node !== 'object' || node === null) fail(`${o.path.slice(0, d + 1).join('.')} is not a map or a list`);
  }
  const key = o.path[last];
  const parent = o.path.slice(0, last);
  if (Array.isArray(node)) {
    const i = indexIn(node, key, parent, fail, o.patch === 'add');
    if (o.patch === 'add') node.splice(i, 0, dataCopy(o.value));
    else if (o.patch === 'remove') node.splice(i, 1);
    else if (o.patch === 'replace') node[i] = dataCopy(o.value);
    else if (!deepEqual(node[i], o.value)) fail(`the value is ${JSON.stringify(node[i])}, not ${JSON.stringify(o.value)}; the document changed under the patches that follow — review them`);
    return;
  }
  const exists = Object.hasOwn(node, key);
  if (o.patch !== 'add' && !exists) fail(`${[...parent, key].join('.')} does not exist; nothing to ${o.patch}`);
  if (o.patch === 'remove') delete node[key];
  else if (o.patch === 'test') {
    if (!deepEqual(node[key], o.value)) fail(`the value is ${JSON.stringify(node[key])}, not ${JSON.stringify(o.value)}; the document changed under the patches that follow — review them`);
  } else setOwn(node, key, dataCopy(o.value));
}

/** Sets an own property, `__proto__` included (a key like any other in a document). */
function setOwn(node: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  else node[key] = value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as any)[k], (b as any)[k]));
}
