import { Annotations, TextFile } from '../../src';
import { Accessory, IAccessoryOwner } from './accessory';
import { Destination, KamalDeploy } from './deploy';
import { EnvProps } from './env';
import { HostRef } from './host';
import * as L1 from './l1';
import { parseVolume } from './volume';

/** Props of a PostgresAccessory: version, storage, databases and where it runs. */
export interface PostgresAccessoryProps {
  /** PostgreSQL major version; the image is the official `postgres:<version>`. @default 18 */
  readonly version?: number;
  /**
   * The major version that created the data in the volume, when `version` is a new major: a
   * major can't read another's data files, so synth warns (`postgres:major-upgrade`) until the
   * data is upgraded (pg_upgrade, or dump and restore) and this is removed. Nothing else records
   * which version wrote a volume: synth never reads the committed out/.
   * @default - the data was created by `version`
   */
  readonly previousVersion?: number;
  /**
   * The port PostgreSQL listens on, which the app connects to over the Docker network and which
   * is published on the host's loopback interface for operators (psql through an SSH tunnel).
   * Must be unique per host.
   * @default 5432
   */
  readonly port?: number;
  /**
   * Named volume holding the data, mounted where the image keeps it: /var/lib/postgresql for
   * 18 and later, /var/lib/postgresql/data for 17 and older.
   */
  readonly volume: string;
  /** Databases the app uses. The first is created by the image (POSTGRES_DB); the others by an init script. */
  readonly databases: readonly string[];
  /** The database superuser the app connects as. @default 'postgres' */
  readonly user?: string;
  /** Secret holding the password. @default 'POSTGRES_PASSWORD' */
  readonly passwordSecret?: string;
  /**
   * Where it runs: a Host (or an address). Apps on other hosts reach it at the Host's private
   * address (see `connectionEnv`).
   */
  readonly host: HostRef;
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
  /** The port PostgreSQL listens on, in the container and on the host's loopback. */
  public readonly port: number;
  /** The databases it holds; the first is the image's `POSTGRES_DB`. */
  public readonly databases: readonly string[];
  /** The superuser the app connects as. */
  public readonly user: string;
  /** Kamal secret holding the password. */
  public readonly passwordSecret: string;
  /** Named volume holding the data. */
  public readonly volume: string;
  /** The major version that created the data, when it is not the image's. */
  public readonly previousVersion?: number;
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
      volumes: [{ volume: props.volume, path: dataMountPath(version) }],
    });
    this.port = port;
    this.databases = props.databases;
    this.user = user;
    this.passwordSecret = passwordSecret;
    this.volume = props.volume;
    this.requireSecretEnv('POSTGRES_PASSWORD');
    if (props.previousVersion !== undefined && (!Number.isInteger(props.previousVersion) || props.previousVersion < 1)) {
      throw new Error(`[${this.node.path}] previousVersion ${props.previousVersion} is not a PostgreSQL major version`);
    }
    this.previousVersion = props.previousVersion;
    this.node.addValidation({ validate: () => this.checkEmitted() });
    if (props.databases.length > 1) {
      this.initScript = new TextFile(this, 'InitScript', {
        path: `config/postgres/${this.containerName}/create-databases.sql`,
        commentPrefix: '--',
        lines: () => props.databases.slice(1).map((db) => `CREATE DATABASE ${db};`),
      });
      this.addFile({ file: this.initScript, remote: '/docker-entrypoint-initdb.d/create-databases.sql' });
    }
  }

  /** The host name an app on its own host connects to: the container name on the Docker network. */
  public get host(): string {
    return this.containerName;
  }

  /** A database: never published on a public interface. */
  public get isDataStore(): boolean {
    return true;
  }

  /**
   * Env for an app that connects: host, port and user in the clear, the password as a secret.
   * With `from`, the hosts the app's roles run on: the container name when they are all on the
   * database's host, its private address otherwise (see `addressFrom`).
   */
  public connectionEnv(names: { host?: string; port?: string; user?: string; password?: string; from?: readonly HostRef[] } = {}): EnvProps {
    const password = names.password ?? this.passwordSecret;
    const addr = names.from ? this.addressFrom(names.from, this.port) : { host: this.host, port: this.port };
    return {
      clear: { [names.host ?? 'DB_HOST']: addr.host, [names.port ?? 'DB_PORT']: String(addr.port), [names.user ?? 'DB_USER']: this.user },
      secrets: [password === this.passwordSecret ? password : { name: password, secret: this.passwordSecret }],
    };
  }

  /** The primary database (the first). */
  public get primaryDatabase(): string {
    return this.databases[0];
  }

  /**
   * The data volume judged on the accessory as emitted in every destination it runs in (image
   * and volumes after overrides): mounted where the image's major keeps its data, and that major
   * able to read what is in it.
   */
  private checkEmitted(): string[] {
    const deploy = KamalDeploy.of(this);
    const destinations = this.node.scope instanceof Destination ? [this.node.scope.name] : deploy.destinationNames();
    const errors = new Set<string>();
    for (const dest of destinations) {
      const acc = deploy.effectiveConfig(dest).accessories?.[this.name];
      if (!acc || (typeof acc.image !== 'string' && typeof acc.image !== 'number')) continue;
      const where = `accessories/${this.name} of ${dest === undefined ? deploy.file : `${deploy.file} -d ${dest}`}`;
      const image = String(acc.image);
      const major = postgresMajor(image);
      if (major === undefined) {
        Annotations.of(this).addWarning(
          'postgres:unknown-major',
          `${where}: image '${image}' names no PostgreSQL major version, so the next pull may bring a major that can't read the data volume; pin it (postgres:${this.previousVersion ?? 18})`,
        );
        continue;
      }
      const problem = mountProblem(acc, major, image);
      if (problem) errors.add(`${where}: ${problem}`);
      const prev = this.previousVersion;
      if (prev !== undefined && prev > major) {
        errors.add(`${where}: image '${image}' is PostgreSQL ${major}, but the data was created by ${prev}, and an older major can't read a newer one's data; restore a dump into a new volume, or go back to postgres:${prev}`);
      } else if (prev !== undefined && prev < major) {
        const layout = prev < 18 && major >= 18 ? ` (and 18 keeps it under ${dataMountPath(major)}, where ${prev} kept it in ${dataMountPath(prev)})` : '';
        Annotations.of(this).addWarning(
          'postgres:major-upgrade',
          `${where}: image '${image}' is PostgreSQL ${major}, but the data in the volume was created by ${prev}, which ${major} can't read${layout}; upgrade the data first (pg_upgrade, or dump and restore into a new volume), then remove previousVersion`,
        );
      }
    }
    return [...errors];
  }
}

