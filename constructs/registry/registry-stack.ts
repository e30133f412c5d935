import { Construct } from 'constructs';
import { Checks, Finding, pathOf } from '../../src';
import { EndpointAccess, KamalDeploy, L1, RegistryProps, HostRef } from '../kamal';
import { DEFAULT_AUTH_PROXY_IMAGE, RegistryAuthProxy } from './auth-proxy';
import { DEFAULT_DOCKER_AUTH_IMAGE, DockerAuth, DockerAuthAclEntry } from './docker-auth';
import { DEFAULT_REGISTRY_IMAGE, DockerRegistry, registryMajorVersionOf } from './docker-registry';
import { RegistryMajorVersion } from './schemas';

/** A registry account, and the secret its password is kept in. */
export interface RegistryStackUser {
  /** Account name (`docker login -u`, Kamal's `registry.username`). */
  readonly name: string;
  /**
   * Kamal secret holding the password, as the configs that push and pull use it
   * (`registry.password`). The hash docker_auth checks is derived from it at deploy time
   * (`DockerAuth.passwordHashSecrets(stack.auth)`).
   */
  readonly passwordSecret: string;
  /** Secret carrying the derived hash to docker_auth. @default `REGISTRY_<NAME>_PASSWORD_HASH` */
  readonly passwordHashSecret?: string;
}

/** Props of RegistryStack: the registry's name, accounts and where it runs, and the images. */
export interface RegistryStackProps {
  /** The registry's public host name (`repo.example.com`); images are tagged `<domain>/<image>`. */
  readonly domain: string;
  /** Server address the three containers run on, e.g. `Erb.env('KAMAL_SERVER_IP_ADDRESS')`. */
  readonly host: HostRef;
  /** Kamal service of the registry config, the prefix of its container names (e.g. `<app>-registry`). */
  readonly service: string;
  /** Accounts. At least one. */
  readonly users: readonly RegistryStackUser[];
  /**
   * `secrets_path` of the registry config. A path of its own keeps docker_auth's password-hash
   * secret (and the htpasswd run that derives it) out of every other config's deploys.
   * @default '.kamal/secrets'
   */
  readonly secretsPath?: string;
  /** The Kamal config file, deployed with `kamal -c`. @default 'config/deploy.registry.yml' */
  readonly file?: string;
  /**
   * Port of Kamal's local registry, the config's own root registry. `kamal accessory boot` logs in
   * to the root registry first; a `localhost:<port>` registry needs no login, so the registry can
   * be booted before it exists.
   * @default 5555
   */
  readonly localRegistryPort?: number;
  /** Registry (CNCF distribution) image. @default 'registry:2.8.3' */
  readonly registryImage?: string;
  /** Registry major version. @default - read from registryImage's tag; an error if the tag does not tell */
  readonly registryMajorVersion?: RegistryMajorVersion;
  /** docker_auth image of the token server. @default 'cesanta/docker_auth:1.14' */
  readonly authImage?: string;
  /** nginx image of the auth proxy. @default 'nginx:1.28' */
  readonly proxyImage?: string;
  /** The auth proxy's nginx server block template. @default - the bundled one (see RegistryAuthProxyProps.template) */
  readonly authProxyTemplate?: string;
  /** Path of the token endpoint on the registry host. @default '/auth' */
  readonly authPathPrefix?: string;
  /** ACL rules of docker_auth. @default - every user may do everything */
  readonly acl?: readonly DockerAuthAclEntry[];
  /** Allow deleting images. @default true */
  readonly deleteEnabled?: boolean;
  /** Host folder holding the token signing key pair. @default '/etc/registry-auth' */
  readonly certificateDir?: string;
}

/**
 * A private Docker registry in one standalone Kamal config: the registry, docker_auth issuing
 * its tokens, and nginx putting docker_auth on `<domain>/auth`. Every fact one of them needs
 * from another is asked of it, and checked again on the rendered files at synth.
 */
