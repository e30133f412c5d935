/**
 * Lending packages to an estate's bundle (src/bundle-cache.js, cli/load.ts): where an import of the
 * estate resolves to exactly a file the command has loaded, the bundle leaves it out and the command
 * hands over its own instance; an import that resolves to any other copy is bundled.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lentLibraryFiles } from '../../cli/watch';
import { kamalCdk, project } from './helpers';
 
const { bundleEntry, cacheName, requireLending } = require('../../src/bundle-cache.js') as {
  bundleEntry(
    entry: string,
    options?: { root?: string; shared?: string[]; library?: { files: string[]; dirs: string[] }; sourcemap?: boolean },
  ): { file: string; inputs: Array<[string, string]>; shared: string[]; cached: boolean; sourceMap(): string | undefined };
  cacheName(root: string, entry: string): string;
  requireLending(bundleFile: string, lend: Map<string, () => unknown>, base: NodeJS.Require): NodeJS.Require;
};
 
const { loadWithCodeCache } = require('../../src/code-cache.js') as {
  loadWithCodeCache(file: string, mod?: object, cacheFile?: string, wrapRequire?: (base: NodeJS.Require) => NodeJS.Require): unknown;
};

jest.setTimeout(120_000);

let cache: string;
const saved = process.env.KAMAL_CDK_CACHE_DIR;
beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-load-'));
  process.env.KAMAL_CDK_CACHE_DIR = cache;
});
afterEach(() => {
  if (saved === undefined) delete process.env.KAMAL_CDK_CACHE_DIR;
  else process.env.KAMAL_CDK_CACHE_DIR = saved;
  fs.rmSync(cache, { recursive: true, force: true });
});

/** An entry that exports what its `yaml` import gave it. */
const ENTRY = "import { Document } from 'yaml';\nexport const seen: unknown = Document;\n";
const YAML_FILE = require.resolve('yaml');

/** Bundles the project's synth.ts lending `lend` (file → instance), runs it, and returns what it saw. */
function run(dir: string, lend: Map<string, unknown>): { seen: unknown; inputs: string[] } {
  const bundle = bundleEntry(path.join(dir, 'synth.ts'), { root: dir, shared: [...lend.keys()] });
  const loaders = new Map([...lend].map(([file, value]) => [file, () => value] as [string, () => unknown]));
  const mod = { exports: {}, filename: path.join(dir, 'synth.ts') };
  const exported = loadWithCodeCache(bundle.file, mod, undefined, (base) => requireLending(bundle.file, loaders, base)) as { seen: unknown };
  return { seen: exported.seen, inputs: bundle.inputs.map(([f]) => f) };
}

test("an import that resolves to exactly a lent file gets the lender's instance, and the file stays out of the bundle", () => {
  // GIVEN: the project's `yaml` resolves to the repository's node_modules/yaml, the file lent
  const dir = project({ 'synth.ts': ENTRY });

  // WHEN
  const { seen, inputs } = run(dir, new Map([[YAML_FILE, { Document: 'the lent instance' }]]));

  // THEN
  expect(seen).toBe('the lent instance');
  expect(inputs.filter((f) => f.includes('node_modules/yaml/'))).toEqual([]);
  expect(inputs).toContain('synth.ts');
});

test('an import that resolves to another copy of the package (nested in the project) bundles that copy', () => {
  // GIVEN: the project has its own `yaml`, nearer than the repository's, which is the file lent
  const dir = project({
    'synth.ts': ENTRY,
    'node_modules/yaml/package.json': '{ "name": "yaml", "version": "0.0.1", "main": "index.js" }\n',
    'node_modules/yaml/index.js': "exports.Document = 'the project copy';\n",
  });

  // WHEN
  const { seen, inputs } = run(dir, new Map([[YAML_FILE, { Document: 'the lent instance' }]]));

  // THEN
  expect(seen).toBe('the project copy');
  expect(inputs).toContain('node_modules/yaml/index.js');
});

