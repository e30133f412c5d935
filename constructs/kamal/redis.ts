import { TextFile } from '../../src';
import { Accessory, IAccessoryOwner } from './accessory';
import { EnvProps } from './env';
import { HostRef } from './host';

/** The server: Redis, or Valkey (the Linux Foundation's fork, same protocol and `redis://` URLs). */
export type RedisEngine = 'redis' | 'valkey';

/** A Redis or Valkey server's image, data, placement and password. */
export interface RedisAccessoryProps {
  /** Redis or Valkey. @default 'redis' */
  readonly engine?: RedisEngine;
  /**
   * The image tag: a version (`7.4`, `8.1.3`), optionally `-alpine`. The image is the official
   * `redis:<version>` or `valkey/valkey:<version>`.
   * @default '7.4' for Redis, '8.1' for Valkey
   */
  readonly version?: string;
  /** Named volume for the data (append-only file and snapshots), mounted at /data. */
  readonly volume: string;
  /**
   * Where it runs: a Host (or an address). Apps on other hosts reach it at the Host's private
   * address (see `connectionEnv`).
   */
  readonly host: HostRef;
  /**
   * Host port it is published on when an app on another host connects (on the host's private
   * address only), and on loopback with `publishOnLoopback`. In the container it listens on 6379.
   * @default 6379
   */
  readonly port?: number;
  /** Publish the port on the host's loopback interface, for operators (redis-cli through an SSH tunnel). @default false */
  readonly publishOnLoopback?: boolean;
  /**
   * Secret holding the password clients must give (`requirepass`). It reaches the server through
   * an ERB config file Kamal renders with the accessory's env at boot, so it never appears in a
   * command line.
   * @default - no password: only containers on its Docker network and hosts on the private network reach it
   */
  readonly passwordSecret?: string;
  /** The logical database in the URL apps get. @default 0 */
  readonly database?: number;
}

const CONTAINER_PORT = 6379;
/** The env name the password reaches the server's ERB config under. */
const PASSWORD_ENV = 'REDIS_PASSWORD';
const REDIS_SYMBOL = Symbol.for('kamal-cdk.RedisAccessory');

/**
 * Redis or Valkey as a Kamal accessory: the official image, data in a named volume with the
 * append-only file on, an optional password from a secret. Apps ask it for `connectionEnv()`
 * (`REDIS_URL`), and Rails' hazards recognise it by construct, whatever the image is called.
 */
export class RedisAccessory extends Accessory {
  /** Whether `x` is a RedisAccessory (of any copy of this module). */
  public static isRedisAccessory(x: unknown): x is RedisAccessory {
    return typeof x === 'object' && x !== null && REDIS_SYMBOL in x;
  }

  /** Redis or Valkey. */
  public readonly engine: RedisEngine;
  /** The image tag. */
  public readonly version: string;
  /** The data volume. */
  public readonly volume: string;
  /** Host port (private address, loopback). */
  public readonly port: number;
  /** The secret holding the password, if any. */
  public readonly passwordSecret?: string;
  /** The logical database in the URL apps get. */
  public readonly database: number;
  /** The server's config file (ERB: Kamal renders it with the accessory's env at boot). */
  public readonly configFile: TextFile;

  constructor(scope: IAccessoryOwner, id: string, props: RedisAccessoryProps) {
    const engine = props.engine ?? 'redis';
    const version = props.version ?? (engine === 'redis' ? '7.4' : '8.1');
    const path = `${scope.node.path}/${id}`;
    if (engine !== 'redis' && engine !== 'valkey') throw new Error(`[${path}] engine '${engine as string}' must be 'redis' or 'valkey'`);
    if (!/^\d+(\.\d+){0,2}(-alpine)?$/.test(version)) {
      throw new Error(`[${path}] version '${version}' must be a release such as '7.4' or '8.1.3' (optionally '-alpine'), so a pull never brings an unplanned major`);
    }
    const port = props.port ?? CONTAINER_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`[${path}] port ${port} is not a TCP port`);
    const database = props.database ?? 0;
    if (!Number.isInteger(database) || database < 0 || database > 15) throw new Error(`[${path}] database ${database} must be 0-15 (Redis' default number of databases)`);
    const server = engine === 'redis' ? 'redis-server' : 'valkey-server';
    // Where the server reads its config in the container.
    const configInContainer = `/usr/local/etc/${engine}/${engine}.conf`;
    super(scope, id, {
      image: engine === 'redis' ? `redis:${version}` : `valkey/valkey:${version}`,
      host: props.host,
      // The image's entrypoint drops to its own user for the server, whatever the command's arguments.
      cmd: `${server} ${configInContainer}`,
      port: props.publishOnLoopback ? { hostIp: '127.0.0.1', hostPort: port, containerPort: CONTAINER_PORT } : undefined,
      env: props.passwordSecret
        ? { secrets: [props.passwordSecret === PASSWORD_ENV ? PASSWORD_ENV : { name: PASSWORD_ENV, secret: props.passwordSecret }] }
        : undefined,
      volumes: [{ volume: props.volume, path: '/data' }],
    });
    Object.defineProperty(this, REDIS_SYMBOL, { value: true });
    this.engine = engine;
    this.version = version;
    this.volume = props.volume;
    this.port = port;
    this.passwordSecret = props.passwordSecret;
    this.database = database;
    if (props.passwordSecret) this.requireSecretEnv(PASSWORD_ENV);
    const password = props.passwordSecret !== undefined;
    this.configFile = new TextFile(this, 'Config', {
      // `.erb`: Kamal renders an accessory file ending in erb with the accessory's env (secrets too) before uploading it.
      path: `config/${engine}/${this.containerName}/${engine}.conf${password ? '.erb' : ''}`,
      commentPrefix: '#',
      lines: () => [
        // Every write in the append-only file, fsynced each second: at most a second lost on a crash.
        'appendonly yes',
        'appendfsync everysec',
        'dir /data',
        // fetch: a missing secret fails the boot instead of leaving the server open; inspect: a
        // double-quoted string with \" and \\ escaped, as redis.conf reads one.
        ...(password ? [`requirepass <%= ENV.fetch("${PASSWORD_ENV}").inspect %>`] : []),
      ],
    });
    // With the password in it, only the server's user may read it: uid 999 is the redis/valkey user of the official images.
    this.addFile(password ? { file: this.configFile, remote: configInContainer, mode: '0600', owner: '999:999' } : { file: this.configFile, remote: configInContainer });
  }

  /** A cache and a store: never published on a public interface. */
  public get isDataStore(): boolean {
    return true;
  }

  /**
   * Env for an app that connects: `REDIS_URL` in the clear (no password in it) and, with a
   * password, `REDIS_PASSWORD` as a secret (Rails: `password: ENV["REDIS_PASSWORD"]` beside the
   * url in cable.yml and the cache store). With `from`, the hosts the app's roles run on: the
   * container name when they are all on its host, its private address otherwise.
   */
  public connectionEnv(names: { url?: string; password?: string; from?: readonly HostRef[] } = {}): EnvProps {
    const addr = names.from ? this.addressFrom(names.from, CONTAINER_PORT, this.port) : { host: this.containerName, port: CONTAINER_PORT };
    const passwordName = names.password ?? PASSWORD_ENV;
    return {
      clear: { [names.url ?? 'REDIS_URL']: `redis://${addr.host}:${addr.port}/${this.database}` },
      secrets: this.passwordSecret ? [passwordName === this.passwordSecret ? passwordName : { name: passwordName, secret: this.passwordSecret }] : undefined,
    };
  }
}
