import { Construct, IConstruct } from 'constructs';
import { compareStrings, FileBase } from '../../src';
import { touchModel } from './_generation';
import { EnvProps, EnvSet } from './env';
import * as L1 from './l1';
import { compact, ProxyProps, renderProxy } from './proxy';
import { addressOf, declaredHost, describeHost, HostRef } from './host';
import type { EmittedAddress } from './view';
import { VolumeSpec, volumeArg } from './volume';

/** A published port: `hostIp:hostPort:containerPort`. */
export interface PortMapping {
  /**
   * Host interface to bind. Omit to publish on every interface (an exposure-policy error unless the accessory is public).
   * @default - every interface
   */
  readonly hostIp?: string;
  /** Port on the host. */
  readonly hostPort: number;
  /** Port the container listens on. */
  readonly containerPort: number;
}

/** A file uploaded to the accessory host and mounted into the container. */
export interface AccessoryFile {
  /**
   * A generated file: its own path is the local path (out/ mirrors the app root). Give this or `local`.
   * @default - none; then `local` is required
   */
  readonly file?: FileBase;
  /**
   * A file in the app repository that kamal-cdk does not generate.
   * @default - none; then `file` is required
   */
  readonly local?: string;
  /** Where it appears in the container. */
  readonly remote: string;
  /** File mode on the host. @default - Kamal's default (755) */
  readonly mode?: string;
  /** Owner on the host (`user:group` or uid). @default - the SSH user */
  readonly owner?: string;
  /** Docker mount options (`ro`, `z`). @default - none */
  readonly options?: string;
}

/** A folder created on the accessory host and mounted into the container. */
export interface AccessoryDirectory {
  /** A name relative to the accessory's folder on the host (`$PWD/<container>/<name>`), or an absolute host path. */
  readonly local: string;
  /** Where it appears in the container. */
  readonly remote: string;
  /**
   * Folder mode on the host.
   * @default - left as Kamal creates it
   */
  readonly mode?: string;
  /**
   * Owner on the host (`user:group` or uid); setting it needs root.
   * @default - the SSH user
   */
  readonly owner?: string;
  /**
   * Docker mount options (`ro`, `z`).
   * @default - none
   */
  readonly options?: string;
}

/** Props of an Accessory: its image, where it runs, and what Kamal passes to `docker run`. */
export interface AccessoryProps {
  /** The accessory's key in `accessories:`. @default - the construct id */
  readonly name?: string;
  /** Docker image with tag. */
  readonly image: string;
  /** Container name, instead of `<service>-<name>`. @default - `<service>-<name>` */
  readonly service?: string;
  /**
   * Where it runs: give exactly one of host, hosts, role, roles, tag, tags.
   * @default - none; one of the six is required
   */
  readonly host?: HostRef;
  /**
   * Run on each of these servers.
   * @default - see `host`
   */
  readonly hosts?: readonly HostRef[];
  /**
   * Run on every server of this app role.
   * @default - see `host`
   */
  readonly role?: string;
  /**
   * Run on every server of these app roles.
   * @default - see `host`
   */
  readonly roles?: readonly string[];
  /**
   * Run on every server with this Kamal tag.
   * @default - see `host`
   */
  readonly tag?: string;
  /**
   * Run on every server with any of these Kamal tags.
   * @default - see `host`
   */
  readonly tags?: readonly string[];
  /** Command appended after the image. @default - the image's CMD */
  readonly cmd?: string;
  /** Published port. @default - not published; reachable only on the Docker network */
  readonly port?: PortMapping;
  /**
   * Why the port may be published on every interface. Without it, an estate's exposure policy
   * refuses a port with no `hostIp`.
   * @default - not public: bind it to 127.0.0.1 or leave it unpublished
   */
  readonly publicPortReason?: string;
  /** Docker labels. `service`, `role` and `destination` are Kamal's own. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra `docker run` options (`restart`, `memory`, ...). @default - none */
  readonly options?: Readonly<Record<string, unknown>>;
  /** Environment (accessories do not inherit the app's env). @default - none */
  readonly env?: EnvProps;
  /** Files uploaded and mounted. @default - none */
  readonly files?: readonly AccessoryFile[];
  /** Folders created and mounted. @default - none */
  readonly directories?: readonly AccessoryDirectory[];
  /** Volumes mounted. @default - none */
  readonly volumes?: readonly VolumeSpec[];
  /** Docker network. @default 'kamal' */
  readonly network?: string;
  /** kamal-proxy route to the accessory. @default - no route */
  readonly proxy?: ProxyProps;
  /** Registry to pull the image from, when not the config's. @default - the image is pulled as named */
  readonly registry?: {
    /** Registry host (and port). */
    readonly server: string;
    /**
     * User name to log in with.
     * @default - no login
     */
    readonly username?: string;
    /**
     * Kamal secret holding the password.
     * @default - no password
     */
    readonly passwordSecret?: string;
  };
}

