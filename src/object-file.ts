import { Construct } from 'constructs';
import { FileBase, FileBaseProps } from './file';

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
  private readonly overrides: Array<{ path: string[]; value: unknown; delete: boolean }> = [];

  constructor(scope: Construct, id: string, props: ObjectFileProps) {
    super(scope, id, props);
    this.obj = props.obj;
  }

  /**
   * Sets `path` (dot-separated; `\.` for a dot inside a key) to `value` in the emitted document,
   * creating maps on the way. Applied after the model, in the order given.
   */
  public addOverride(path: string, value: unknown): void {
    this.overrides.push({ path: splitOverridePath(path), value, delete: false });
  }

  /** Removes `path` from the emitted document. */
  public addDeletionOverride(path: string): void {
    this.overrides.push({ path: splitOverridePath(path), value: undefined, delete: true });
  }

  /** The document as emitted: the model's object with overrides applied. */
  public toObject(): unknown {
    const base = typeof this.obj === 'function' ? (this.obj as () => unknown)() : this.obj ?? this.synthesizeObject();
    return applyOverrides(base, this.overrides);
  }

  /** Subclasses that model their document override this instead of passing `obj`. */
  protected synthesizeObject(): unknown {
    throw new Error(`[${this.node.path}] ${this.constructor.name} has no document; pass obj or override synthesizeObject()`);
  }
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

/** Applies overrides to a deep copy of `doc`; the model's own object is never mutated. */
export function applyOverrides(doc: unknown, overrides: ReadonlyArray<{ path: string[]; value: unknown; delete: boolean }>): unknown {
  if (overrides.length === 0) return doc;
  const root = structuredClone(doc ?? {}) as Record<string, any>;
  for (const o of overrides) {
    let node = root;
    for (const key of o.path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) {
        if (o.delete) {
          node = undefined as any;
          break;
        }
        node[key] = {};
      }
      node = node[key];
    }
    if (node === undefined) continue;
    const last = o.path[o.path.length - 1];
    if (o.delete) delete node[last];
    else node[last] = structuredClone(o.value);
  }
  return root;
}