test('a bundle made with other lent files is not reused, and lending nothing bundles the package', async () => {
  // GIVEN
  const dir = project({ 'synth.ts': ENTRY });
  const entry = path.join(dir, 'synth.ts');
  // A bundle is recorded only when no input changed while it was made; these were just written.
  await new Promise((r) => setTimeout(r, 100));

  // WHEN
  const lent = bundleEntry(entry, { root: dir, shared: [YAML_FILE] });
  const again = bundleEntry(entry, { root: dir, shared: [YAML_FILE] });
  const alone = bundleEntry(entry, { root: dir });

  // THEN
  expect(again).toMatchObject({ file: lent.file, cached: true });
  expect(alone.cached).toBe(false);
  expect(alone.file).not.toBe(lent.file);
  const rel = path.relative(dir, YAML_FILE).split(path.sep).join('/');
  expect(alone.inputs.map(([f]) => f)).toContain(rel);
  expect(lent.inputs.map(([f]) => f)).not.toContain(rel);
});

test('a bundle whose input may have changed while it was made is recorded as unsettled: its inputs named, never reused', () => {
  // GIVEN: an input written this very moment (its change time is not clearly before the bundling)
  const dir = project({ 'synth.ts': "import { WORD } from './word';\nexport const seen: unknown = WORD;\n" });
  fs.writeFileSync(path.join(dir, 'word.ts'), "export const WORD = 'fresh';\n");

  // WHEN
  const first = bundleEntry(path.join(dir, 'synth.ts'), { root: dir });
  const index = JSON.parse(fs.readFileSync(path.join(cache, 'bundles', `${cacheName(dir, path.join(dir, 'synth.ts'))}.index.json`), 'utf8')) as { settled: boolean; inputs: Array<[string]> };
  const second = bundleEntry(path.join(dir, 'synth.ts'), { root: dir });

  // THEN
  expect(index.settled).toBe(false);
  expect(index.inputs.map(([f]) => f)).toEqual(expect.arrayContaining(['synth.ts', 'word.ts']));
  expect([first.cached, second.cached]).toEqual([false, false]);
});

const REPO = path.resolve(__dirname, '../..');
const SRC_INDEX = path.join(REPO, 'src', 'index.ts');
const LIBRARY = { files: [SRC_INDEX], dirs: [path.join(REPO, 'src')] };

/** Bundles a project of `synth` offering LIBRARY, twice (the second from the cache). */
async function bundleTwice(synth: string): Promise<{ dir: string; b: ReturnType<typeof bundleEntry>; again: ReturnType<typeof bundleEntry> }> {
  const dir = project({ 'synth.ts': synth });
  // A bundle is recorded only when no input changed while it was made; this one was just written.
  await new Promise((r) => setTimeout(r, 100));
  const entry = path.join(dir, 'synth.ts');
  return { dir, b: bundleEntry(entry, { root: dir, library: LIBRARY }), again: bundleEntry(entry, { root: dir, library: LIBRARY }) };
}

test('a library whose entry files are all the estate imports is lent: the bundle holds the estate alone', async () => {
  // WHEN
  const { b, again } = await bundleTwice("import { App } from '@kamal-cdk/src';\nexport const seen: unknown = App;\n");

  // THEN
  expect(b.inputs.map(([f]) => f)).toEqual(['synth.ts']);
  expect(b.shared).toEqual([SRC_INDEX]);
  expect(again).toMatchObject({ file: b.file, cached: true, shared: [SRC_INDEX] });
});

test('an estate that imports a module of the library by a deeper path gets the whole library bundled, entry files too', async () => {
  // WHEN: one import of the entry file, one of a module behind it
  const { dir, b, again } = await bundleTwice("import { App } from '@kamal-cdk/src';\nimport { YamlFile } from '@kamal-cdk/src/yaml';\nexport const seen: unknown = [App, YamlFile];\n");

  // THEN: nothing of the library is left out, so no module of it exists twice
  const inputs = b.inputs.map(([f]) => path.resolve(dir, f));
  expect(inputs).toEqual(expect.arrayContaining([SRC_INDEX, path.join(REPO, 'src', 'yaml.ts'), path.join(REPO, 'src', 'file.ts')]));
  expect(b.shared).toEqual([]);
  expect(again).toMatchObject({ file: b.file, cached: true, shared: [] });
});

