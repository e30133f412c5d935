import { Construct } from 'constructs';
import { Checks, Finding } from '../../src';
import {
  BasicAuth, BuilderProps, describeHost, Destination, DestinationProps, EndpointAccess, EnvProps, HostRef, KamalDeploy, LoggingProps,
  PostgresAccessory, ProxyProps, RedisAccessory, RedisEngine, RegistryProps, RoleProps, VolumeSpec,
} from '../kamal';

/** Facts about the Rails app's own settings that decide hazards (they live in the app's repository). */
export interface RailsSettings {
  /**
   * Active Storage service in production (`config/storage.yml` + `config.active_storage.service`).
   * @default - unknown; no upload hazard is reported
   */
  readonly activeStorage?: 'local' | 's3' | 'gcs' | 'azure' | 'other';
  /**
   * Action Cable adapter in production (`config/cable.yml`).
   * @default - unknown; no Action Cable hazard is reported
   */
  readonly actionCable?: 'redis' | 'solid_cable' | 'async' | 'postgresql' | 'none';
  /**
   * Cache store in production (`config.cache_store`): `redis` for `:redis_cache_store`.
   * @default - unknown; no cache hazard is reported
   */
  readonly cacheStore?: 'redis' | 'solid_cache' | 'memory' | 'file' | 'null' | 'other';
  /** `config.force_ssl` in production.rb. */
  readonly forceSsl: boolean;
  /** `config.assume_ssl` in production.rb. */
  readonly assumeSsl: boolean;
}

/**
 * Props of a RailsApp: its image and registry, its servers and roles, TLS, and the Rails settings
 * that decide its hazards.
 */
export interface RailsAppProps {
  /** Kamal service name: the prefix of every container name. */
  readonly service: string;
  /** Image name, without the registry host. */
  readonly image: string;
  /** Where the image is pushed and pulled, and the login. */
  readonly registry: RegistryProps;
  /**
   * How `kamal build` builds the image.
   * @default - `{ arch: 'amd64' }`
   */
  readonly builder?: BuilderProps;
  /**
   * The one server of a one-host estate: the web role and, unless a destination says otherwise,
   * its database. A Host, an address or an ERB fragment. Give this, or `hosts`, or each
   * destination's `hosts`.
   * @default - none: `hosts`, or each destination's
   */
  readonly host?: HostRef;
  /**
   * The servers of the web role in every destination (a destination's `hosts` replaces them).
   * With several, give `tls` custom certificates: Kamal's automatic TLS works on one server only.
   * @default - `[host]`
   */
  readonly hosts?: readonly HostRef[];
  /** Logging of the web role (e.g. a journald source's `dockerLogging`). @default - Kamal's default */
  readonly logging?: LoggingProps;
  /**
   * Roles beside `web` that run the app image with another command and no proxy, e.g.
   * `{ jobs: { cmd: 'bin/jobs', hosts: [jobsHost] } }` for Solid Queue. Each must have hosts,
   * here or in every destination.
   * @default - none
   */
  readonly roles?: Readonly<Record<string, RailsRoleProps>>;
  /**
   * TLS at kamal-proxy: `'automatic'` (Let's Encrypt, one server only), or a certificate and key
   * from secrets, required when the web role runs on several hosts.
   * @default 'automatic'
   */
  readonly tls?: RailsTls;
  /** Path of the Rails health check (`rails/health#show`). @default '/up' */
  readonly healthcheckPath?: string;
  /** The port Rails listens on in the container (Thruster: 80). @default 80 */
  readonly appPort?: number;
  /** Secret holding the master key. @default 'RAILS_MASTER_KEY' */
  readonly masterKeySecret?: string;
  /** Where Active Storage's local disk service writes, in the container. @default '/app/storage' */
  readonly storagePath?: string;
  /** Env for every destination. @default - none */
  readonly env?: EnvProps;
  /** What the app's own Rails configuration says, for the hazard warnings. */
  readonly rails: RailsSettings;
}

/** TLS at kamal-proxy: automatic (Let's Encrypt), or the names of the secrets holding a PEM certificate (chain) and its key. */
export type RailsTls = 'automatic' | { readonly certificatePem: string; readonly privateKeyPem: string };

/** A role beside `web`: the app image with another command, behind no proxy (a worker). */
export interface RailsRoleProps {
  /** The command (`bin/jobs` for Solid Queue, `bundle exec sidekiq`). */
  readonly cmd: string;
  /** Its servers in every destination (a destination's `roles.<name>.hosts` replaces them). @default - the destination's */
  readonly hosts?: readonly HostRef[];
  /** Env added to the app's for this role. @default - none */
  readonly env?: EnvProps;
  /** Its logging (e.g. a journald source's `dockerLogging`). @default - Kamal's default */
  readonly logging?: LoggingProps;
}

