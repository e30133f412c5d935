import { YamlFile } from '../../src';
import { AccessContext, Accessory, EmittedAddress, EndpointAccess, IAccessControl, IAccessoryOwner, parseAddress, roleEnv, HostRef } from '../kamal';
import { Loki } from './loki';
import { grafanaDatasourcesSchema } from './schemas';

/** Props of Grafana: where it runs, its public name and the Loki it reads. */
export interface GrafanaProps {
  /** The server it runs on. */
  readonly host: HostRef;
  /** The public host name kamal-proxy routes to it (with TLS), e.g. `grafana.example.com`. */
  readonly domain: string;
  /** The Loki provisioned as the default (and only) datasource; its URL is asked of it. */
  readonly loki: Loki;
  /** Docker image with tag. @default 'grafana/grafana:12.3.1' */
  readonly image?: string;
  /** Named volume for Grafana's database, plugins and sessions. @default 'grafana-data' */
  readonly volume?: string;
  /**
   * Secret holding the admin password (env `GF_SECURITY_ADMIN_PASSWORD`). Grafana reads it only
   * when it creates the admin user on an empty database; change it later with
   * `grafana cli admin reset-admin-password`.
   * @default 'GF_SECURITY_ADMIN_PASSWORD'
   */
  readonly adminPasswordSecret?: string;
  /** Where the datasources file is written, relative to the app root. @default 'config/observability/grafana/datasources.yaml' */
  readonly datasourcesPath?: string;
}

/** The port Grafana's HTTP server listens on. */
const HTTP_PORT = 3000;
const DATASOURCES_IN_CONTAINER = '/etc/grafana/provisioning/datasources/datasources.yaml';
/** The Loki datasource's uid: stable, so dashboards and links can name it. */
const LOKI_UID = 'loki';

/** The clear settings that keep Grafana to its operators. */
const LOCKED_DOWN: Readonly<Record<string, string>> = {
  GF_USERS_ALLOW_SIGN_UP: 'false',
  GF_AUTH_ANONYMOUS_ENABLED: 'false',
};

/**
 * Grafana 12 as a Kamal accessory behind kamal-proxy (TLS, health check `/api/health`), with
 * Loki provisioned as its single, read-only, default datasource.
 *
 * No grafana.ini is generated: every setting an operator changes here has a `GF_<SECTION>_<KEY>`
 * environment variable, which beats the image's ini file, and the admin password is a Kamal
 * secret passed the same way.
 */
export class Grafana extends Accessory {
  /** The Loki provisioned as its datasource. */
  public readonly loki: Loki;
  /** Public host name kamal-proxy routes to it. */
  public readonly domain: string;
  /** The generated datasources provisioning file, mounted into the container. */
  public readonly datasourcesFile: YamlFile;
  /** Named volume holding Grafana's database, plugins and sessions. */
  public readonly volume: string;
  /** Kamal secret holding the admin password. */
  public readonly adminPasswordSecret: string;

