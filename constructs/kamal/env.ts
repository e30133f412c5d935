import { compareStrings } from '../../src';
import * as L1 from './l1';

/** A secret env var: `name` in the container, read from secret `secret` (Kamal's `NAME:SECRET`). */
export interface SecretEnv {
  /** Variable name in the container. */
  readonly name: string;
  /** The secret's name in the secrets files. @default - the same as `name` */
  readonly secret?: string;
}

/** Environment for a role or an accessory: clear values and secrets, kept apart. */
export interface EnvProps {
  /** Plain values, passed on the command line (visible in `docker inspect`). @default - none */
  readonly clear?: Readonly<Record<string, L1.Stringish>>;
  /** Secrets by name (or `{ name, secret }` to read another secret name). @default - none */
  readonly secrets?: ReadonlyArray<string | SecretEnv>;
}

/**
 * Clear and secret env, merged the way destinations add to a config: clear values by name (the
 * later wins), secrets as a set. Rendered sorted by name, so construct order never shows.
 */
export class EnvSet {
  /** An env set holding `props` added in order; undefined entries are skipped. */
  public static of(...props: Array<EnvProps | undefined>): EnvSet {
    const e = new EnvSet();
    for (const p of props) if (p) e.add(p);
    return e;
  }

  private readonly clearVars = new Map<string, L1.Stringish>();
  private readonly secretVars = new Map<string, string>();

  /**
   * Adds clear values (replacing same-named ones) and secrets; throws on a name that is not a valid
   * environment variable name.
   */
  public add(props: EnvProps): this {
    for (const [k, v] of Object.entries(props.clear ?? {})) {
      assertEnvName(k);
      this.clearVars.set(k, v);
    }
    for (const s of props.secrets ?? []) {
      const { name, secret } = typeof s === 'string' ? { name: s, secret: s } : { name: s.name, secret: s.secret ?? s.name };
      assertEnvName(name);
      assertEnvName(secret);
      this.secretVars.set(name, secret);
    }
    return this;
  }

  /** Clear values by name. */
  public get clear(): ReadonlyMap<string, L1.Stringish> {
    return this.clearVars;
  }

  /** Env name → secret name. */
  public get secrets(): ReadonlyMap<string, string> {
    return this.secretVars;
  }

  /** Kamal's complex form (`clear:` / `secret:`), or undefined when empty. */
  public toKamal(): L1.EnvComplex | undefined {
    const out: L1.EnvComplex = {};
    if (this.clearVars.size > 0) {
      out.clear = {};
      for (const k of [...this.clearVars.keys()].sort(compareStrings)) out.clear[k] = this.clearVars.get(k)!;
    }
    if (this.secretVars.size > 0) {
      out.secret = [...this.secretVars.entries()]
        .sort((a, b) => compareStrings(a[0], b[0]))
        .map(([name, secret]) => (name === secret ? name : `${name}:${secret}`));
    }
    return out.clear || out.secret ? out : undefined;
  }
}

/** The secret names an L1 env reads (`NAME:SECRET` reads SECRET), in order. */
export function secretNamesOf(env: L1.Env | undefined): string[] {
  const secret = (env as L1.EnvComplex | undefined)?.secret;
  return Array.isArray(secret) ? secret.map((s) => (s.includes(':') ? s.slice(s.indexOf(':') + 1) : s)) : [];
}

function assertEnvName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(`'${name}' is not an environment variable name; use letters, digits and '_'`);
  }
}
