import * as path from 'path';
import { compareStrings, YamlDialect, YamlFile } from '../../src';
import { AccessContext, Accessory, IAccessControl, IAccessoryOwner, L1, SecretSource, HostRef } from '../kamal';
import { dockerAuthConfigSchema, RegistryMajorVersion } from './schemas';

/** The image DockerAuth runs unless told otherwise. */
export const DEFAULT_DOCKER_AUTH_IMAGE = 'cesanta/docker_auth:1.14';

/** Where the image's CMD looks for the config. */
const CONFIG_IN_CONTAINER = '/config/auth_config.yml';

/** A registry account. Its password never enters the repository, nor does its hash. */
export interface DockerAuthUser {
  /** Account name, as given to `docker login -u`. */
  readonly name: string;
  /**
   * Kamal secret holding the account's password, the one clients log in with. Only its name is
   * used here: `DockerAuth.passwordHashSecrets` derives the hash secret from it.
   * @default - none; declare the hash secret some other way
   */
  readonly passwordSecret?: string;
  /**
   * Kamal secret holding the account's bcrypt hash, base64-encoded. It is passed to the
   * accessory's env, and Kamal's ERB writes the decoded hash into auth_config.yml at boot.
   * `DockerAuth.passwordHashSource` derives it at deploy time from the password secret.
   * @default `REGISTRY_<NAME>_PASSWORD_HASH`
   */
  readonly passwordHashSecret?: string;
}

/** A registry action docker_auth can grant; `*` grants whatever was asked. */
export type RegistryAction = '*' | 'pull' | 'push' | 'delete';

/** One ACL rule; the first rule that matches a request decides. */
export interface DockerAuthAclEntry {
  /** What the rule matches; unset fields match anything, `/.../` values are regular expressions. */
  readonly match: {
    /**
     * Account that logged in.
     * @default - any account
     */
    readonly account?: string;
    /**
     * Resource type, `repository` for image access or `registry` for catalog access.
     * @default - any type
     */
    readonly type?: string;
    /**
     * Resource name, e.g. the repository `myapp/web`.
     * @default - any name
     */
    readonly name?: string;
    /**
     * Client address or CIDR range.
     * @default - any address
     */
    readonly ip?: string;
    /**
     * Service the token is for, as the registry names it.
     * @default - any service
     */
    readonly service?: string;
  };
  /** Actions granted. `['*']` grants everything; `[]` denies. */
  readonly actions: readonly RegistryAction[];
  /** Shown in docker_auth's logs. @default - none */
  readonly comment?: string;
}

/** Props of DockerAuth: its accounts, ACL, token signing and where it runs. */
export interface DockerAuthProps {
  /** Server address it runs on. */
  readonly host: HostRef;
  /** The accounts. At least one. */
  readonly users: readonly DockerAuthUser[];
  /**
   * Major version of the registry that checks the tokens. Registry 3 finds signing keys by their
   * RFC 7638 thumbprint, registry 2 by libtrust key id, so this decides `disable_legacy_key_id`.
   */
  readonly registryVersion: RegistryMajorVersion;
  /**
   * docker_auth image to run.
   * @default 'cesanta/docker_auth:1.14'
   */
  readonly image?: string;
  /** Token issuer (`iss`); the registry must name the same. @default - the container name */
  readonly issuer?: string;
  /** Token lifetime in seconds. @default 900 */
  readonly expiration?: number;
  /** Port docker_auth listens on (plain HTTP; TLS ends at kamal-proxy). @default 5001 */
  readonly port?: number;
  /**
   * Host folder with the token signing pair, mounted read-only at the same path. The operator
   * puts the key and certificate there once; they never enter the repository.
   * @default '/etc/registry-auth'
   */
  readonly certificateDir?: string;
  /** Certificate file name in certificateDir. @default 'token.crt' */
  readonly certificateFile?: string;
  /** Private key file name in certificateDir. @default 'token.key' */
  readonly keyFile?: string;
  /** ACL rules, in order. @default - every declared user may do everything */
  readonly acl?: readonly DockerAuthAclEntry[];
  /**
   * Where the generated config goes, relative to the app root. It ends in `.erb`: Kamal renders
   * it with the accessory's env (secrets included) before uploading.
   * @default 'config/registry/docker_auth/auth_config.yml.erb'
   */
  readonly configPath?: string;
  /** The accessory's name under `accessories:`. @default 'docker-auth' */
  readonly name?: string;
}

/** A user as docker_auth is configured: name, and the secrets its password and hash are in. */
export interface ResolvedDockerAuthUser {
  /** Account name. */
  readonly name: string;
  /** Kamal secret with the password, when the hash is derived from it; undefined otherwise. */
  readonly passwordSecret?: string;
  /** Kamal secret with the base64-encoded bcrypt hash, given or derived from the name. */
  readonly passwordHashSecret: string;
}

