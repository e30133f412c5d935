import { IConstruct } from 'constructs';

/** How bad a diagnostic is. Errors stop synth; warnings print and stop it only under `--strict`. */
export type Severity = 'error' | 'warning';

/** One message about one construct, as synth reports it. */
export interface Diagnostic {
  /** Whether it fails synth. */
  readonly severity: Severity;
  /** The construct path (`estate/staging/postgres`); `<root>` for the App itself. */
  readonly path: string;
  /** What is wrong and what to do, without the path. */
  readonly message: string;
  /** Stable id of a warning, used to acknowledge it. */
  readonly id?: string;
  /** Why the warning is accepted, when it was acknowledged in code. */
  readonly acknowledged?: string;
}

interface Warning {
  readonly id: string;
  readonly message: string;
}

const WARNINGS = Symbol.for('kamal-cdk.warnings');
const ACKS = Symbol.for('kamal-cdk.acknowledgements');

type Annotated = IConstruct & { [WARNINGS]?: Warning[]; [ACKS]?: Map<string, string> };

/**
 * Warnings on a construct, and their acknowledgements.
 *
 * A warning names a hazard that synth prints but does not fail on (unless `--strict`). It has a
 * stable id so that code can acknowledge it with a reason, on the construct itself or on any of
 * its scopes (an acknowledgement covers the whole subtree, as in AWS CDK).
 */
export class Annotations {
  /** The annotations of `scope`. */
  public static of(scope: IConstruct): Annotations {
    return new Annotations(scope as Annotated);
  }

  private constructor(private readonly scope: Annotated) {}

  /** Adds a warning; the same id twice on one construct keeps the first. */
  public addWarning(id: string, message: string): void {
    assertId(id);
    const list = (this.scope[WARNINGS] ??= []);
    if (!list.some((w) => w.id === id)) list.push({ id, message });
  }

  /** Accepts warning `id` on this construct and everything below it, for the reason given. */
  public acknowledge(id: string, reason: string): void {
    assertId(id);
    if (!reason.trim()) {
      throw new Error(`[${pathOf(this.scope)}] acknowledging warning '${id}' needs a reason; say why the hazard is accepted`);
    }
    (this.scope[ACKS] ??= new Map()).set(id, reason.trim());
  }

  /** The warnings added to this construct itself (not its children). */
  public get warnings(): ReadonlyArray<{
    /** Stable id, for acknowledgement. */
    id: string;
    /** What the hazard is. */
    message: string;
  }> {
    return this.scope[WARNINGS] ?? [];
  }

  /** The acknowledgement in force for `id` here: this construct's own, or the nearest scope's. */
  public acknowledgementOf(id: string): string | undefined {
    for (const c of this.scope.node.scopes.slice().reverse()) {
      const reason = (c as Annotated)[ACKS]?.get(id);
      if (reason !== undefined) return reason;
    }
    return undefined;
  }
}

/** The construct path as reported in messages. */
export function pathOf(c: IConstruct): string {
  return c.node.path || '<root>';
}

/** Ordinal comparison: never locale-dependent, so output is the same under any LANG. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts diagnostics by construct path, then message, so reports are stable. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return list.sort((x, y) => compareStrings(x.path, y.path) || compareStrings(x.message, y.message));
}

/** One report line: `error [path] message (id)`, or `acknowledged [path] message (id) — reason`. */
export function formatDiagnostic(d: Diagnostic): string {
  const id = d.id ? ` (${d.id})` : '';
  if (d.acknowledged !== undefined) return `acknowledged [${d.path}] ${d.message}${id} — ${d.acknowledged}`;
  return `${d.severity} [${d.path}] ${d.message}${id}`;
}

function assertId(id: string): void {
  if (!/^[a-z0-9][a-z0-9:._-]*$/i.test(id)) {
    throw new Error(`warning id '${id}' must be letters, digits, ':', '.', '_' or '-'`);
  }
}
