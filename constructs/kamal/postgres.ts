import { TextFile } from '../../src';
import { Accessory, IAccessoryOwner } from './accessory';
import { EnvProps } from './env';

export interface PostgresAccessoryProps {
  /** PostgreSQL major version; the image is the official `postgres:<version>`. @default 18 */
  readonly version?: number;
  /**
   * The port PostgreSQL listens on, which the app connects to over the Docker network and which
   * is published on the host's loopback interface for operators (psql through an SSH tunnel).
   * Must be unique per host.
   * @default 5432
   */
  readonly port?: number;
  /** Named volume holding the data (mounted at /var/lib/postgresql, the layout of postgres 18+). */
  readonly volume: string;
  /** Databases the app uses. The first is created by the image (POSTGRES_DB); the others by an init script. */
  readonly databases: readonly string[];
  /** The database superuser the app connects as. @default 'postgres' */
  readonly user?: string;
  /** Secret holding the password. @default 'POSTGRES_PASSWORD' */
  readonly passwordSecret?: string;
  /** Where it runs: a host. */
  readonly host: string;
  /** Publish the port on the host's loopback interface. @default true */
  readonly publishOnLoopback?: boolean;
  /** Extra env for the server. @default - none */
  readonly env?: EnvProps;
}

/**
 * PostgreSQL as a Kamal accessory: official image, data in a named volume, password from a
 * secret, databases created on first boot. The app asks it for `host`, `port` and the names.
 */
export class PostgresAccessory extends Accessory {
  public readonly port: number;
  public readonly databases: readonly string[];
  public readonly user: string;
  public readonly passwordSecret: string;
  public readonly volume: string;
  /** The init script that creates the databases after the first (empty when there is only one). */
  public readonly initScript?: TextFile;

  constructor(scope: IAccessoryOwner, id: string, props: PostgresAccessoryProps) {
    const version = props.version ?? 18;
    const port = props.port ?? 5432;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`[${scope.node.path}/${id}] port ${port} is not a TCP port`);
    if (props.databases.length === 0) throw new Error(`[${scope.node.path}/${id}] give at least one database`);
    for (const db of props.databases) {
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`[${scope.node.path}/${id}] database name '${db}' must be lower-case letters, digits and '_' (no quoting needed)`);
    }
    const user = props.user ?? 'postgres';
    const passwordSecret = props.passwordSecret ?? 'POSTGRES_PASSWORD';
    super(scope, id, {
      image: `postgres:${version}`,
      host: props.host,
      port: props.publishOnLoopback === false ? undefined : { hostIp: '127.0.0.1', hostPort: port, containerPort: port },
      env: {
        clear: { POSTGRES_USER: user, POSTGRES_DB: props.databases[0], ...(port === 5432 ? {} : { PGPORT: String(port) }), ...props.env?.clear },
        secrets: [passwordSecret === 'POSTGRES_PASSWORD' ? 'POSTGRES_PASSWORD' : { name: 'POSTGRES_PASSWORD', secret: passwordSecret }, ...(props.env?.secrets ?? [])],
      },
      volumes: [{ volume: props.volume, path: '/var/lib/postgresql' }],
    });
    this.port = port;
    this.databases = props.databases;
    this.user = user;
    this.passwordSecret = passwordSecret;
    this.volume = props.volume;
    if (props.databases.length > 1) {
      this.initScript = new TextFile(this, 'InitScript', {
        path: `config/postgres/${this.containerName}/create-databases.sql`,
        commentPrefix: '--',
        lines: () => props.databases.slice(1).map((db) => `CREATE DATABASE ${db};`),
      });
      this.addFile({ file: this.initScript, remote: '/docker-entrypoint-initdb.d/create-databases.sql' });
    }
  }

  /** The host name the app connects to: the container name on the Docker network. */
  public get host(): string {
    return this.containerName;
  }

  /** Env for an app that connects: host, port and user in the clear, the password as a secret. */
  public connectionEnv(names: { host?: string; port?: string; user?: string; password?: string } = {}): EnvProps {
    const password = names.password ?? this.passwordSecret;
    return {
      clear: { [names.host ?? 'DB_HOST']: this.host, [names.port ?? 'DB_PORT']: String(this.port), [names.user ?? 'DB_USER']: this.user },
      secrets: [password === this.passwordSecret ? password : { name: password, secret: this.passwordSecret }],
    };
  }

  /** The primary database (the first). */
  public get primaryDatabase(): string {
    return this.databases[0];
  }
}
