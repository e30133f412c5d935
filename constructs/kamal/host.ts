import { Construct, IConstruct } from 'constructs';
import { Erb } from '../../src';
import { hostLabel } from './reach';

/** A private network's range. */
export interface PrivateNetworkProps {
  /**
   * The network's IPv4 range in CIDR notation (`10.0.0.0/24`). Every private address on it must
   * be inside; ERB addresses are taken on trust.
   */
  readonly cidr: string;
}

const NETWORKS = new WeakMap<IConstruct, PrivateNetwork[]>();

/**
 * A private network between the estate's hosts (a cloud VPC, a vSwitch, WireGuard): ports
 * published on a host's address there are reachable by the other hosts on it and by nothing
 * else. Databases and caches that serve another host are published there, never on a public
 * interface.
 */
export class PrivateNetwork extends Construct {
  /** Every private network in the tree of `scope`, in creation order. */
  public static all(scope: IConstruct): readonly PrivateNetwork[] {
    return NETWORKS.get(scope.node.root) ?? [];
  }

  /** Its range, as given (`10.0.0.0/24`). */
  public readonly cidr: string;
  private readonly base: number;
  private readonly mask: number;

  constructor(scope: Construct, id: string, props: PrivateNetworkProps) {
    super(scope, id);
    const m = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(props.cidr);
    const ip = m ? ipv4(m[1]) : undefined;
    const bits = m ? Number(m[2]) : NaN;
    if (ip === undefined || !(bits >= 8 && bits <= 32)) {
      throw new Error(`[${this.node.path}] '${props.cidr}' is not an IPv4 range in CIDR notation; give one like 10.0.0.0/24`);
    }
    this.cidr = props.cidr;
    this.mask = bits === 32 ? 0xffffffff : (~(0xffffffff >>> bits)) >>> 0;
    this.base = (ip & this.mask) >>> 0;
    const list = NETWORKS.get(this.node.root) ?? [];
    list.push(this);
    NETWORKS.set(this.node.root, list);
  }

  /** Whether `address` is on this network (an ERB address is taken on trust). */
  public contains(address: string): boolean {
    if (Erb.isErb(address)) return true;
    const ip = ipv4(address);
    return ip !== undefined && ((ip & this.mask) >>> 0) === this.base;
  }
}

/** A server's addresses and tags. */
export interface HostProps {
  /**
   * The address Kamal connects to over SSH and lists under `servers:`: an IP, a DNS name, or an
   * ERB fragment read at deploy time (`Erb.env('WEB1_IP')`).
   */
  readonly address: string;
  /** The private network the host is on. Give it with `privateAddress`. @default - on no private network */
  readonly privateNetwork?: PrivateNetwork;
  /**
   * The host's address on `privateNetwork`. Ports another host connects to (a database, a cache,
   * a log store) are published on this address only.
   * @default - none: containers on this host are reachable from other hosts only through kamal-proxy
   */
  readonly privateAddress?: string;
  /** Kamal tags of the host (`servers: [{ "<address>": [tags] }]`), for tag env and accessory placement. @default - none */
  readonly tags?: readonly string[];
}

const HOSTS = new WeakMap<IConstruct, Host[]>();
const HOST_SYMBOL = Symbol.for('kamal-cdk.Host');

/**
 * A server of the estate, declared once and placed by object: roles and accessories take the
 * Host, and the estate checks group what runs on it by it. Its private address is what another
 * host connects to when a container name can't reach (container names resolve only on their own
 * host's Docker network).
 */
export class Host extends Construct {
  /** Every host in the tree of `scope`, in creation order. */
  public static all(scope: IConstruct): readonly Host[] {
    return HOSTS.get(scope.node.root) ?? [];
  }

  /** The host declared with `address`, if any. */
  public static at(scope: IConstruct, address: string): Host | undefined {
    return Host.all(scope).find((h) => h.address === address);
  }

  /** The host whose private address is `address`, if any. */
  public static withPrivateAddress(scope: IConstruct, address: string): Host | undefined {
    return Host.all(scope).find((h) => h.privateAddress === address);
  }