/**
 * cesanta/docker_auth as a Kamal accessory: the token server of a private registry. Users'
 * bcrypt hashes come from Kamal secrets at boot; the signing key pair stays on the host.
 */
export class DockerAuth extends Accessory {
  /** The default secret name for a user's password hash: `REGISTRY_<NAME>_PASSWORD_HASH`. */
  public static hashSecretName(user: string): string {
    return `REGISTRY_${user.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}_PASSWORD_HASH`;
  }

  /**
   * The hash secrets of `auth`'s users that have a `passwordSecret`, each derived from it by
   * `passwordHashSource`: spread them into the secrets file the registry config reads
   * (`KamalSecrets` `withoutDestination`, as it is deployed without a destination).
   */
  public static passwordHashSecrets(auth: DockerAuth): Record<string, SecretSource> {
    const out: Record<string, SecretSource> = {};
    for (const u of auth.users) if (u.passwordSecret) out[u.passwordHashSecret] = DockerAuth.passwordHashSource(u.name, u.passwordSecret);
    return out;
  }

  /**
   * Where a user's hash secret comes from: derived at deploy time, on the deployer's machine,
   * from the deployer's environment variable `passwordSecret`, with `htpasswd` (Debian:
   * apache2-utils; preinstalled on macOS). The password travels on pipes only, never on a
   * command line.
   *
   * The hash is base64-encoded because Kamal's dotenv (3.2) expands `$NAME` in a command's
   * output, which would eat a bcrypt hash (`$2y$10$...`). An unset or empty variable yields
   * nothing, so the account cannot log in, rather than a hash of the empty password.
   *
   * @param cost - bcrypt cost factor, 4 to 17 (htpasswd's range)
   */
  public static passwordHashSource(user: string, passwordSecret: string, cost = 10): SecretSource {
    assertUserName(user);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(passwordSecret)) throw new Error(`'${passwordSecret}' is not a secret name`);
    if (!Number.isInteger(cost) || cost < 4 || cost > 17) throw new Error(`bcrypt cost ${cost} must be an integer from 4 to 17 (htpasswd's range)`);
    const pw = `printenv ${passwordSecret}`;
    return SecretSource.command(
      `${pw} | grep -q . && ${pw} | htpasswd -niBC ${cost} ${user} | cut -d: -f2 | tr -d '[:space:]' | base64 | tr -d '[:space:]'`,
    );
  }

  /** Token issuer (`iss`). */
  public readonly issuer: string;
  /** Port docker_auth listens on. */
  public readonly port: number;
  /** Token lifetime in seconds. */
  public readonly expiration: number;
  /** Host folder with the token signing pair, mounted at the same path in the container. */
  public readonly certificateDir: string;
  /** The signing certificate, inside the container (and on the host: same path). */
  public readonly certificatePath: string;
  /** The signing key, inside the container (and on the host: same path). */
  public readonly keyPath: string;
  /** Major version of the registry that checks the tokens; decides how signing keys are identified. */
  public readonly registryVersion: RegistryMajorVersion;
  /** Users, sorted by name. */
  public readonly users: readonly ResolvedDockerAuthUser[];
  /** The generated `auth_config.yml.erb`. */
  public readonly configFile: YamlFile;
  private readonly acl?: readonly DockerAuthAclEntry[];

  constructor(scope: IAccessoryOwner, id: string, props: DockerAuthProps) {
    const where = `[${scope.node.path}/${id}]`;
    if (props.users.length === 0) throw new Error(`${where} docker_auth needs at least one user; nobody could log in`);
    const users = props.users
      .map((u) => ({ name: u.name, passwordSecret: u.passwordSecret, passwordHashSecret: u.passwordHashSecret ?? DockerAuth.hashSecretName(u.name) }))
      .sort((a, b) => compareStrings(a.name, b.name));
    for (const [i, u] of users.entries()) {
      try {
        assertUserName(u.name);
      } catch (e) {
        throw new Error(`${where} ${(e as Error).message}`);
      }
      if (i > 0 && users[i - 1].name === u.name) throw new Error(`${where} user '${u.name}' is declared twice`);
    }
    for (const entry of props.acl ?? []) {
      const account = entry.match.account;
      if (account !== undefined && !/^\/.*\/$/.test(account) && !users.some((u) => u.name === account)) {
        throw new Error(`${where} an ACL rule matches account '${account}', which is not a declared user; the rule would never apply — declare the user or fix the name`);
      }
    }
    const certificateDir = (props.certificateDir ?? '/etc/registry-auth').replace(/\/+$/, '');
    if (!path.posix.isAbsolute(certificateDir)) throw new Error(`${where} certificateDir '${certificateDir}' must be an absolute host path`);
    const port = props.port ?? 5001;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${where} port ${port} is not a TCP port`);
    const expiration = props.expiration ?? 900;
    if (!Number.isInteger(expiration) || expiration <= 0) throw new Error(`${where} expiration ${expiration} must be a positive number of seconds`);

    super(scope, id, {
      name: props.name ?? 'docker-auth',
      image: props.image ?? DEFAULT_DOCKER_AUTH_IMAGE,
      host: props.host,
      // glog writes to files under /tmp by default; stderr lands in `kamal accessory logs`.
      cmd: `--logtostderr ${CONFIG_IN_CONTAINER}`,
      env: { secrets: users.map((u) => u.passwordHashSecret) },
      volumes: [{ hostPath: certificateDir, path: certificateDir, readOnly: true }],
    });
    this.issuer = props.issuer ?? this.containerName;
    this.port = port;
    this.expiration = expiration;
    this.certificateDir = certificateDir;
    this.certificatePath = `${certificateDir}/${props.certificateFile ?? 'token.crt'}`;
    this.keyPath = `${certificateDir}/${props.keyFile ?? 'token.key'}`;
    this.registryVersion = props.registryVersion;
    this.users = users;
    this.acl = props.acl;

    const configPath = props.configPath ?? 'config/registry/docker_auth/auth_config.yml.erb';
    if (!configPath.endsWith('.erb')) {
      throw new Error(`${where} configPath '${configPath}' must end in .erb: Kamal renders only such files, and the password hashes are written at boot by ERB`);
    }
    for (const u of users) this.requireSecretEnv(u.passwordHashSecret);
    this.configFile = new YamlFile(this, 'Config', {
      path: configPath,
      dialect: YamlDialect.YAML_1_1,
      erb: true,
      obj: () => this.document(),
      validator: dockerAuthConfigSchema,
    });
    this.addFile({ file: this.configFile, remote: CONFIG_IN_CONTAINER });
  }

  /** Whether tokens carry RFC 7638 key ids, which registry 3 requires and registry 2 refuses. */
  public get disableLegacyKeyId(): boolean {
    return this.registryVersion >= 3;
  }

  /** The ACL in force: the given rules, or full access for every declared user. */
  public get aclEntries(): readonly DockerAuthAclEntry[] {
    return this.acl ?? this.users.map((u) => ({ match: { account: u.name }, actions: ['*'] as RegistryAction[], comment: `${u.name} may pull, push and delete every repository` }));
  }

  /** Access control for the token endpoint: a login with a declared user. */
  public get accessControl(): IAccessControl {
    return new DockerAuthLoginControl(this);
  }

  private document(): Record<string, unknown> {
    const users: Record<string, { password: string }> = {};
    // Kamal's ERB: the secret env var, base64-decoded (see passwordHashSource).
    for (const u of this.users) users[u.name] = { password: `<%= ENV.fetch("${u.passwordHashSecret}").unpack1("m") %>` };
    return {
      server: { addr: `:${this.port}` },
      token: {
        issuer: this.issuer,
        expiration: this.expiration,
        certificate: this.certificatePath,
        key: this.keyPath,
        ...(this.disableLegacyKeyId ? { disable_legacy_key_id: true } : {}),
      },
      users,
      acl: this.aclEntries.map((e) => ({
        match: compactMatch(e.match),
        actions: [...e.actions],
        ...(e.comment !== undefined ? { comment: e.comment } : {}),
      })),
    };
  }
}

/** "Operators only": a token needs a declared user's password, checked against a hash from the secrets. */
class DockerAuthLoginControl implements IAccessControl {
  public readonly description = 'docker_auth login';

  constructor(private readonly auth: DockerAuth) {}

  public verify(ctx: AccessContext): string[] {
    const problems: string[] = [];
    const env = ctx.config.accessories?.[this.auth.name]?.env as L1.EnvComplex | undefined;
    const passed = (env?.secret ?? []).map((s) => s.split(':')[0]);
    for (const u of this.auth.users) {
      if (!passed.includes(u.passwordHashSecret)) problems.push(`secret env ${u.passwordHashSecret} (password hash of ${u.name}) is not passed to accessory ${this.auth.name}`);
    }
    const doc = this.auth.configFile.toObject() as { users?: Record<string, { password?: unknown }> };
    for (const [name, user] of Object.entries(doc.users ?? {})) {
      if (!user?.password) problems.push(`user '${name}' in ${this.auth.configFile.path} has no password`);
    }
    return problems;
  }
}

function compactMatch(m: DockerAuthAclEntry['match']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['account', 'type', 'name', 'ip', 'service'] as const) if (m[k] !== undefined) out[k] = m[k]!;
  return out;
}

function assertUserName(name: string): void {
  // htpasswd splits on ':', and the name is a YAML key and a shell word in the hash command.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`user name '${name}' must be letters, digits, '.', '_' and '-'`);
  }
}
