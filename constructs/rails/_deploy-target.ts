/**
 * Internal: what a deploy script or workflow deploys — one config, with or without `-d` — resolved
 * from a Destination or a config plus a destination name. Not exported from the folder.
 */
import * as path from 'path';
import { Destination, KamalDeploy } from '../kamal';

/** Which config and destination a deploy script or workflow deploys. */
export interface DeployTargetProps {
  /**
   * The destination to deploy (`-d`): a Destination, or the name of one of `deploy`'s.
   * @default - none: `deploy` must be a config without destinations
   */
  readonly destination?: Destination | string;
  /**
   * The config to deploy.
   * @default - the Destination's own config; required when `destination` is a name or absent
   */
  readonly deploy?: KamalDeploy;
}

/** Kamal's default config, the one `bin/kamal` reads without `-c`. */
const DEFAULT_CONFIG = 'config/deploy.yml';

/** One config and an optional `-d` destination, checked to belong together. */
export class DeployTarget {
  /** Resolves props; wiring that can never work (nothing to deploy, a Destination of another config) throws. */
  public static of(where: string, props: DeployTargetProps): DeployTarget {
    const d = props.destination;
    if (d instanceof Destination) {
      if (props.deploy && props.deploy !== d.deploy) {
        throw new Error(`[${where}] destination [${d.node.path}] belongs to ${d.deploy.file} [${d.deploy.node.path}], not to ${props.deploy.file} [${props.deploy.node.path}]; pass one of them`);
      }
      return new DeployTarget(d.deploy, d.name);
    }
    if (!props.deploy) throw new Error(`[${where}] nothing to deploy: pass a Destination, or a KamalDeploy (and a destination name, if it has destinations)`);
    if (d !== undefined && !/^[a-z0-9_-]+$/i.test(d)) throw new Error(`[${where}] '${d}' is not a destination name; use letters, digits, '-' and '_'`);
    return new DeployTarget(props.deploy, d);
  }

  private constructor(
    public readonly deploy: KamalDeploy,
    /** The `-d` argument, or undefined for a config deployed without one. */
    public readonly destination: string | undefined,
  ) {}

  /**
   * Why this target can't be deployed as the tree stands at synth (destinations may be added after
   * the scripts), or nothing.
   */
  public problems(): string[] {
    const names = this.deploy.destinations.map((d) => d.name);
    if (this.destination === undefined && names.length > 0) {
      return [`${this.deploy.file} has destinations (${names.join(', ')}) and Kamal requires -d for it; pass one of its Destinations`];
    }
    if (this.destination !== undefined && !names.includes(this.destination)) {
      return [`${this.deploy.file} has no destination '${this.destination}' (it has ${names.length > 0 ? names.join(', ') : 'none'}); add it, or deploy one it has`];
    }
    return [];
  }

  /** `-c <file>` (unless it is Kamal's default config) and `-d <destination>`. */
  public kamalOptions(): string[] {
    return [...(this.deploy.file === DEFAULT_CONFIG ? [] : ['-c', this.deploy.file]), ...(this.destination ? ['-d', this.destination] : [])];
  }

  /**
   * A name for files and groups: the destination for Kamal's default config (`staging`), else the
   * config's own name first (`registry`, `registry-staging`).
   */
  public slug(separator: string): string {
    const config = this.deploy.file === DEFAULT_CONFIG ? [] : [path.posix.basename(this.deploy.file, '.yml').replace(/^deploy\./, '')];
    const parts = [...config, ...(this.destination ? [this.destination] : [])];
    return (parts.length > 0 ? parts : ['default']).join(separator);
  }

  /** `config/deploy.yml -d staging`, for messages. */
  public describe(): string {
    return this.destination ? `${this.deploy.file} -d ${this.destination}` : this.deploy.file;
  }
}