/** A job role's settings in one destination. */
export interface RailsDestinationRoleProps {
  /** Its servers in this destination. @default - the app's `roles.<name>.hosts` */
  readonly hosts?: readonly HostRef[];
  /** Env added for this role in this destination. @default - none */
  readonly env?: EnvProps;
}

/** A Redis or Valkey accessory of a destination; the app gets its `REDIS_URL`. */
export interface RailsRedisProps {
  /** The accessory's key (its container is `<service>-<name>`). @default 'redis' */
  readonly name?: string;
  /**
   * Redis or Valkey.
   * @default 'redis'
   */
  readonly engine?: RedisEngine;
  /**
   * The image tag.
   * @default '7.4' for Redis, '8.1' for Valkey
   */
  readonly version?: string;
  /** Named volume for its data. */
  readonly volume: string;
  /** Where it runs. @default - the database's host */
  readonly host?: HostRef;
  /** Host port (private address, loopback). @default 6379 */
  readonly port?: number;
  /** Secret holding its password. @default - no password */
  readonly passwordSecret?: string;
}

/**
 * One destination of a RailsApp: its domain and access, its database, and what differs from the app.
 */
export interface RailsDestinationProps {
  /** Kamal service in this destination. @default - the app's service */
  readonly service?: string;
  /** Image in this destination. @default - the app's image */
  readonly image?: string;
  /** The public host name; kamal-proxy terminates TLS for it. */
  readonly domain: string;
  /** Who may reach it. */
  readonly access: EndpointAccess;
  /** Named volume for Active Storage's local disk. @default - no storage volume */
  readonly storageVolume?: string;
  /** Env for this destination. @default - none */
  readonly env?: EnvProps;
  /** The web role's servers in this destination. @default - the app's `hosts` (or `host`) */
  readonly hosts?: readonly HostRef[];
  /** Hosts (and env) of the app's job roles in this destination. @default - the app's */
  readonly roles?: Readonly<Record<string, RailsDestinationRoleProps>>;
  /** TLS in this destination. @default - the app's `tls` */
  readonly tls?: RailsTls;
  /** A Redis or Valkey accessory; the app gets `REDIS_URL` (and `REDIS_PASSWORD`). @default - none */
  readonly redis?: RailsRedisProps;
  /** The app's database. */
  readonly database: {
    /** The accessory's key (its container is `<service>-<name>`). @default 'postgres' */
    readonly name?: string;
    /** Where it runs. Apps on other hosts reach it at the host's private address. @default - the app's `host` */
    readonly host?: HostRef;
    /**
     * PostgreSQL major version.
     * @default 18
     */
    readonly version?: number;
    /**
     * Port PostgreSQL listens on; unique per host.
     * @default 5432
     */
    readonly port?: number;
    /** Named volume holding the data. */
    readonly volume: string;
    /** Primary database first, then the others (cache, queue, cable). */
    readonly databases: readonly string[];
  };
}

/**
 * A Rails app deployed with Kamal: web role behind kamal-proxy with TLS and the Rails health
 * check, job roles beside it, the master key as a secret, a PostgreSQL (and optionally Redis)
 * accessory per destination whose address the app's env comes from (the container name on its
 * own host, the host's private address from others), and the hazards its settings imply, as
 * warnings.
 */
export class RailsApp extends Construct {
  /** The app's Kamal config, `config/deploy.yml` with one file per destination. */
  public readonly deploy: KamalDeploy;
  private readonly props: RailsAppProps;
  private readonly databases = new Map<string, PostgresAccessory>();
  private readonly caches = new Map<string, RedisAccessory>();