export class RegistryStack extends Construct {
  /** The registry's public host name. */
  public readonly domain: string;
  /** The standalone Kamal config the three accessories are deployed with. */
  public readonly deploy: KamalDeploy;
  /** The registry itself. */
  public readonly registry: DockerRegistry;
  /** docker_auth, the token server. */
  public readonly auth: DockerAuth;
  /** nginx in front of docker_auth on `<domain><authPathPrefix>`. */
  public readonly authProxy: RegistryAuthProxy;
  /** The accounts, as given. */
  public readonly users: readonly RegistryStackUser[];

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id);
    const image = props.registryImage ?? DEFAULT_REGISTRY_IMAGE;
    const major = props.registryMajorVersion ?? registryMajorVersionOf(image);
    if (major === undefined) {
      throw new Error(`[${this.node.path}] can't tell the registry major version from image '${image}'; pass registryMajorVersion: 2 or 3`);
    }
    const port = props.localRegistryPort ?? 5555;
    this.domain = props.domain;
    this.users = props.users;

    this.deploy = new KamalDeploy(this, 'Deploy', {
      file: props.file ?? 'config/deploy.registry.yml',
      service: props.service,
      secretsPath: props.secretsPath,
      // Not the registry being booted: Kamal's local registry needs no login and no credentials.
      registry: { server: `localhost:${port}` },
      builder: { arch: 'amd64' },
    });
    this.auth = new DockerAuth(this.deploy, 'DockerAuth', {
      host: props.host,
      image: props.authImage ?? DEFAULT_DOCKER_AUTH_IMAGE,
      users: props.users.map((u) => ({ name: u.name, passwordSecret: u.passwordSecret, passwordHashSecret: u.passwordHashSecret })),
      registryVersion: major,
      acl: props.acl,
      certificateDir: props.certificateDir,
    });
    this.authProxy = new RegistryAuthProxy(this.deploy, 'AuthProxy', {
      host: props.host,
      domain: props.domain,
      image: props.proxyImage ?? DEFAULT_AUTH_PROXY_IMAGE,
      upstream: this.auth,
      pathPrefix: props.authPathPrefix,
      template: props.authProxyTemplate,
      access: EndpointAccess.restricted(this.auth.accessControl),
    });
    this.registry = new DockerRegistry(this.deploy, 'Registry', {
      host: props.host,
      domain: props.domain,
      image,
      majorVersion: major,
      deleteEnabled: props.deleteEnabled,
      certificateDir: this.auth.certificateDir,
      tokenAuth: {
        realm: this.authProxy.url,
        service: props.domain,
        issuer: this.auth.issuer,
        rootCertBundle: this.auth.certificatePath,
      },
    });

    this.node.addValidation({ validate: () => this.validateWiring() });
    this.node.addValidation({ validate: () => this.validateBootstrap() });
    this.node.addValidation({ validate: () => this.validateClients() });
    Checks.of(this).add(() => this.unverifiableClients());
  }

  /** The registry host, for the `registry:` of the configs that push and pull. */
  public get server(): string {
    return this.domain;
  }

  /** The `registry:` settings of a config that logs in as `user`. */
  public loginAs(user: string): RegistryProps {
    const u = this.users.find((x) => x.name === user);
    if (!u) throw new Error(`[${this.node.path}] has no user '${user}'; it has ${this.users.map((x) => x.name).join(', ')}`);
    return { server: this.server, username: u.name, passwordSecret: u.passwordSecret };
  }

  /** Realm, issuer, certificate, upstream and key-id format, read from the rendered files. */
  private validateWiring(): string[] {
    const errors: string[] = [];
    const regFile = this.registry.configFile.path;
    const authFile = this.auth.configFile.path;
    const token = (this.registry.configFile.toObject() as any)?.auth?.token ?? {};
    const authDoc = (this.auth.configFile.toObject() as any) ?? {};

    if (token.realm !== this.authProxy.url) {
      errors.push(`${regFile}: auth.token.realm is ${show(token.realm)}, but the token endpoint is ${this.authProxy.url} (the route of [${pathOf(this.authProxy)}]) — clients would ask the wrong place for tokens; make the realm the auth proxy's URL`);
    }
    if (token.issuer !== authDoc.token?.issuer) {
      errors.push(`${regFile}: auth.token.issuer is ${show(token.issuer)}, but ${authFile} issues tokens as ${show(authDoc.token?.issuer)} — the registry would refuse every token; make them the same`);
    }
    if (token.rootcertbundle !== authDoc.token?.certificate) {
      errors.push(`${regFile}: auth.token.rootcertbundle is ${show(token.rootcertbundle)}, but ${authFile} signs with ${show(authDoc.token?.certificate)} — the registry would not trust the signing key; point rootcertbundle at docker_auth's certificate`);
    }

    const addr = String(authDoc.server?.addr ?? '');
    const portMatch = /:(\d+)$/.exec(addr);
    const authPort = portMatch ? Number(portMatch[1]) : undefined;
    const up = this.authProxy.renderedUpstream();
    if (typeof up !== 'string' && (up.host !== this.auth.containerName || up.port !== authPort)) {
      errors.push(`${this.authProxy.configFile.path}: nginx forwards ${this.authProxy.pathPrefix} to ${up.host}:${up.port}, but docker_auth runs as ${this.auth.containerName} listening on ${show(addr)} (${authFile} server.addr) — make nginx's upstream docker_auth's container name and port`);
    }

    const rfc7638 = authDoc.token?.disable_legacy_key_id === true;
    const needs = this.registry.majorVersion >= 3;
    if (rfc7638 !== needs) {
      errors.push(
        needs
          ? `${authFile}: registry ${this.registry.majorVersion}.x finds signing keys by RFC 7638 thumbprint, but docker_auth signs with libtrust key ids (token.disable_legacy_key_id is not true) — set it to true`
          : `${authFile}: token.disable_legacy_key_id is true, so tokens carry RFC 7638 key ids, but registry 2.x finds signing keys by libtrust key id and would refuse them — remove it, or run registry 3`,
      );
    }
    return errors;
  }

  /**
   * `kamal accessory boot` logs in to the config's root registry first (or to an accessory's own
   * registry, when it has one): neither may be this registry.
   */
  private validateBootstrap(): string[] {
    const errors: string[] = [];
    for (const dest of this.deploy.destinationNames()) {
      const cfg = this.deploy.effectiveConfig(dest);
      const logins: Array<[string, L1.Registry | undefined]> = [
        ['registry.server', cfg.registry],
        ...Object.entries(cfg.accessories ?? {}).map(([name, a]): [string, L1.Registry | undefined] => [`accessories.${name}.registry.server`, a.registry]),
      ];
      for (const [key, reg] of logins) {
        if (reg?.server === undefined || hostOf(String(reg.server)) !== this.domain) continue;
        errors.push(
          `${this.deploy.file}${dest ? ` -d ${dest}` : ''}: ${key} is ${reg.server}, the registry this config boots — ` +
            `kamal accessory boot logs in to it before anything runs, so the first boot can never succeed; use Kamal's local registry (localhost:<port>)`,
        );
      }
    }
    return errors;
  }

  /** Every other config that uses this registry logs in as a declared user, with that user's password secret. */
  private validateClients(): string[] {
    const errors: string[] = [];
    for (const { where, reg } of this.clientLogins()) {
      if (Array.isArray(reg.username)) continue;
      const name = reg.username === undefined ? undefined : String(reg.username);
      const user = this.users.find((u) => u.name === name);
      if (!user) {
        errors.push(`${where} logs in to ${this.domain} as ${show(name)}, which docker_auth does not know (users: ${this.users.map((u) => u.name).join(', ')}) — use registry: <stack>.loginAs('<user>') or declare the user`);
        continue;
      }
      const secret = Array.isArray(reg.password) ? reg.password[0] : undefined;
      if (secret !== user.passwordSecret) {
        errors.push(`${where} logs in to ${this.domain} as ${user.name} with ${secret ? `secret ${secret}` : 'no password secret'}, but docker_auth's hash for ${user.name} is derived from ${user.passwordSecret} — use registry: <stack>.loginAs('${user.name}')`);
      }
    }
    return errors;
  }

  /** A user name kept in a secret can't be checked here: a hazard, not an error. */
  private unverifiableClients(): Finding[] {
    const which = this.clientLogins()
      .filter(({ reg }) => Array.isArray(reg.username))
      .map(({ where, reg }) => `${where} reads its registry user from secret ${(reg.username as [string])[0]}`);
    if (which.length === 0) return [];
    return [{
      construct: this,
      severity: 'warning',
      id: 'registry:unverifiable-user',
      message: `can't check that these configs log in as a docker_auth user: ${which.join('; ')}; a wrong name fails only at deploy`,
    }];
  }

  /** The `registry:` of every other config and destination that names this registry. */
  private clientLogins(): Array<{ where: string; reg: L1.Registry }> {
    const out: Array<{ where: string; reg: L1.Registry }> = [];
    for (const deploy of KamalDeploy.all(this)) {
      if (deploy === this.deploy) continue;
      for (const dest of deploy.destinationNames()) {
        const reg: L1.Registry | undefined = deploy.effectiveConfig(dest)?.registry;
        if (!reg || reg.server === undefined || hostOf(String(reg.server)) !== this.domain) continue;
        out.push({ where: `${deploy.file}${dest ? ` -d ${dest}` : ''} [${pathOf(deploy)}]`, reg });
      }
    }
    return out;
  }
}

function show(v: unknown): string {
  return v === undefined ? '(not set)' : JSON.stringify(v);
}

/** The host part of a registry server (`repo.example.com:443` → `repo.example.com`). */
function hostOf(server: string): string {
  return server.replace(/^https?:\/\//, '').replace(/\/.*$/, '').replace(/:\d+$/, '');
}