/** The config (and destination) an accessory belongs to; implemented by KamalDeploy and Destination. */
export interface IAccessoryOwner extends IConstruct {
  /** The Kamal service name in force where the accessory is declared. */
  readonly service: string;
}

const ACCESSORY_SYMBOL = Symbol.for('kamal-cdk.Accessory');

/**
 * A Kamal accessory: a long-running container beside the app (database, registry, log store).
 * Declared under a KamalDeploy it runs in every destination; under a Destination, only there.
 * Other constructs ask it for its container name and port instead of typing them.
 */
export class Accessory extends Construct {
  /** Whether `x` is an Accessory, also across copies of this library loaded twice. */
  public static isAccessory(x: unknown): x is Accessory {
    return typeof x === 'object' && x !== null && ACCESSORY_SYMBOL in x;
  }

  /** The key under `accessories:`. */
  public readonly name: string;
  /** Docker image with tag. */
  public readonly image: string;
  protected readonly props: AccessoryProps;
  private readonly extraFiles: AccessoryFile[] = [];
  private readonly extraVolumes: VolumeSpec[] = [];
  private readonly extraEnv: EnvProps[] = [];
  private readonly requiredSecrets: string[] = [];
  /** The port published on the host's private address, once a client on another host needs it. */
  private privatePort?: PortMapping;
  private readonly reachProblems: string[] = [];

  constructor(scope: IAccessoryOwner, id: string, props: AccessoryProps) {
    super(scope, id);
    Object.defineProperty(this, ACCESSORY_SYMBOL, { value: true });
    this.name = props.name ?? id;
    if (!/^[a-z0-9_-]+$/i.test(this.name)) {
      throw new Error(`[${this.node.path}] accessory name '${this.name}' must be letters, digits, '-' and '_' (it is part of the container name)`);
    }
    this.image = props.image;
    this.props = props;
    touchModel();
    this.node.addValidation({ validate: () => [...new Set(this.reachProblems)] });
  }

  /**
   * Whether it holds data others read (a database, a cache): its ports are never published on a
   * public interface, whatever its image is called.
   */
  public get isDataStore(): boolean {
    return false;
  }

  /** The hosts it is placed on by `host` or `hosts` (empty when placed by role or tag). */
  public get placement(): readonly HostRef[] {
    return this.props.host !== undefined ? [this.props.host] : [...(this.props.hosts ?? [])];
  }