  constructor(scope: IAccessoryOwner, id: string, props: GrafanaProps) {
    const volume = props.volume ?? 'grafana-data';
    const adminPasswordSecret = props.adminPasswordSecret ?? 'GF_SECURITY_ADMIN_PASSWORD';
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(props.domain)) {
      throw new Error(`[${scope.node.path}/${id}] '${props.domain}' is not a host name; give the bare domain kamal-proxy routes, e.g. 'grafana.example.com'`);
    }
    super(scope, id, {
      image: props.image ?? 'grafana/grafana:12.3.1',
      host: props.host,
      env: {
        clear: {
          // Links in alerts and redirects after login use it; kamal-proxy terminates TLS.
          GF_SERVER_ROOT_URL: `https://${props.domain}/`,
          ...LOCKED_DOWN,
          GF_ANALYTICS_REPORTING_ENABLED: 'false',
        },
        secrets: [adminPasswordSecret === 'GF_SECURITY_ADMIN_PASSWORD' ? adminPasswordSecret : { name: 'GF_SECURITY_ADMIN_PASSWORD', secret: adminPasswordSecret }],
      },
      volumes: [{ volume, path: '/var/lib/grafana' }],
      proxy: {
        access: EndpointAccess.restricted(new GrafanaLogin()),
        hosts: [props.domain],
        appPort: HTTP_PORT,
        ssl: true,
        // Answers without login; 503 when Grafana's database is unreachable.
        healthcheck: { path: '/api/health' },
      },
    });
    this.loki = props.loki;
    this.domain = props.domain;
    this.volume = volume;
    this.adminPasswordSecret = adminPasswordSecret;
    this.datasourcesFile = new YamlFile(this, 'Datasources', {
      path: props.datasourcesPath ?? 'config/observability/grafana/datasources.yaml',
      obj: () => this.renderDatasources(),
      validator: grafanaDatasourcesSchema,
    });
    this.addFile({ file: this.datasourcesFile, remote: DATASOURCES_IN_CONTAINER });
    this.requireSecretEnv('GF_SECURITY_ADMIN_PASSWORD');
    this.node.addValidation({ validate: () => this.validateGrafana() });
  }

  /** The public URL. */
  public get url(): string {
    return `https://${this.domain}/`;
  }

  /** The datasource uid of Loki, for dashboards and links. */
  public get lokiDatasourceUid(): string {
    return LOKI_UID;
  }

  private renderDatasources(): Record<string, unknown> {
    return {
      apiVersion: 1,
      datasources: [
        {
          name: 'Loki',
          type: 'loki',
          uid: LOKI_UID,
          // Grafana's server queries Loki on the kamal network; browsers can't reach it.
          access: 'proxy',
          url: this.loki.url,
          isDefault: true,
          // Provisioned, not clicked: the UI can't drift from this file.
          editable: false,
          jsonData: { maxLines: 1000 },
        },
      ],
    };
  }

  /** Every datasource URL, as emitted: the estate checks each is deployed on Grafana's host and network. */
  public emittedAddresses(): EmittedAddress[] {
    const doc = this.datasourcesFile.toObject() as { datasources?: Array<Record<string, unknown>> };
    const out: EmittedAddress[] = [];
    (doc.datasources ?? []).forEach((ds, i) => {
      const url = typeof ds.url === 'string' ? parseAddress(ds.url) : undefined;
      // `access: direct` is fetched by browsers, not by Grafana's server; its URL is not a container.
      if (!url || ds.access === 'direct') return;
      out.push({ file: this.datasourcesFile.path, key: `datasources/${i}/url`, what: `Grafana datasource '${String(ds.name)}'`, host: url.host, port: url.port, path: url.path, from: 'container' });
    });
    return out;
  }

  /** The datasources file as emitted (overrides included) must point at the Loki construct. */
  private validateGrafana(): string[] {
    const doc = this.datasourcesFile.toObject() as { datasources?: Array<Record<string, unknown>> };
    const errors: string[] = [];
    for (const ds of (doc.datasources ?? []).filter((d) => d.type === 'loki')) {
      if (ds.url !== this.loki.url) {
        errors.push(
          `${this.datasourcesFile.path}: datasource '${String(ds.name)}' queries ${String(ds.url)}, but [${this.loki.node.path}] serves ${this.loki.url} — ` +
            'remove the override of url; it comes from the Loki construct',
        );
      }
    }
    return errors;
  }
}

/**
 * Grafana's own login as the access control of its route: it holds only while sign-up and
 * anonymous access are off and the admin password comes from a secret.
 */
export class GrafanaLogin implements IAccessControl {
  /** Names the control in messages and the README. */
  public readonly description = 'Grafana login';

  /**
   * Checks that sign-up and anonymous access are off and the admin password comes from its secret.
   */
  public verify(ctx: AccessContext): string[] {
    const env = roleEnv(ctx);
    const problems: string[] = [];
    for (const [name, value] of Object.entries(LOCKED_DOWN)) {
      if (String(env.clear[name]) !== value) problems.push(`env ${name} is not '${value}'`);
    }
    if (!env.secrets.includes('GF_SECURITY_ADMIN_PASSWORD')) problems.push('secret env GF_SECURITY_ADMIN_PASSWORD is not passed');
    return problems;
  }
}