  constructor(scope: Construct, id: string, props: RailsAppProps) {
    super(scope, id);
    this.props = props;
    const roles: Record<string, RoleProps> = { web: { hosts: props.hosts ?? (props.host !== undefined ? [props.host] : []), logging: props.logging } };
    for (const [name, r] of Object.entries(props.roles ?? {})) {
      if (name === 'web' || !/^[a-z0-9_-]+$/i.test(name)) {
        throw new Error(`[${this.node.path}] role name '${name}' must be letters, digits, '-' and '_', and not web (the app's own role)`);
      }
      if (!r.cmd || !r.cmd.trim()) throw new Error(`[${this.node.path}] role ${name} needs a cmd (e.g. 'bin/jobs'): without one it would run the web server again`);
      roles[name] = { hosts: r.hosts ?? [], cmd: r.cmd, env: r.env, logging: r.logging };
    }
    this.deploy = new KamalDeploy(this, 'Deploy', {
      service: props.service,
      image: props.image,
      registry: props.registry,
      builder: props.builder ?? { arch: 'amd64' },
      roles,
      proxy: {
        ssl: sslOf(props.tls, this.node.path),
        // TLS ends at kamal-proxy, so Rails must be told the original scheme and client.
        forwardHeaders: true,
        appPort: props.appPort,
        healthcheck: { path: props.healthcheckPath ?? '/up' },
      },
      env: { clear: props.env?.clear, secrets: [props.masterKeySecret ?? 'RAILS_MASTER_KEY', ...(props.env?.secrets ?? [])] },
    });
    // Rails can't decrypt its credentials without it: an override that drops it is an error.
    this.deploy.requireSecretEnv(props.masterKeySecret ?? 'RAILS_MASTER_KEY', { by: this });
    Checks.of(this).add(() => this.hazards());
    this.node.addValidation({ validate: () => this.validateRoles() });
  }

  /** The job roles' names (every role but web). */
  public get jobRoles(): string[] {
    return Object.keys(this.props.roles ?? {});
  }

  /** Adds a destination with its domain, access, database and storage. */
  public addDestination(name: string, props: RailsDestinationProps): Destination {
    const volumes: VolumeSpec[] = props.storageVolume ? [{ volume: props.storageVolume, path: this.props.storagePath ?? '/app/storage' }] : [];
    const proxy: ProxyProps = { hosts: [props.domain], access: props.access, ...(props.tls ? { ssl: sslOf(props.tls, `${this.node.path}/${name}`) } : {}) };
    const access = props.access;
    const basic = !access.isPublic && access.control instanceof BasicAuth ? access.control.env : undefined;
    const roles: Record<string, RoleProps> = {};
    if (props.hosts) roles.web = { hosts: props.hosts };
    for (const [role, r] of Object.entries(props.roles ?? {})) {
      if (!this.props.roles?.[role]) {
        throw new Error(`[${this.node.path}] destination ${name} sets role '${role}', which the app does not declare — declare it in the RailsApp's roles (with its cmd)`);
      }
      roles[role] = { hosts: r.hosts, env: r.env };
    }
    const settings: DestinationProps = {
      service: props.service,
      image: props.image,
      proxy,
      volumes,
      env: { clear: { ...basic?.clear, ...props.env?.clear }, secrets: [...(basic?.secrets ?? []), ...(props.env?.secrets ?? [])] },
    };
    const dest = this.deploy.addDestination(name, Object.keys(roles).length > 0 ? { ...settings, roles } : settings);
    // Every host a role of this destination runs on: they all connect to the database and cache.
    const webHosts = props.hosts ?? this.props.hosts ?? (this.props.host !== undefined ? [this.props.host] : []);
    const clients = [...webHosts, ...Object.entries(this.props.roles ?? {}).flatMap(([role, r]) => props.roles?.[role]?.hosts ?? r.hosts ?? [])];
    const dbHost = props.database.host ?? this.props.host;
    if (dbHost === undefined) throw new Error(`[${this.node.path}] destination ${name} needs a database host — give database.host (a Host), or the RailsApp's host`);
    const db = new PostgresAccessory(dest, props.database.name ?? 'postgres', {
      host: dbHost,
      version: props.database.version,
      port: props.database.port,
      volume: props.database.volume,
      databases: props.database.databases,
    });
    dest.addEnv(db.connectionEnv({ from: clients }));
    if (props.redis) {
      const r = props.redis;
      const redis = new RedisAccessory(dest, r.name ?? 'redis', {
        engine: r.engine, version: r.version, volume: r.volume, host: r.host ?? dbHost, port: r.port, passwordSecret: r.passwordSecret,
      });
      dest.addEnv(redis.connectionEnv({ from: clients }));
      this.caches.set(name, redis);
    }
    dest.addEnv({ clear: { DB_NAME: db.primaryDatabase, ...(db.databases[1] ? { CACHE_DB_NAME: db.databases[1] } : {}) } });
    this.databases.set(name, db);
    return dest;
  }

  /** The Redis (or Valkey) of a destination, if it has one. */
  public cache(destination: string): RedisAccessory | undefined {
    return this.caches.get(destination);
  }

