/** A mount into a container: a Docker named volume or a host folder. */
export interface VolumeMount {
  /**
   * Docker named volume (`data`), created by Docker on first use. Give this or `hostPath`.
   * @default - none; then `hostPath` is required
   */
  readonly volume?: string;
  /**
   * A folder on the host (absolute). Give this or `volume`.
   * @default - none; then `volume` is required
   */
  readonly hostPath?: string;
  /** Where it appears in the container. */
  readonly path: string;
  /** Mount read-only. @default false */
  readonly readOnly?: boolean;
}

/** A volume as given in props: the structured form or Docker's `source:target[:opts]` string. */
export type VolumeSpec = string | VolumeMount;

/** Docker's `--volume` argument for a mount. */
export function volumeArg(v: VolumeSpec): string {
  if (typeof v === 'string') return v;
  const source = v.volume ?? v.hostPath;
  if (!source || (v.volume && v.hostPath)) throw new Error(`volume for ${v.path} needs exactly one of volume or hostPath`);
  if (v.volume && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v.volume)) throw new Error(`'${v.volume}' is not a Docker volume name`);
  if (v.hostPath && !v.hostPath.startsWith('/')) throw new Error(`host path '${v.hostPath}' must be absolute`);
  if (!v.path.startsWith('/')) throw new Error(`container path '${v.path}' must be absolute`);
  return `${source}:${v.path}${v.readOnly ? ':ro' : ''}`;
}

/** Parses a `--volume` argument back: named volumes have a source without '/'. */
export function parseVolume(arg: string): {
  /** Volume name or host path. */
  source: string;
  /** Path in the container. */
  target: string;
  /** Whether the source is a Docker named volume. */
  named: boolean;
  /** Whether the options include `ro`. */
  readOnly: boolean;
} {
  const [source, target = '', opts = ''] = arg.split(':');
  return { source, target, named: !source.includes('/') && !source.startsWith('.'), readOnly: opts.split(',').includes('ro') };
}