  /**
   * Where containers on the hosts `from` reach this accessory's `containerPort`. When every one
   * of them is on its own host, its container name: the kamal network resolves it there. Otherwise
   * its host's private address, and the port is then published on that address only (`hostPort`
   * there), never on a public interface. An accessory that can't be reached that way (no private
   * address shared with every client's host, or not on exactly one host) is a validation error
   * naming the hosts and what to declare.
   */
  public addressFrom(from: readonly HostRef[], containerPort: number, hostPort: number = containerPort): AccessoryAddress {
    const mine = this.placement.map(addressOf);
    const others = [...new Set(from.map(addressOf))].filter((a) => !mine.includes(a));
    const local: AccessoryAddress = { host: this.containerName, port: containerPort, via: 'container' };
    // Every client on its host: the kamal network reaches it. Placed by role or tag, where it runs is
    // known only from the emitted config, and the estate's reachability check judges the name there.
    if (others.length === 0 || mine.length === 0) return local;
    const clients = others.map((a) => describeHost(this, a)).join(', ');
    if (mine.length !== 1) {
      this.reachProblems.push(
        `clients on ${clients} connect to it, but it runs on ${mine.length} hosts, so no one address reaches it from another host — place it on one Host (host: <Host>) with a private address`,
      );
      return local;
    }
    const home = declaredHost(this, this.placement[0]);
    const where = describeHost(this, mine[0]);
    if (!home) {
      this.reachProblems.push(
        `clients on ${clients} connect to it on ${where}, where its container name resolves only on that host's Docker network, and ${where} is not a declared Host — ` +
          'declare a Host with a privateAddress on a PrivateNetwork and place it there, or run the clients on its host',
      );
      return local;
    }
    if (!home.privateAddress) {
      this.reachProblems.push(
        `clients on ${clients} connect to it on ${home.label}, where its container name resolves only on that host's Docker network, and ${home.name} has no private address — ` +
          `declare a PrivateNetwork and give ${home.name} and the clients' hosts a privateAddress on it (HostProps privateNetwork, privateAddress), or run the clients on ${home.name}`,
      );
      return local;
    }
    const outside = others.filter((a) => {
      const h = declaredHost(this, a);
      return !h || !h.sharesNetworkWith(home);
    });
    if (outside.length > 0) {
      this.reachProblems.push(
        `clients on ${outside.map((a) => describeHost(this, a)).join(', ')} connect to it at ${home.privateAddress} on ${home.label}, but are not on its private network [${home.privateNetwork!.node.path}] — ` +
          'give their Hosts a privateAddress on that network, or run the clients on the same host',
      );
      return local;
    }
    const mapping: PortMapping = { hostIp: home.privateAddress, hostPort, containerPort };
    if (this.privatePort && (this.privatePort.hostPort !== hostPort || this.privatePort.containerPort !== containerPort)) {
      this.reachProblems.push(
        `is reached across hosts on ${portArg(this.privatePort)} and on ${portArg(mapping)}, but Kamal publishes one port per accessory — connect every client to the same port`,
      );
    }
    this.privatePort = mapping;
    touchModel();
    return { host: home.privateAddress, port: hostPort, via: 'private' };
  }

  /** The config or destination the accessory was declared in. */
  public get owner(): IAccessoryOwner {
    return this.node.scope as IAccessoryOwner;
  }

  /**
   * The container name, which is also its host name on the Docker network: `<service>-<name>`
   * (Kamal leaves the destination out of it), or the `service` prop.
   */
  public get containerName(): string {
    return this.props.service ?? `${this.owner.service}-${this.name}`;
  }

  /** The port published on the host, if any: on its private address once a client on another host needs it. */
  public get publishedPort(): PortMapping | undefined {
    return this.privatePort ?? this.props.port;
  }

  /** Why the port may be published on every interface, if it may. */
  public get publicPortReason(): string | undefined {
    return this.props.publicPortReason;
  }

  /** The volumes as `--volume` arguments. */
  public get volumeArgs(): string[] {
    return [...(this.props.volumes ?? []), ...this.extraVolumes].map(volumeArg);
  }

  /** The kamal-proxy route, if any. */
  public get proxy(): ProxyProps | undefined {
    return this.props.proxy;
  }

  /** Adds a file to upload and mount. */
  public addFile(file: AccessoryFile): void {
    this.extraFiles.push(file);
    touchModel();
  }

  /** Adds a volume. */
  public addVolume(volume: VolumeSpec): void {
    this.extraVolumes.push(volume);
    touchModel();
  }