  /**
   * Judged on each destination's emitted config: every role has hosts; a job role (which runs
   * with no proxy) serves no route; automatic TLS only where web runs on one host.
   */
  private validateRoles(): string[] {
    const errors: string[] = [];
    for (const dest of this.deploy.destinationNames()) {
      const view = this.deploy.view(dest);
      const named = dest ? `destination ${dest}` : 'the config';
      for (const name of ['web', ...this.jobRoles]) {
        const role = view.roles.find((r) => r.name === name);
        if (!role || role.hosts.length === 0) {
          const fix = name === 'web' ? "give the RailsApp hosts (or host), or the destination's hosts" : `give roles.${name}.hosts on the RailsApp, or on addDestination('${dest ?? ''}', { roles: { ${name}: { hosts } } })`;
          errors.push(`${view.where}: role ${name} has no hosts in ${named}, so Kamal refuses the config — ${fix}`);
        }
        if (role?.route && name !== 'web') {
          errors.push(
            `${view.where}: ${role.route.key} routes ${role.route.hosts.join(', ') || 'every host name'} to role ${name}, a job role that runs with proxy: false and must serve no route — ` +
              'remove the override that gives it a proxy, or serve the route from web',
          );
        }
      }
      const web = view.roles.find((r) => r.name === 'web');
      if (web?.proxy && web.proxy.ssl === true && web.hosts.length > 1) {
        errors.push(
          `${view.where}: the web role runs on ${web.hosts.length} hosts (${web.hosts.map((h) => describeHost(this, h)).join(', ')}) with automatic TLS, which Kamal refuses: ` +
            "Let's Encrypt certificates are issued to one server only — give tls: { certificatePem: '<SECRET>', privateKeyPem: '<SECRET>' } (secrets holding the PEM certificate chain and key), or run web on one host",
        );
      }
    }
    return errors;
  }

  /** The database of a destination. */
  public database(destination: string): PostgresAccessory {
    const db = this.databases.get(destination);
    if (!db) throw new Error(`[${this.node.path}] has no destination '${destination}'`);
    return db;
  }

  private hazards(): Finding[] {
    const out: Finding[] = [];
    const r = this.props.rails;
    const storagePath = this.props.storagePath ?? '/app/storage';
    if (r.activeStorage === 'local') {
      for (const dest of this.deploy.destinationNames()) {
        const vol = this.deploy.view(dest).roles.flatMap((r) => r.volumes).find((v) => v.target === storagePath);
        out.push({
          construct: this,
          severity: 'warning',
          id: 'rails:uploads-on-local-disk',
          message: vol
            ? `Active Storage keeps uploads on local disk in volume ${vol.source} (${dest}): losing the volume loses every upload; back it up or move to object storage`
            : `Active Storage keeps uploads on local disk at ${storagePath} (${dest}) with no volume: every deploy loses every upload; mount a volume there`,
        });
      }
    }
    // A Redis is recognised by construct (a RedisAccessory the emitted config still deploys), not by image name.
    const hasRedis = (dest: string | undefined) => this.deploy.view(dest).accessories.some((a) => RedisAccessory.isRedisAccessory(a.owner));
    const needsRedis: Array<{ on: boolean; id: string; message: (dest: string | undefined) => string }> = [
      {
        on: r.actionCable === 'redis',
        id: 'rails:action-cable-without-redis',
        message: (dest) => `Action Cable uses the redis adapter, but ${dest} has no Redis accessory: Action Cable fails in ${dest}; add a Redis accessory or switch cable.yml to solid_cable`,
      },
      {
        on: r.cacheStore === 'redis',
        id: 'rails:cache-without-redis',
        message: (dest) =>
          `the cache store is redis_cache_store, but ${dest} has no Redis accessory: every cache read misses and every write fails in ${dest}; add a Redis accessory (redis on the destination) or switch to solid_cache`,
      },
    ];
    for (const hazard of needsRedis.filter((h) => h.on)) {
      for (const dest of this.deploy.destinationNames()) {
        if (!hasRedis(dest)) out.push({ construct: this, severity: 'warning', id: hazard.id, message: hazard.message(dest) });
      }
    }
    if (!r.forceSsl && !r.assumeSsl) {
      out.push({
        construct: this,
        severity: 'warning',
        id: 'rails:tls-at-proxy',
        message: 'TLS ends at kamal-proxy while force_ssl and assume_ssl are off in production.rb: Rails relies on forward_headers for the scheme, and sends no HSTS header itself',
      });
    }
    return out;
  }
}

/** `proxy.ssl` for a TLS choice. */
function sslOf(tls: RailsTls | undefined, where: string): ProxyProps['ssl'] {
  if (tls === undefined || tls === 'automatic') return true;
  if (!tls.certificatePem || !tls.privateKeyPem) throw new Error(`[${where}] tls needs both certificatePem and privateKeyPem: the names of the secrets holding the certificate chain and its key`);
  return { certificatePem: tls.certificatePem, privateKeyPem: tls.privateKeyPem };
}
