/**
 * The render floor for `npm run bench`, in a fresh process: the very documents kamal-cdk emits
 * (their models, read from the file `shape` wrote), stringified with kamal-cdk's own
 * `stringifyYaml` and settings, and written with plain `fs` (mkdir, writeFileSync). No tree, no
 * validation, no writer: what any tool that emits these files must at least spend.
 *
 *   memory <shape.json>          render every document
 *   disk <shape.json> <outdir>   render and write them
 *
 * Prints one JSON line.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringifyYaml, YamlDialect } from '../src/yaml';
import type { Shape } from './bench-kamal-child';

function since(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function main(mode: string, shapeFile: string, outdir?: string): object {
  const start = process.hrtime.bigint();
  const shape = JSON.parse(fs.readFileSync(shapeFile, 'utf8')) as Shape;
  const texts = shape.docs.map((d) => ('text' in d ? d.text : d.header + stringifyYaml(d.obj, { dialect: d.dialect as YamlDialect, erb: d.erb })));
  let writeMs: number | undefined;
  let bytes = 0;
  if (mode === 'disk') {
    const before = process.hrtime.bigint();
    const made = new Set<string>();
    shape.docs.forEach((d, i) => {
      const file = path.join(outdir!, d.path);
      const dir = path.dirname(file);
      if (!made.has(dir)) {
        fs.mkdirSync(dir, { recursive: true });
        made.add(dir);
      }
      fs.writeFileSync(file, texts[i]);
    });
    writeMs = since(before);
  } else {
    for (const t of texts) bytes += t.length; // keep the work observable
  }
  return { ms: since(start), writeMs, files: texts.length, chars: bytes, rssMb: process.resourceUsage().maxRSS / 1024 };
}

const [mode, shapeFile, outdir] = process.argv.slice(2);
process.stdout.write(`${JSON.stringify(main(mode, shapeFile, outdir))}\n`);