test('the command lends the library to an estate that imports it by its entry files, and bundles it whole for one that goes deeper', () => {
  // GIVEN: the same estate written both ways. A check registered through a second copy of the
  // library would sit in that copy's registry, where the lent synthesizer never looks.
  const body = "const app = new App();\nnew TextFile(app, 'a', { path: 'a.txt', lines: ['x'] });\nChecks.of(app).add(() => [{ construct: app, message: 'the estate check ran' }]);\napp.synth();\n";
  const lent = project({ 'synth.ts': `import { App, Checks, TextFile } from '@kamal-cdk/src';\n${body}` });
  const deep = project({ 'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nimport { Checks } from '@kamal-cdk/src/checks';\n${body}` });

  // WHEN
  const r1 = kamalCdk(lent, 'synth', '--quiet');
  const r2 = kamalCdk(deep, 'synth', '--quiet');

  // THEN: both run the check
  for (const r of [r1, r2]) {
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the estate check ran');
  }
  const inputsOf = (dir: string) => (JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/.cache/kamal-cdk-test-cache/bundles', `${cacheName(dir, path.join(dir, 'synth.ts'))}.index.json`), 'utf8')) as { inputs: Array<[string]> }).inputs.map(([f]) => f);
  expect(inputsOf(lent)).toEqual(['synth.ts']);
  expect(inputsOf(deep).map((f) => path.resolve(deep, f))).toEqual(expect.arrayContaining([SRC_INDEX, path.join(REPO, 'src', 'checks.ts')]));
});

test('watch follows every file of a lent library (it is not in the bundle), and none of one bundled or installed', async () => {
  // GIVEN: a library of two modules, lent to one estate, bundled into another that goes deeper
  // (outside the test projects' folder, which is inside node_modules)
  const lib = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-lib-'));
  fs.writeFileSync(path.join(lib, 'index.ts'), "export * from './helper';\n");
  fs.writeFileSync(path.join(lib, 'helper.ts'), 'export const WORD = 1;\n');
  const lent = project({ 'synth.ts': `import { WORD } from '${lib}';\nexport const seen: unknown = WORD;\n` });
  const deep = project({ 'synth.ts': `import { WORD } from '${lib}/helper';\nexport const seen: unknown = WORD;\n` });
  await new Promise((r) => setTimeout(r, 100));
  const library = { files: [path.join(lib, 'index.ts')], dirs: [lib] };
  const indexOf = (dir: string) => {
    bundleEntry(path.join(dir, 'synth.ts'), { root: dir, library });
    return JSON.parse(fs.readFileSync(path.join(cache, 'bundles', `${cacheName(dir, path.join(dir, 'synth.ts'))}.index.json`), 'utf8')) as Parameters<typeof lentLibraryFiles>[0];
  };

  // WHEN
  const followed = lentLibraryFiles(indexOf(lent));
  const notFollowed = lentLibraryFiles(indexOf(deep));

  // THEN
  expect(followed.map((f) => path.relative(lib, f)).sort()).toEqual(['helper.ts', 'index.ts']);
  expect(notFollowed).toEqual([]);
  expect(lentLibraryFiles({ shared: [path.join(lib, 'index.ts')], offered: { library: { files: [path.join(lib, 'index.ts')], dirs: [path.join(lib, 'node_modules', 'x')] } } })).toEqual([]);
  fs.rmSync(lib, { recursive: true, force: true });
});

test('a project reached through a symlink still gets the library whole when it goes deeper: its checks run', () => {
  // GIVEN: the estate that imports a module behind the entry file, run through a symlinked folder,
  // and synthesizing only as the entry (the guard of this repository's synth.ts)
  const real = project({
    // Its type check, from the symlink, finds no node_modules above it.
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', esModuleInterop: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(REPO, 'node_modules', '@types')] } }),
    'synth.ts': "import { App, TextFile } from '@kamal-cdk/src';\nimport { Checks } from '@kamal-cdk/src/checks';\nconst app = new App();\nnew TextFile(app, 'a', { path: 'a.txt', lines: ['x'] });\nChecks.of(app).add(() => [{ construct: app, message: 'the estate check ran' }]);\nif (process.argv[1] === __filename) app.synth();\n",
  });
  // (at another depth than the real folder: esbuild names inputs relative to the real one)
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-cwd-'));
  const link = path.join(cwd, 'estate');
  fs.symlinkSync(real, link);

  // WHEN
  const r = kamalCdk(cwd, 'synth', '--quiet', '--app', path.join(link, 'synth.ts'), '--outdir', path.join(cwd, 'out'));

  // THEN
  expect(r.stderr).toContain('the estate check ran');
  expect(r.status).toBe(1);
  expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
  fs.rmSync(cwd, { recursive: true, force: true });
});

test("the command lends its own yaml, constructs, handlebars and ini to the estate; the estate's output is the same", () => {
  // GIVEN: an estate that renders YAML and a template through the engine
  const dir = project({
    'synth.ts': `import { App, YamlFile } from '@kamal-cdk/src';\nconst app = new App();\nnew YamlFile(app, 'a', { path: 'a.yml', obj: { greeting: 'hello', list: [1, 'two'] } });\napp.synth();\n`,
  });

  // WHEN
  const r = kamalCdk(dir, 'synth', '--quiet');

  // THEN: the bundle the command ran left the lent packages out, and the file is right
  expect([r.status, r.stderr]).toEqual([0, '']);
  const indexFile = path.join(path.resolve(__dirname, '../../node_modules/.cache/kamal-cdk-test-cache'), 'bundles', `${cacheName(dir, path.join(dir, 'synth.ts'))}.index.json`);
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { shared: string[]; inputs: Array<[string]> };
  expect(index.shared.map((f) => path.relative(REPO, f)).filter((f) => f.startsWith('node_modules'))).toEqual(
    ['node_modules/constructs/lib/index.js', 'node_modules/handlebars/lib/index.js', 'node_modules/ini/lib/ini.js', 'node_modules/yaml/dist/index.js'],
  );
  expect(index.inputs.map(([f]) => f).filter((f) => /node_modules\/(yaml|constructs|handlebars|ini)\//.test(f))).toEqual([]);
  expect(fs.readFileSync(path.join(dir, 'out/a.yml'), 'utf8')).toContain('greeting: hello\nlist:\n  - 1\n  - two\n');
});

test('a bundle made without a source map makes it when first asked, and only for the code it holds', () => {
  // GIVEN: a bundle made without a map, as the command makes the estate's
  const dir = project({ 'synth.ts': "import { word } from './word';\nexport const seen: unknown = word();\n", 'word.ts': "export function word(): string {\n  return 'w';\n}\n" });
  const entry = path.join(dir, 'synth.ts');
  const b = bundleEntry(entry, { root: dir, sourcemap: false });
  expect(fs.existsSync(`${b.file}.map`)).toBe(false);

  // WHEN
  const map = b.sourceMap();

  // THEN: the map is the bundle's own (it names word.ts and points at its lines)
  expect(map).toBe(`${b.file}.map`);
  const parsed = JSON.parse(fs.readFileSync(map!, 'utf8')) as { sources: string[] };
  expect(parsed.sources.some((f) => f.endsWith('word.ts'))).toBe(true);
  const { SourceMap } = require('module') as { SourceMap: new (p: object) => { findEntry(l: number, c: number): { originalSource?: string; originalLine?: number } } };
  const lines = fs.readFileSync(b.file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes('return "w"'));
  const found = new SourceMap(parsed).findEntry(at, lines[at].indexOf('return'));
  expect([found.originalSource?.endsWith('word.ts'), found.originalLine]).toEqual([true, 1]);
  expect(fs.readdirSync(path.join(cache, 'bundles')).filter((f) => f.includes('.tmp'))).toEqual([]);

  // AND: once the sources have changed, an older bundle gets no map (it could only be another code's)
  const old = bundleEntry(entry, { root: dir, sourcemap: false });
  fs.rmSync(`${old.file}.map`);
  fs.writeFileSync(path.join(dir, 'word.ts'), "export function word(): string {\n  const x = 'changed';\n  return x;\n}\n");
  expect(old.sourceMap()).toBeUndefined();
});
