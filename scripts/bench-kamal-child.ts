/**
 * One measurement of kamal-cdk for `npm run bench`, in a fresh process (scripts/bench.ts starts it):
 *
 *   memory <N|real>              build the estate and synthesize it
 *   disk <N|real> <outdir>       the same, then write it with writeTree
 *   shape <N|real> <file>        (not timed) the output's shape and documents, for the peer and the floor
 *   typecheck <entry>            the CLI's type check of an entry, alone (cache: KAMAL_CDK_CACHE_DIR)
 *
 * Prints one JSON line. N=real is the real estate (synth.ts), otherwise generateEstate(N).
 */
import * as fs from 'fs';
import * as path from 'path';
import { typeCheck } from '../cli/typecheck';
import { App, stringifyYaml, synthesize, Testing, writeTree, YamlFile, parseYaml } from '../src';
import { buildEstate } from '../synth';
import { generateEstate } from './bench-estate';
import type { ShapeFolder } from './bench-peer';

/** A document of the render floor: YAML re-rendered from its model, or text written as is. */
export type FloorDoc =
  | { readonly path: string; readonly header: string; readonly obj: unknown; readonly dialect: '1.1' | '1.2'; readonly erb: boolean }
  | { readonly path: string; readonly text: string };

export interface Shape {
  readonly files: number;
  readonly bytes: number;
  readonly documents: number;
  readonly folders: ShapeFolder[];
  readonly docs: FloorDoc[];
  /** Files the floor renders from their model (the rest it writes as text). */
  readonly yamlDocs: number;
}

function build(what: string): App {
  const app = Testing.app();
  if (what === 'real') buildEstate(app);
  else generateEstate(app, Number(what));
  return app;
}

function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function measure(mode: 'memory' | 'disk', what: string, outdir?: string): object {
  const start = process.hrtime.bigint();
  const s = synthesize(build(what));
  if (s.errors.length > 0) throw new Error(`bench estate ${what} does not validate:\n${s.errors.slice(0, 5).map((e) => `${e.path} ${e.message}`).join('\n')}`);
  let writeMs: number | undefined;
  if (mode === 'disk') {
    const before = process.hrtime.bigint();
    writeTree(outdir!, s.files);
    writeMs = since(before);
  }
  return { ms: since(start), writeMs, files: s.files.length, documents: s.validatedDocuments, rssMb: process.resourceUsage().maxRSS / 1024 };
}

/** The output's folders and sizes, and each document as the floor renders it (checked to give the same bytes). */
function shape(what: string, file: string): object {
  const app = build(what);
  const s = synthesize(app);
  if (s.errors.length > 0) throw new Error(`bench estate ${what} does not validate`);
  const yamlByPath = new Map<string, YamlFile>();
  for (const c of app.node.findAll()) if (c instanceof YamlFile) yamlByPath.set(c.node.path, c);
  const folders = new Map<string, Array<{ name: string; bytes: number }>>();
  const docs: FloorDoc[] = [];
  let bytes = 0;
  let yamlDocs = 0;
  for (const f of s.files) {
    const size = Buffer.byteLength(f.content);
    bytes += size;
    const dir = path.posix.dirname(f.path);
    const key = dir === '.' ? '' : dir;
    if (!folders.has(key)) folders.set(key, []);
    folders.get(key)!.push({ name: path.posix.basename(f.path), bytes: size });
    const y = yamlByPath.get(f.construct);
    if (y) {
      const obj = parseYaml(f.content, y.dialect);
      const body = stringifyYaml(obj, { dialect: y.dialect, erb: y.erb });
      if (f.content.endsWith(body)) {
        docs.push({ path: f.path, header: f.content.slice(0, f.content.length - body.length), obj, dialect: y.dialect as '1.1' | '1.2', erb: y.erb });
        yamlDocs++;
        continue;
      }
    }
    docs.push({ path: f.path, text: f.content });
  }
  const result: Shape = { files: s.files.length, bytes, documents: s.validatedDocuments, folders: [...folders].map(([dir, files]) => ({ dir, files })), docs, yamlDocs };
  fs.writeFileSync(file, JSON.stringify(result));
  return { files: result.files, bytes, yamlDocs };
}

function typecheckOnly(entry: string): object {
  const start = process.hrtime.bigint();
  const r = typeCheck(entry, path.dirname(entry));
  if (r.diagnostics.length > 0) throw new Error(`type errors in ${entry}:\n${r.diagnostics.slice(0, 5).join('\n')}`);
  return { ms: since(start), cached: r.cached, rssMb: process.resourceUsage().maxRSS / 1024 };
}

function main(argv: string[]): object {
  const [kind, what, arg] = argv;
  switch (kind) {
    case 'memory':
      return measure('memory', what);
    case 'disk':
      return measure('disk', what, arg);
    case 'shape':
      return shape(what, arg);
    case 'typecheck':
      return typecheckOnly(what);
    default:
      throw new Error(`unknown bench child kind ${kind}`);
  }
}

process.stdout.write(`${JSON.stringify(main(process.argv.slice(2)))}\n`);
