/**
 * The peer's side of the bench, as the parent prepares it (not timed): cdk8s installed on demand,
 * and the spec of the objects it is given, each sized to the bytes of one kamal-cdk file.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { DeploymentSize, deploymentProps, PEER_VERSIONS, PeerSpec, ShapeFolder } from './bench-peer';

/** The folder the peer is installed into. */
export function peerDir(root: string): string {
  return path.join(root, 'node_modules', '.cache', 'kamal-cdk', 'bench-peer');
}

/**
 * Installs the pinned cdk8s into `dir` unless it is there already; returns `dir`. Uses npm, so the
 * registry and its integrity checks are npm's; nothing is added to kamal-cdk's package.json or lock.
 */
export function ensurePeer(dir: string): string {
  const installed = (name: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return undefined;
    }
  };
  if (installed('cdk8s') === PEER_VERSIONS.cdk8s && installed('constructs') === PEER_VERSIONS.constructs) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const pkg = { private: true, description: 'kamal-cdk bench peer (generated; safe to delete)', dependencies: { ...PEER_VERSIONS } };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  process.stderr.write(`installing cdk8s@${PEER_VERSIONS.cdk8s} into ${dir} for the peer bench...\n`);
  const r = spawnSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock', '--loglevel=error'], { encoding: 'utf8', cwd: dir });
  if (r.status !== 0 || installed('cdk8s') !== PEER_VERSIONS.cdk8s) throw new Error(`could not install cdk8s@${PEER_VERSIONS.cdk8s} into ${dir}:\n${r.stderr}`);
  return dir;
}

/**
 * cdk8s's bytes for one object, as its `Yaml.save` writes them (it uses yaml@2 with these options;
 * kamal-cdk's `yaml` is the same version, checked by the bench on the files cdk8s writes).
 */
function peerBytes(d: DeploymentSize): number {
  return Buffer.byteLength(YAML.stringify(deploymentProps(d), { keepUndefined: true, lineWidth: 0, version: '1.1' }));
}

/** A Deployment whose cdk8s file is exactly `bytes` long, or as near as the smallest one allows. */
export function sizedDeployment(name: string, bytes: number): DeploymentSize {
  // At least one env entry: an empty list renders in another shape (`env: []`).
  const base = peerBytes({ name, env: 1, pad: 1 });
  const perEnv = peerBytes({ name, env: 2, pad: 1 }) - base;
  const env = 1 + Math.max(0, Math.floor((bytes - base) / perEnv));
  let d: DeploymentSize = { name, env, pad: Math.max(1, 1 + bytes - peerBytes({ name, env, pad: 1 })) };
  // Settle the padding on the real size (an estimate off by a byte or two would add up).
  for (let i = 0; i < 3; i++) {
    const off = bytes - peerBytes(d);
    if (off === 0 || d.pad + off < 1) break;
    d = { ...d, pad: d.pad + off };
  }
  return d;
}

/**
 * The chart folder names cdk8s gives each chart id (a DNS label: lower case, `-`, and a hash
 * suffix when the id needed changing); kept simple so that no suffix is added.
 */
export function chartId(dir: string, i: number): string {
  const slug = dir.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `c${String(i).padStart(4, '0')}-${slug || 'root'}`.slice(0, 63).replace(/-+$/, '');
}

/**
 * The peer's spec for a given output shape. Every folder of kamal-cdk's output, the parents of
 * nested ones included, is a chart (cdk8s makes a folder for each chart, even one without
 * objects), so the folder counts match too; files at the top of kamal-cdk's output go in a chart
 * of their own (cdk8s has no objects outside a chart's folder), one folder more.
 *
 * Files smaller than the smallest Deployment (a `.kamal/secrets` file, a short overlay) get the
 * smallest Deployment, and the bytes they got too many are taken off the largest objects, so the
 * files and bytes in total are the same on both sides, and each object is near its file's size.
 */
export function peerSpec(folders: readonly ShapeFolder[]): PeerSpec {
  const all = new Map<string, ShapeFolder['files']>();
  for (const f of folders) {
    for (let d = f.dir; d !== '' && d !== '.'; d = path.posix.dirname(d)) if (!all.has(d)) all.set(d, []);
    all.set(f.dir, f.files);
  }
  const dirs = [...all.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Names are fixed-width, so every object has the same smallest size.
  const name = (n: number) => `obj${String(n).padStart(5, '0')}`;
  const smallest = peerBytes({ name: name(0), env: 1, pad: 1 });
  const sizes = dirs.flatMap((d) => all.get(d)!.map((f) => Math.max(smallest, f.bytes)));
  let excess = sizes.reduce((a, b) => a + b, 0) - folders.reduce((a, f) => a + f.files.reduce((x, y) => x + y.bytes, 0), 0);
  for (const i of sizes.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a])) {
    if (excess <= 0) break;
    const cut = Math.min(excess, sizes[i] - smallest);
    sizes[i] -= cut;
    excess -= cut;
  }
  const memo = new Map<number, DeploymentSize>();
  let n = 0;
  const charts = dirs.map((dir, i) => ({
    id: chartId(dir, i),
    objects: all.get(dir)!.map(() => {
      const bytes = sizes[n];
      if (!memo.has(bytes)) memo.set(bytes, sizedDeployment(name(n), bytes));
      return { ...memo.get(bytes)!, name: name(n++) };
    }),
  }));
  return { charts };
}
