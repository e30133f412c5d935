import * as L1 from './l1';

/** What an access control can look at to prove it is really in place. */
export interface AccessContext {
  /** The effective config (of the destination) that serves the route. */
  readonly config: L1.DeployConfig;
  /** The role or accessory behind the route. */
  readonly target: { readonly kind: 'role' | 'accessory'; readonly name: string };
}

/**
 * Something that keeps unauthorised people out of an endpoint. `verify` checks the config really
 * carries it (the env switch is on, the secrets are passed, the auth block exists), so a declared
 * control can't be a comment that lies.
 */
export interface IAccessControl {
  /** What it is, for messages and the README (`HTTP Basic auth`, `Grafana login`). */
  readonly description: string;
  /** Problems, empty when the control is in place. */
  verify(ctx: AccessContext): string[];
}

/** Who may reach an endpoint. Every kamal-proxy route declares one. */
export abstract class EndpointAccess {
  /** Anyone on the internet; no access control needed. */
  public static public(): EndpointAccess {
    return new PublicAccess();
  }

  /** Operators only, through the given control. */
  public static restricted(control: IAccessControl): EndpointAccess {
    return new RestrictedAccess(control);
  }

  public abstract readonly isPublic: boolean;
  public abstract readonly control?: IAccessControl;
}

class PublicAccess extends EndpointAccess {
  public readonly isPublic = true;
  public readonly control = undefined;
}

class RestrictedAccess extends EndpointAccess {
  public readonly isPublic = false;
  constructor(public readonly control: IAccessControl) {
    super();
  }
}

/**
 * HTTP Basic auth done by the app itself, switched on by a clear env var and fed by two secrets
 * (the rs-textbook-guide staging pattern).
 */
export class BasicAuth implements IAccessControl {
  public readonly description = 'HTTP Basic auth';

  constructor(
    public readonly props: {
      /** Clear env var that must be `true`. @default 'BASIC_AUTH_ENABLED' */
      readonly enabledVar?: string;
      /** Secret env holding the user name. @default 'BASIC_AUTH_USERNAME' */
      readonly usernameSecret?: string;
      /** Secret env holding the password. @default 'BASIC_AUTH_PASSWORD' */
      readonly passwordSecret?: string;
    } = {},
  ) {}

  public get enabledVar(): string {
    return this.props.enabledVar ?? 'BASIC_AUTH_ENABLED';
  }

  public get secrets(): string[] {
    return [this.props.usernameSecret ?? 'BASIC_AUTH_USERNAME', this.props.passwordSecret ?? 'BASIC_AUTH_PASSWORD'];
  }

  /** The env that switches it on, to add to the role or destination. */
  public get env(): { clear: Record<string, string>; secrets: string[] } {
    return { clear: { [this.enabledVar]: 'true' }, secrets: this.secrets };
  }

  public verify(ctx: AccessContext): string[] {
    const env = roleEnv(ctx);
    const problems: string[] = [];
    if (String(env.clear[this.enabledVar]) !== 'true') problems.push(`env ${this.enabledVar} is not 'true'`);
    for (const s of this.secrets) if (!env.secrets.includes(s)) problems.push(`secret env ${s} is not passed`);
    return problems;
  }
}

/** The clear env and secret env names a role really gets (root env plus role env), or an accessory's. */
export function roleEnv(ctx: AccessContext): { clear: Record<string, L1.Stringish>; secrets: string[] } {
  const envs: Array<L1.Env | undefined> = [];
  if (ctx.target.kind === 'accessory') {
    envs.push(ctx.config.accessories?.[ctx.target.name]?.env as L1.Env | undefined);
  } else {
    envs.push(ctx.config.env);
    const servers = ctx.config.servers;
    const role = servers && !Array.isArray(servers) ? servers[ctx.target.name] : undefined;
    if (role && !Array.isArray(role)) envs.push(role.env);
  }
  const clear: Record<string, L1.Stringish> = {};
  const secrets: string[] = [];
  for (const e of envs) {
    if (!e) continue;
    const complex = 'clear' in e || 'secret' in e;
    Object.assign(clear, complex ? (e as L1.EnvComplex).clear : e);
    if (complex) secrets.push(...((e as L1.EnvComplex).secret ?? []).map((s) => s.split(':')[0]));
  }
  return { clear, secrets };
}