  /** Whether `x` is a Host (of any copy of this module). */
  public static isHost(x: unknown): x is Host {
    return typeof x === 'object' && x !== null && HOST_SYMBOL in x;
  }

  /** The host's name (its construct id), for messages. */
  public readonly name: string;
  /** The address Kamal lists and connects to. */
  public readonly address: string;
  /** The private network it is on, if any. */
  public readonly privateNetwork?: PrivateNetwork;
  /** Its address on that network, if any. */
  public readonly privateAddress?: string;
  /** Its Kamal tags. */
  public readonly tags: readonly string[];

  constructor(scope: Construct, id: string, props: HostProps) {
    super(scope, id);
    Object.defineProperty(this, HOST_SYMBOL, { value: true });
    this.name = id;
    if (!props.address || /\s/.test(props.address.replace(/<%.*?%>/g, ''))) {
      throw new Error(`[${this.node.path}] address '${props.address}' is not a host address; give an IP, a DNS name or an ERB fragment such as Erb.env('WEB1_IP')`);
    }
    if ((props.privateNetwork === undefined) !== (props.privateAddress === undefined)) {
      throw new Error(`[${this.node.path}] give privateNetwork and privateAddress together: the address is the host's on that network`);
    }
    if (props.privateNetwork && props.privateAddress && !props.privateNetwork.contains(props.privateAddress)) {
      throw new Error(`[${this.node.path}] private address ${props.privateAddress} is not on [${props.privateNetwork.node.path}] (${props.privateNetwork.cidr}); give an address in that range`);
    }
    for (const tag of props.tags ?? []) {
      if (!/^[A-Za-z0-9_-]+$/.test(tag)) throw new Error(`[${this.node.path}] tag '${tag}' must be letters, digits, '-' and '_'`);
    }
    this.address = props.address;
    this.privateNetwork = props.privateNetwork;
    this.privateAddress = props.privateAddress;
    this.tags = [...(props.tags ?? [])];
    const list = HOSTS.get(this.node.root) ?? [];
    list.push(this);
    HOSTS.set(this.node.root, list);
    // Placement is judged on the emitted configs, by the Estate (a host nothing runs on is an error there).
    this.node.addValidation({ validate: () => this.validateHost() });
  }

  /** `web-1 (192.0.2.10)`, for messages. */
  public get label(): string {
    return `${this.name} (${hostLabel(this.address)})`;
  }

  /** Whether `other` can reach this host's private address: both on the same private network. */
  public sharesNetworkWith(other: Host): boolean {
    return this.privateNetwork !== undefined && this.privateNetwork === other.privateNetwork;
  }

  private validateHost(): string[] {
    const errors: string[] = [];
    for (const other of Host.all(this)) {
      if (other === this) break;
      if (other.address === this.address) errors.push(`has the address ${hostLabel(this.address)} of [${other.node.path}] — one machine is one Host; place everything on [${other.node.path}] and remove this one`);
      if (this.privateAddress !== undefined && other.privateAddress === this.privateAddress) {
        errors.push(`has the private address ${this.privateAddress} of [${other.node.path}] — give each host its own address on the network`);
      }
    }
    return errors;
  }
}

/** Where something runs: a Host, or an address (or ERB fragment) as Kamal lists it. */
export type HostRef = string | Host;

/** The address Kamal lists for a host reference. */
export function addressOf(h: HostRef): string {
  return typeof h === 'string' ? h : h.address;
}

/** The Host a reference names: the object, or the host declared with that address in the tree of `scope`. */
export function declaredHost(scope: IConstruct, h: HostRef): Host | undefined {
  return typeof h === 'string' ? Host.at(scope, h) : h;
}

/** A host for messages: `web-1 (192.0.2.10)` for a declared Host, the address (or its ERB variable) otherwise. */
export function describeHost(scope: IConstruct, address: string): string {
  return Host.at(scope, address)?.label ?? hostLabel(address);
}

function ipv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}
