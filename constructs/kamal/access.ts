import * as L1 from './l1';
import type { ContainerView } from './view';

/** What an access control can look at to prove it is really in place. */
export interface AccessContext {
  /** The effective config (of the destination) that serves the route. */
  readonly config: L1.DeployConfig;
  /** The role or accessory behind the route. */
  readonly target: {
    /** Whether the route serves an app role or an accessory. */
    readonly kind: 'role' | 'accessory';
    /** The role or accessory name, as in the config. */
    readonly name: string;
  };
  /** The role or accessory behind the route, as the resolved view has it (its env, hosts, proxy). */
  readonly container: ContainerView;
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

  /** Whether anyone may reach the endpoint, with no control in front. */
  public abstract readonly isPublic: boolean;
  /** The control that keeps others out; undefined for public access. */
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
  /** Names the control in messages and the README. */
  public readonly description = 'HTTP Basic auth';

  constructor(
    /** Which env switches Basic auth on and which secrets feed it. */
    public readonly props: {
      /** Clear env var that must be `true`. @default 'BASIC_AUTH_ENABLED' */
      readonly enabledVar?: string;
      /** Secret env holding the user name. @default 'BASIC_AUTH_USERNAME' */
      readonly usernameSecret?: string;
      /** Secret env holding the password. @default 'BASIC_AUTH_PASSWORD' */
      readonly passwordSecret?: string;
    } = {},
  ) {}

  /** The clear env var the app reads to switch Basic auth on. */
  public get enabledVar(): string {
    return this.props.enabledVar ?? 'BASIC_AUTH_ENABLED';
  }

  /** The secret env the app reads the user name and password from, in that order. */
  public get secrets(): string[] {
    return [this.props.usernameSecret ?? 'BASIC_AUTH_USERNAME', this.props.passwordSecret ?? 'BASIC_AUTH_PASSWORD'];
  }

  /** The env that switches it on, to add to the role or destination. */
  public get env(): {
    /** The switch, set to `'true'`. */
    clear: Record<string, string>;
    /** The user name and password secrets. */
    secrets: string[];
  } {
    return { clear: { [this.enabledVar]: 'true' }, secrets: this.secrets };
  }

  /** Checks that the container behind the route gets the switch set to `true` and both secrets. */
  public verify(ctx: AccessContext): string[] {
    const env = roleEnv(ctx);
    const problems: string[] = [];
    if (String(env.clear[this.enabledVar]) !== 'true') problems.push(`env ${this.enabledVar} is not 'true'`);
    for (const s of this.secrets) if (!env.secrets.includes(s)) problems.push(`secret env ${s} is not passed`);
    return problems;
  }
}

/** The clear env and secret env names the container behind the route really gets (root env plus role env, or an accessory's). */
export function roleEnv(ctx: AccessContext): {
  /** Clear values by name. */
  clear: Readonly<Record<string, string>>;
  /** Names of the secret env vars (not the secrets they read). */
  secrets: string[];
} {
  return { clear: ctx.container.env.clear, secrets: ctx.container.env.secrets.map((s) => s.name) };
}