/** Where the official image keeps its data: PGDATA moved under the volume in 18. */
function dataMountPath(major: number): string {
  return major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}

/**
 * The PostgreSQL major of an image reference, read from its tag (`postgres:17.2-alpine`,
 * `pgvector/pgvector:pg17`, `timescale/timescaledb:2.17.2-pg17`), or undefined (`latest`, none).
 */
export function postgresMajor(image: string): number | undefined {
  const name = image.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.indexOf(':', slash + 1);
  if (colon < 0) return undefined;
  const tag = name.slice(colon + 1);
  const m = /(?:^|[^a-z])pg([0-9]{1,3})(?![0-9])/.exec(tag) ?? /^([0-9]{1,3})(?![0-9])/.exec(tag);
  return m ? Number(m[1]) : undefined;
}

/** Why the emitted accessory's volumes don't hold the data of `major`, or undefined. */
function mountProblem(acc: L1.Accessory, major: number, image: string): string | undefined {
  const volumes = (Array.isArray(acc.volumes) ? acc.volumes : []).filter((v): v is string => typeof v === 'string').map(parseVolume);
  const env = acc.env as Record<string, unknown> | undefined;
  const clear = env && typeof env.clear === 'object' && env.clear !== null ? (env.clear as Record<string, unknown>) : env && !('secret' in env) ? env : {};
  const pgdata = typeof clear.PGDATA === 'string' ? clear.PGDATA.replace(/\/+$/, '') : undefined;
  if (pgdata !== undefined) {
    if (volumes.some((v) => pgdata === v.target || pgdata.startsWith(`${v.target.replace(/\/+$/, '')}/`))) return undefined;
    return `PGDATA is ${pgdata}, but no volume is mounted there or above it, so the database would live in the container and be lost when it is replaced; mount the data volume at ${pgdata} or a folder above it`;
  }
  const expected = dataMountPath(major);
  if (volumes.some((v) => v.target.replace(/\/+$/, '') === expected)) return undefined;
  const other = volumes.find((v) => v.target.replace(/\/+$/, '') === dataMountPath(major >= 18 ? 17 : 18));
  if (other) {
    return major >= 18
      ? `image '${image}' keeps its data under ${expected} (PGDATA ${expected}/${major}/docker), but volume '${other.source}' is mounted at ${other.target}, where ${major} writes nothing; mount it at ${expected}`
      : `image '${image}' keeps its data in ${expected}, a volume of its own in the image, so volume '${other.source}' mounted at ${other.target} would stay empty and the database would live in an anonymous volume, lost when the container is replaced; mount it at ${expected}`;
  }
  return `image '${image}' keeps its data in ${expected}, but no volume is mounted there, so the database would be lost when the container is replaced; mount the data volume at ${expected}`;
}
