import { Construct, IConstruct } from 'constructs';
import { compareStrings, FileBase } from '../../src';
import { EnvProps, EnvSet } from './env';
import * as L1 from './l1';
import { compact, ProxyProps, renderProxy } from './proxy';
import { VolumeSpec, volumeArg } from './volume';

type HostSpecLike = string | { readonly host: string; readonly tags: readonly string[] };

/** A published port: `hostIp:hostPort:containerPort`. */
export interface PortMapping {
  /** Host interface to bind. Omit to publish on every interface (an exposure-policy error unless the accessory is public). */
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

/** A file uploaded to the accessory host and mounted into the container. */
export interface AccessoryFile {
  /** A generated file: its own path is the local path (out/ mirrors the app root). Give this or `local`. */
  readonly file?: FileBase;
  /** A file in the app repository that kamal-cdk does not generate. */
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
  readonly remote: string;
  readonly mode?: string;
  readonly owner?: string;
  readonly options?: string;
}

export interface AccessoryProps {
  /** The accessory's key in `accessories:`. @default - the construct id */
  readonly name?: string;
  /** Docker image with tag. */
  readonly image: string;
  /** Container name, instead of `<service>-<name>`. @default - `<service>-<name>` */
  readonly service?: string;
  /** Where it runs: give exactly one of host, hosts, role, roles, tag, tags. */
  readonly host?: string;
  readonly hosts?: readonly string[];
  readonly role?: string;
  readonly roles?: readonly string[];
  readonly tag?: string;
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
  readonly registry?: { readonly server: string; readonly username?: string; readonly passwordSecret?: string };
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
  public static isAccessory(x: unknown): x is Accessory {
    return typeof x === 'object' && x !== null && ACCESSORY_SYMBOL in x;
  }

  /** The key under `accessories:`. */
  public readonly name: string;
  public readonly image: string;
  protected readonly props: AccessoryProps;
  private readonly extraFiles: AccessoryFile[] = [];
  private readonly extraVolumes: VolumeSpec[] = [];
  private readonly extraEnv: EnvProps[] = [];

  constructor(scope: IAccessoryOwner, id: string, props: AccessoryProps) {
    super(scope, id);
    Object.defineProperty(this, ACCESSORY_SYMBOL, { value: true });
    this.name = props.name ?? id;
    if (!/^[a-z0-9_-]+$/i.test(this.name)) {
      throw new Error(`[${this.node.path}] accessory name '${this.name}' must be letters, digits, '-' and '_' (it is part of the container name)`);
    }
    this.image = props.image;
    this.props = props;
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

  /** The port published on the host, if any. */
  public get publishedPort(): PortMapping | undefined {
    return this.props.port;
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

  /**
   * The server addresses the accessory runs on, given the settings of the config (and
   * destination) it is deployed with: its host(s), or the hosts of its role(s) / tag(s).
   */
  public hostsIn(settings: { readonly roles?: Readonly<Record<string, { readonly hosts?: readonly HostSpecLike[] }>> }): string[] {
    const p = this.props;
    if (p.host) return [p.host];
    if (p.hosts) return [...p.hosts];
    const roles = p.role ? [p.role] : p.roles ? [...p.roles] : Object.keys(settings.roles ?? {});
    const tags = p.tag ? [p.tag] : p.tags ?? [];
    const out = new Set<string>();
    for (const r of roles) {
      for (const h of settings.roles?.[r]?.hosts ?? []) {
        if (typeof h === 'string') {
          if (tags.length === 0) out.add(h);
        } else if (tags.length === 0 || h.tags.some((t) => tags.includes(t))) {
          out.add(h.host);
        }
      }
    }
    return [...out];
  }

  /** Adds a file to upload and mount. */
  public addFile(file: AccessoryFile): void {
    this.extraFiles.push(file);
  }

  /** Adds a volume. */
  public addVolume(volume: VolumeSpec): void {
    this.extraVolumes.push(volume);
  }

  /** Adds environment. */
  public addEnv(env: EnvProps): void {
    this.extraEnv.push(env);
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
      host: p.host,
      hosts: p.hosts && [...p.hosts],
      role: p.role,
      roles: p.roles && [...p.roles],
      tag: p.tag,
      tags: p.tags && [...p.tags],
      cmd: p.cmd,
      port: p.port && portArg(p.port),
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

/** Docker's `--publish` argument for a port mapping. */
export function portArg(p: PortMapping): string {
  return p.hostIp ? `${p.hostIp}:${p.hostPort}:${p.containerPort}` : `${p.hostPort}:${p.containerPort}`;
}

function renderDirectory(d: AccessoryDirectory): L1.AccessoryDirectory {
  if (d.mode === undefined && d.owner === undefined) return d.options ? `${d.local}:${d.remote}:${d.options}` : `${d.local}:${d.remote}`;
  return compact({ local: d.local, remote: d.remote, mode: d.mode, owner: d.owner, options: d.options });
}

/** A copy of a user-filled map with keys sorted, so the order props were written in never shows. */
export function sortedRecord<T>(r: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort(compareStrings)) out[k] = r[k];
  return out;
}
