/**
 * The peer of the bench: cdk8s, installed on demand into the cache folder (never a dependency of
 * kamal-cdk), and the shape of the work it is given: one chart (one folder) per folder of
 * kamal-cdk's output, one Deployment-shaped ApiObject (one file) per file kamal-cdk writes, each
 * padded to that file's size in bytes. So both sides write the same number of files, in the same
 * number of folders, of the same sizes.
 *
 * The peer's child imports this module, so it imports nothing (no yaml, no ajv): the peer's
 * process loads only what a cdk8s project loads. The sizing and the install are in
 * bench-peer-spec.ts.
 */

/** The peer's pinned versions (constructs: the same as kamal-cdk's own). */
export const PEER_VERSIONS = { cdk8s: '2.70.106', constructs: '10.8.1' } as const;

/** One folder of output: its files' names and sizes. */
export interface ShapeFolder {
  /** The folder of kamal-cdk's output ('' for the output folder itself). */
  readonly dir: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

/** What cdk8s is asked to produce: one chart per folder, one object per file. */
export interface PeerSpec {
  readonly charts: ReadonlyArray<{
    /** The chart's id, which cdk8s turns into its folder's name. */
    readonly id: string;
    readonly objects: ReadonlyArray<DeploymentSize>;
  }>;
}

/** A Deployment's name, its number of env entries and the padding that makes its file `bytes` long. */
export interface DeploymentSize {
  readonly name: string;
  readonly env: number;
  readonly pad: number;
}

/**
 * The body of a Deployment-shaped object (what `new ApiObject(chart, name, props)` is given):
 * a web container with `env` environment entries, and `pad` characters of padding in an annotation.
 * Kept small, so that it can be as small as most of kamal-cdk's files. Keys are in the order
 * cdk8s sorts them into, so that its bytes can be known here (scripts/bench-peer-spec.ts).
 */
export function deploymentProps(d: DeploymentSize): Record<string, unknown> {
  const env: Array<{ name: string; value: string }> = [];
  for (let i = 0; i < d.env; i++) env.push({ name: `BENCH_ENV_${String(i).padStart(4, '0')}`, value: `value-${String(i).padStart(4, '0')}-of-${d.name}` });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { annotations: { pad: 'p'.repeat(d.pad) }, name: d.name },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: d.name } },
      template: {
        metadata: { labels: { app: d.name } },
        spec: { containers: [{ env, image: `bench/${d.name}`, name: 'web', ports: [{ containerPort: 3000 }] }] },
      },
    },
  };
}

/**
 * A strict JSON Schema of the Deployment-shaped objects: every object closed (unknown keys
 * rejected, as kamal-cdk's schemas do), required keys, types and name patterns.
 */
export function deploymentSchema(): object {
  const closed = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required, additionalProperties: false });
  const dnsLabel = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$' };
  const labels = { type: 'object', propertyNames: { pattern: '^([a-z0-9.-]+/)?[A-Za-z0-9_.-]{1,63}$' }, additionalProperties: { type: 'string', maxLength: 63 } };
  const quantity = { type: 'string', pattern: '^[0-9]+(m|Mi|Gi)?$' };
  const resources = closed({ cpu: quantity, memory: quantity });
  return closed({
    apiVersion: { const: 'apps/v1' },
    kind: { const: 'Deployment' },
    metadata: closed({ name: dnsLabel, labels, annotations: { type: 'object', additionalProperties: { type: 'string' } } }, ['name']),
    spec: closed({
      replicas: { type: 'integer', minimum: 0 },
      selector: closed({ matchLabels: labels }),
      template: closed({
        metadata: closed({ labels }),
        spec: closed({
          containers: {
            type: 'array',
            minItems: 1,
            items: closed(
              {
                name: dnsLabel,
                image: { type: 'string', minLength: 1 },
                ports: { type: 'array', items: closed({ name: { type: 'string' }, containerPort: { type: 'integer', minimum: 1, maximum: 65535 }, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } }, ['containerPort']) },
                env: { type: 'array', items: closed({ name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, value: { type: 'string' } }, ['name']) },
                resources: closed({ limits: resources, requests: resources }, []),
              },
              ['name', 'image'],
            ),
          },
        }),
      }),
    }, ['selector', 'template']),
  });
}
