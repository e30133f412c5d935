import { IConstruct } from 'constructs';
import type { Diagnostic } from './annotations';

/** One finding of a tree-wide check, reported against the construct it is about. */
export interface Finding {
  /** The construct at fault; the diagnostic is reported on its path. */
  readonly construct: IConstruct;
  /** What is wrong and what to do. */
  readonly message: string;
  /**
   * Whether it fails synth or is only printed (and fails it under `--strict`).
   * @default 'error'
   */
  readonly severity?: 'error' | 'warning';
  /**
   * Warning id, for acknowledgement (required for warnings).
   * @default - none; an error needs none
   */
  readonly id?: string;
}

/** A check that reads across the tree (one host's ports, an access policy) and reports on any construct. */
export type TreeCheck = () => Finding[];

const CHECKS = new WeakMap<IConstruct, TreeCheck[]>();
const WARNINGS = new WeakMap<IConstruct, readonly Diagnostic[]>();

/**
 * Tree-wide checks. `node.addValidation` reports on the construct it is added to; a check that
 * compares many constructs reports each finding on the construct at fault instead. Checks run once
 * per synth, after the tree is complete, with every other validation.
 */
export class Checks {
  /** The checks of the tree `scope` belongs to. */
  public static of(scope: IConstruct): Checks {
    return new Checks(scope.node.root);
  }

  private constructor(private readonly root: IConstruct) {}

  /** Adds a check, run once per synth after the tree is complete. */
  public add(check: TreeCheck): void {
    const list = CHECKS.get(this.root) ?? [];
    list.push(check);
    CHECKS.set(this.root, list);
  }

  /** @internal */
  public _all(): readonly TreeCheck[] {
    return CHECKS.get(this.root) ?? [];
  }

  /**
   * The warnings of the synth under way, acknowledged ones with their reasons: every check's and
   * every construct's own (`Annotations.addWarning`) made before files render. For a document
   * that reports them, such as an operations page, rendered after every check has run; empty
   * before the checks of a synth have run.
   */
  public warnings(): readonly Diagnostic[] {
    return WARNINGS.get(this.root) ?? [];
  }

  /** @internal Set by synthesize once every check has run, before any file renders. */
  public _recordWarnings(warnings: readonly Diagnostic[]): void {
    WARNINGS.set(this.root, warnings);
  }
}