  /** Adds environment. */
  public addEnv(env: EnvProps): void {
    this.extraEnv.push(env);
    touchModel();
  }

  /**
   * Declares secret env the container can't run without (a database password): the config's
   * validation checks it is still passed in the effective config, after overrides.
   */
  public requireSecretEnv(name: string): void {
    if (!this.requiredSecrets.includes(name)) this.requiredSecrets.push(name);
  }

  /**
   * The addresses this accessory's emitted documents point at, read back from the documents as
   * emitted (overrides included). The estate's reachability check resolves each one.
   */
  public emittedAddresses(): EmittedAddress[] {
    return [];
  }

  /** The secret env names this accessory requires. */
  public get requiredSecretEnv(): readonly string[] {
    return this.requiredSecrets;
  }

  /** The accessory's entry under `accessories:`, in Kamal's documented key order. */
  public toKamal(): L1.Accessory {
    const p = this.props;
    const env = EnvSet.of(p.env, ...this.extraEnv).toKamal();
    const files = [...(p.files ?? []), ...this.extraFiles].map((f) => this.renderFile(f));
    const volumes = [...(p.volumes ?? []), ...this.extraVolumes].map(volumeArg);
    return compact<L1.Accessory>({
      service: p.service,
      image: p.image,
      registry: p.registry && compact({ server: p.registry.server, username: p.registry.username, password: p.registry.passwordSecret ? [p.registry.passwordSecret] as [string] : undefined }),
      host: p.host === undefined ? undefined : addressOf(p.host),
      hosts: p.hosts && p.hosts.map(addressOf),
      role: p.role,
      roles: p.roles && [...p.roles],
      tag: p.tag,
      tags: p.tags && [...p.tags],
      cmd: p.cmd,
      port: this.publishedPort && portArg(this.publishedPort),
      labels: p.labels && sortedRecord(p.labels),
      options: p.options && sortedRecord(p.options),
      env,
      files: files.length > 0 ? files : undefined,
      directories: p.directories && p.directories.length > 0 ? p.directories.map(renderDirectory) : undefined,
      volumes: volumes.length > 0 ? volumes : undefined,
      network: p.network,
      proxy: p.proxy && renderProxy(p.proxy),
    });
  }

  private renderFile(f: AccessoryFile): L1.AccessoryFile {
    if ((f.file === undefined) === (f.local === undefined)) {
      throw new Error(`[${this.node.path}] a file for ${f.remote} needs exactly one of file (a generated file) or local (a path in the app repository)`);
    }
    const local = f.file ? f.file.path : f.local!;
    if (f.mode === undefined && f.owner === undefined) return f.options ? `${local}:${f.remote}:${f.options}` : `${local}:${f.remote}`;
    return compact({ local, remote: f.remote, mode: f.mode, owner: f.owner, options: f.options });
  }
}

/** Where a client reaches an accessory: by container name on its host, or at its host's private address. */
export interface AccessoryAddress {
  /** The container name, or the private address. */
  readonly host: string;
  /** The port to connect to. */
  readonly port: number;
  /** `container`: the kamal network of the accessory's host; `private`: the private network. */
  readonly via: 'container' | 'private';
}

/**
 * Docker's `--publish` argument for a port mapping.
 * @internal
 */
export function portArg(p: PortMapping): string {
  return p.hostIp ? `${p.hostIp}:${p.hostPort}:${p.containerPort}` : `${p.hostPort}:${p.containerPort}`;
}

function renderDirectory(d: AccessoryDirectory): L1.AccessoryDirectory {
  if (d.mode === undefined && d.owner === undefined) return d.options ? `${d.local}:${d.remote}:${d.options}` : `${d.local}:${d.remote}`;
  return compact({ local: d.local, remote: d.remote, mode: d.mode, owner: d.owner, options: d.options });
}

/**
 * A copy of a user-filled map with keys sorted, so the order props were written in never shows.
 * @internal
 */
export function sortedRecord<T>(r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort(compareStrings)) out[k] = r[k];
  return out;
}
