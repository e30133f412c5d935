import { Construct } from 'constructs';
import { KamalDeploy, HostRef } from '../kamal';
import { FluentBit } from './fluent-bit';
import { Grafana } from './grafana';
import { JournaldSource } from './journald-source';
import { Loki } from './loki';

/** Props of ObservabilityStack: the server(s), Grafana's public name, and the images. */
export interface ObservabilityStackProps {
  /**
   * Kamal service of the standalone config; the accessories' containers are
   * `<service>-loki`, `<service>-fluent-bit` and `<service>-grafana`.
   */
  readonly service: string;
  /** The server all three run on (Fluent Bit reads this server's journal). */
  readonly host: HostRef;
  /**
   * Every server whose journal is collected: Fluent Bit runs on each and ships to Loki (at Loki's
   * private address from the other hosts, so they need one on a shared PrivateNetwork).
   * @default - `[host]`
   */
  readonly fluentBitHosts?: readonly HostRef[];
  /** Public host name of Grafana behind kamal-proxy. */
  readonly grafanaDomain: string;
  /** Journal sources Fluent Bit collects. More can be added with `fluentBit.addSource`. @default - none yet */
  readonly sources?: readonly JournaldSource[];
  /** The config file, relative to the app root. @default 'config/deploy.observability.yml' */
  readonly file?: string;
  /** Loki image. @default 'grafana/loki:3.4.1' */
  readonly lokiImage?: string;
  /** Fluent Bit image. @default 'fluent/fluent-bit:4.2.2' */
  readonly fluentBitImage?: string;
  /** Grafana image. @default 'grafana/grafana:12.3.1' */
  readonly grafanaImage?: string;
  /** How long Loki keeps logs. @default '744h' (31 days; see LokiProps) */
  readonly retentionPeriod?: string;
  /** Secret holding Grafana's admin password. @default 'GF_SECURITY_ADMIN_PASSWORD' */
  readonly grafanaAdminPasswordSecret?: string;
}

/**
 * The log stack as one standalone Kamal config
 * (`kamal accessory boot all -c config/deploy.observability.yml`): Loki, Fluent Bit shipping the
 * host journal to it, and Grafana reading it. Each refers to the others by object, so Loki's container name is written
 * once, by Kamal's naming rule.
 */
export class ObservabilityStack extends Construct {
  /** The standalone Kamal config the three accessories are booted with. */
  public readonly deploy: KamalDeploy;
  /** Loki, the log store. */
  public readonly loki: Loki;
  /** Fluent Bit, shipping the journal of each collected server to Loki. */
  public readonly fluentBit: FluentBit;
  /** Grafana, reading Loki, behind kamal-proxy on `grafanaDomain`. */
  public readonly grafana: Grafana;

  constructor(scope: Construct, id: string, props: ObservabilityStackProps) {
    super(scope, id);
    this.deploy = new KamalDeploy(this, 'Deploy', {
      file: props.file ?? 'config/deploy.observability.yml',
      service: props.service,
      // Kamal's local registry: nothing is built here, and `kamal accessory boot` skips
      // `docker login` for a localhost registry, so the log stack never depends on the private
      // registry being up (it is what you look at when the registry is down).
      registry: { server: 'localhost:5555' },
      // Required by Kamal's validator even for a config of accessories only.
      builder: { arch: 'amd64' },
    });
    this.loki = new Loki(this.deploy, 'loki', { host: props.host, image: props.lokiImage, retentionPeriod: props.retentionPeriod });
    this.fluentBit = new FluentBit(this.deploy, 'fluent-bit', {
      ...(props.fluentBitHosts ? { hosts: props.fluentBitHosts } : { host: props.host }),
      loki: this.loki,
      sources: props.sources,
      image: props.fluentBitImage,
    });
    this.grafana = new Grafana(this.deploy, 'grafana', {
      host: props.host,
      domain: props.grafanaDomain,
      loki: this.loki,
      image: props.grafanaImage,
      adminPasswordSecret: props.grafanaAdminPasswordSecret,
    });
  }

  /** Collects another journal source. */
  public addSource(source: JournaldSource): void {
    this.fluentBit.addSource(source);
  }
}
