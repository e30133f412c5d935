/**
 * The peer for `npm run bench`, in a fresh process: cdk8s (installed by the bench into its cache
 * folder) given the same output shape as kamal-cdk: one chart per folder, one Deployment-shaped
 * ApiObject per file, each the size of kamal-cdk's file (scripts/bench-peer.ts).
 *
 *   <cdk8s|cdk8s-ajv> memory <peer-dir> <spec.json>            app.synth() without the writes (see synthInMemory)
 *   <cdk8s|cdk8s-ajv> disk <peer-dir> <spec.json> <outdir>     app.synth(), a folder per chart, a file per object
 *
 * cdk8s-ajv adds what a careful cdk8s user adds: a strict JSON Schema, compiled once by ajv with
 * kamal-cdk's options, checked against every object's rendered JSON in a validation of its own
 * (cdk8s runs validations before it writes anything). Prints one JSON line.
 */
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import type Ajv from 'ajv';
import { deploymentProps, deploymentSchema, PeerSpec } from './bench-peer';

/** The part of cdk8s's API the bench uses (cdk8s is not a dependency, so its types are not here). */
interface Node {
  findAll(): Array<{ node: Node }>;
  validate(): string[];
  readonly path: string;
}
interface Cdk8s {
  App: new (props: { outdir?: string; yamlOutputType?: number }) => { synth(): void; readonly charts: object[]; readonly node: Node };
  Chart: (new (scope: unknown, id: string, props?: { disableResourceNameHashes?: boolean }) => object) & { of(c: object): object };
  ApiObject: new (scope: object, id: string, props: object) => { toJson(): unknown; node: { addValidation(v: { validate(): string[] }): void } };
  DependencyGraph: new (node: unknown) => { topology(): object[] };
  Yaml: { stringify(...docs: unknown[]): string };
  YamlOutputType: { FOLDER_PER_CHART_FILE_PER_RESOURCE: number };
}

/**
 * What `app.synth()` does for FOLDER_PER_CHART_FILE_PER_RESOURCE (cdk8s 2.70 lib/app.js), with
 * `Yaml.stringify` where it calls `Yaml.save`: every validation once, then each chart's objects in
 * dependency order, one YAML text each. (cdk8s's own in-memory `app.synthYaml()` is not used: it
 * calls `chart.toJson()` per chart, which runs every validation of the whole app again for each
 * chart, charts × objects schema checks, which would flatter kamal-cdk.) The chart dependency
 * pass of `synth()` is left out: these charts have no dependencies.
 */
function synthInMemory(cdk8s: Cdk8s, app: InstanceType<Cdk8s['App']>): string[] {
  const errors: string[] = [];
  for (const c of app.node.findAll()) for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  const texts: string[] = [];
  for (const chart of app.charts) {
    for (const x of new cdk8s.DependencyGraph((chart as { node: unknown }).node).topology()) {
      if (x instanceof cdk8s.ApiObject && cdk8s.Chart.of(x) === chart) texts.push(cdk8s.Yaml.stringify(x.toJson()));
    }
  }
  return texts;
}

function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function main(variant: string, mode: string, peerDir: string, specFile: string, outdir?: string): object {
  const start = process.hrtime.bigint();
  // cdk8s and its constructs from the bench's cache folder, as a cdk8s project would load them.
  const load = createRequire(path.resolve(peerDir, 'package.json'));
  const cdk8s = load('cdk8s') as Cdk8s;
  const spec = JSON.parse(fs.readFileSync(specFile, 'utf8')) as PeerSpec;
  let validate: ((doc: unknown) => boolean) & { errors?: unknown } | undefined;
  if (variant === 'cdk8s-ajv') {
    // Loaded only in this variant, so plain cdk8s does not pay for it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const AjvClass = require('ajv').default as typeof Ajv;
    validate = new AjvClass({ strict: true, allErrors: true, allowUnionTypes: true }).compile(deploymentSchema());
  } else if (variant !== 'cdk8s') {
    throw new Error(`unknown peer variant ${variant}`);
  }
  const app = new cdk8s.App({ outdir, yamlOutputType: cdk8s.YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE });
  let objects = 0;
  let validated = 0;
  for (const c of spec.charts) {
    const chart = new cdk8s.Chart(app, c.id, { disableResourceNameHashes: true });
    for (const o of c.objects) {
      const obj = new cdk8s.ApiObject(chart, o.name, deploymentProps(o));
      objects++;
      if (validate) {
        const v = validate;
        obj.node.addValidation({
          validate: () => {
            validated++;
            return v(obj.toJson()) ? [] : [JSON.stringify(v.errors)];
          },
        });
      }
    }
  }
  let chars = 0;
  if (mode === 'disk') app.synth();
  else for (const t of synthInMemory(cdk8s, app)) chars += t.length;
  return { ms: since(start), files: objects, documents: validated, chars, rssMb: process.resourceUsage().maxRSS / 1024 };
}

const [variant, mode, peerDir, specFile, outdir] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(main(variant, mode, peerDir, specFile, outdir))}\n`);
