import { Construct } from 'constructs';
import { Checks, Finding } from '../../src';
import {
  BasicAuth, Destination, EndpointAccess, EnvProps, KamalDeploy, LoggingProps, PostgresAccessory,
  ProxyProps, RegistryProps, BuilderProps, VolumeSpec,
} from '../kamal';

/** Facts about the Rails app's own settings that decide hazards (they live in the app's repository). */
export interface RailsSettings {
  /** Active Storage service in production (`config/storage.yml` + `config.active_storage.service`). */
  readonly activeStorage?: 'local' | 's3' | 'gcs' | 'azure' | 'other';
  /** Action Cable adapter in production (`config/cable.yml`). */
  readonly actionCable?: 'redis' | 'solid_cable' | 'async' | 'postgresql' | 'none';
  /** `config.force_ssl` in production.rb. */
  readonly forceSsl: boolean;
  /** `config.assume_ssl` in production.rb. */
  readonly assumeSsl: boolean;
}

export interface RailsAppProps {
  readonly service: string;
  readonly image: string;
  readonly registry: RegistryProps;
  /** @default { arch: 'amd64' } */
  readonly builder?: BuilderProps;
  /** The server the app runs on (an address or an ERB fragment). */
  readonly host: string;
  /** Logging of the web role (e.g. a journald source's `dockerLogging`). @default - Kamal's default */
  readonly logging?: LoggingProps;
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
  readonly rails: RailsSettings;
}

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
  /** The app's database. */
  readonly database: {
    /** The accessory's key (its container is `<service>-<name>`). @default 'postgres' */
    readonly name?: string;
    readonly version?: number;
    readonly port?: number;
    readonly volume: string;
    /** Primary database first, then the others (cache, queue, cable). */
    readonly databases: readonly string[];
  };
}

/**
 * A Rails app deployed with Kamal: web role behind kamal-proxy with TLS and the Rails health
 * check, the master key as a secret, a PostgreSQL accessory per destination whose container name
 * the app's DB host comes from, and the hazards its settings imply, as warnings.
 */
export class RailsApp extends Construct {
  public readonly deploy: KamalDeploy;
  private readonly props: RailsAppProps;
  private readonly databases = new Map<string, PostgresAccessory>();

  constructor(scope: Construct, id: string, props: RailsAppProps) {
    super(scope, id);
    this.props = props;
    this.deploy = new KamalDeploy(this, 'Deploy', {
      service: props.service,
      image: props.image,
      registry: props.registry,
      builder: props.builder ?? { arch: 'amd64' },
      roles: { web: { hosts: [props.host], logging: props.logging } },
      proxy: {
        ssl: true,
        // TLS ends at kamal-proxy, so Rails must be told the original scheme and client.
        forwardHeaders: true,
        appPort: props.appPort,
        healthcheck: { path: props.healthcheckPath ?? '/up' },
      },
      env: { clear: props.env?.clear, secrets: [props.masterKeySecret ?? 'RAILS_MASTER_KEY', ...(props.env?.secrets ?? [])] },
    });
    Checks.of(this).add(() => this.hazards());
  }

  /** Adds a destination with its domain, access, database and storage. */
  public addDestination(name: string, props: RailsDestinationProps): Destination {
    const volumes: VolumeSpec[] = props.storageVolume ? [{ volume: props.storageVolume, path: this.props.storagePath ?? '/app/storage' }] : [];
    const proxy: ProxyProps = { hosts: [props.domain], access: props.access };
    const access = props.access;
    const basic = !access.isPublic && access.control instanceof BasicAuth ? access.control.env : undefined;
    const dest = this.deploy.addDestination(name, {
      service: props.service,
      image: props.image,
      proxy,
      volumes,
      env: { clear: { ...basic?.clear, ...props.env?.clear }, secrets: [...(basic?.secrets ?? []), ...(props.env?.secrets ?? [])] },
    });
    const db = new PostgresAccessory(dest, props.database.name ?? 'postgres', {
      host: this.props.host,
      version: props.database.version,
      port: props.database.port,
      volume: props.database.volume,
      databases: props.database.databases,
    });
    dest.addEnv(db.connectionEnv());
    dest.addEnv({ clear: { DB_NAME: db.primaryDatabase, ...(db.databases[1] ? { CACHE_DB_NAME: db.databases[1] } : {}) } });
    this.databases.set(name, db);
    return dest;
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
        const vol = (this.deploy.effectiveConfig(dest).volumes ?? []).find((v) => v.split(':')[1] === storagePath);
        out.push({
          construct: this,
          severity: 'warning',
          id: 'rails:uploads-on-local-disk',
          message: vol
            ? `Active Storage keeps uploads on local disk in volume ${vol.split(':')[0]} (${dest}): losing the volume loses every upload; back it up or move to object storage`
            : `Active Storage keeps uploads on local disk at ${storagePath} (${dest}) with no volume: every deploy loses every upload; mount a volume there`,
        });
      }
    }
    if (r.actionCable === 'redis') {
      for (const dest of this.deploy.destinationNames()) {
        const accessories = Object.values(this.deploy.effectiveConfig(dest).accessories ?? {});
        if (!accessories.some((a) => /(^|\/)(redis|valkey)(:|$)/.test(String(a.image)))) {
          out.push({
            construct: this,
            severity: 'warning',
            id: 'rails:action-cable-without-redis',
            message: `Action Cable uses the redis adapter, but ${dest} has no Redis accessory: Action Cable fails in ${dest}; add a Redis accessory or switch cable.yml to solid_cable`,
          });
        }
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
