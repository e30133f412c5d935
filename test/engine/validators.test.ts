import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PRECOMPILED, precompiledFile } from '../../scripts/validators';
import { loadWithCacheDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');

/** src/schema.ts loaded afresh with its cache folder in `cacheDir` (the folder is read when the module loads). */
function freshSchemaModule(cacheDir: string): typeof import('../../src/schema') {
  return loadWithCacheDir(cacheDir, () => jest.requireActual<typeof import('../../src/schema')>('../../src/schema'));
}

const SCHEMA = { type: 'object', additionalProperties: false, properties: { port: { type: 'integer' } } };

test.each(PRECOMPILED.map((e) => [e.module, e] as const))('the precompiled validator %s is what ajv compiles from its schema today (run npm run validators)', (_name, entry) => {
  // GIVEN
  const { file, text } = precompiledFile(entry);
  // THEN
  expect(fs.readFileSync(path.join(ROOT, file), 'utf8')).toBe(text);
});

test('every schema kamal-cdk ships names a precompiled validator that exists', () => {
  // GIVEN: each JsonSchema/compileSchema call in the library passes a path built from __dirname
  const sources = ['cli', 'constructs'].flatMap((d) => fs.readdirSync(path.join(ROOT, d), { recursive: true }).map(String).map((f) => path.join(d, f)));
  const named = sources
    .filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...fs.readFileSync(path.join(ROOT, f), 'utf8').matchAll(/'([\w-]+)\.validator\.js'|`([\w-]+)-\$\{version\}\.validator\.js`/g)].map((m) => (m[1] ? path.join(path.dirname(f), `${m[1]}.validator`) : path.join(path.dirname(f), `${m[2]}-2.validator`))));
  // THEN
  expect(named.length).toBeGreaterThanOrEqual(9);
  for (const module of named) expect(PRECOMPILED.map((e) => e.module)).toContain(module);
});

test('a precompiled validator compiled from this schema is used as is: nothing is compiled or cached', () => {
  // GIVEN
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-validators-'));
  const schema = freshSchemaModule(cache);
  const shipped = path.join(cache, 'shipped.validator.js');
  fs.writeFileSync(shipped, schema.standaloneValidator(SCHEMA).replace(/module\.exports = (validate\d+);/, 'module.exports = $1; $1.shipped = true;'));
  // WHEN
  const fn = schema.compileSchema(SCHEMA, shipped) as unknown as { shipped?: boolean } & ((d: unknown) => boolean);
  // THEN
  expect(fn.shipped).toBe(true);
  expect(fn({ port: 1 })).toBe(true);
  expect(fn({ port: 'x' })).toBe(false);
  expect(fs.existsSync(path.join(cache, 'ajv'))).toBe(false); // no standalone code was cached
});

test('a precompiled validator of another schema (one edited since) is ignored, and the schema as it is now is compiled', () => {
  // GIVEN: the module of the schema before `port` became an integer
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-validators-'));
  const schema = freshSchemaModule(cache);
  const stale = path.join(cache, 'stale.validator.js');
  fs.writeFileSync(stale, schema.standaloneValidator({ ...SCHEMA, properties: { port: { type: 'string' } } }));
  // WHEN
  const fn = schema.compileSchema(SCHEMA, stale);
  // THEN: the current schema's verdicts
  expect(fn({ port: 1 })).toBe(true);
  expect(fn({ port: 'x' })).toBe(false);
});

test('a precompiled validator that is missing or does not load is ignored', () => {
  // GIVEN
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-validators-'));
  const schema = freshSchemaModule(cache);
  const broken = path.join(cache, 'broken.validator.js');
  fs.writeFileSync(broken, 'throw new Error("half-written");');
  // THEN
  expect(schema.compileSchema(SCHEMA, path.join(cache, 'missing.validator.js'))({ port: 'x' })).toBe(false);
  expect(freshSchemaModule(cache).compileSchema(SCHEMA, broken)({ port: 1 })).toBe(true);
});

test('every precompiled validator is ASCII, and a pattern with µ in it still matches µ', () => {
  // GIVEN: Loki's Go durations allow µs and μs (micro sign, Greek mu), escaped in the generated code
  for (const entry of PRECOMPILED) expect(/[^\x00-\x7f]/.test(fs.readFileSync(path.join(ROOT, `${entry.module}.js`), 'utf8'))).toBe(false);
  const { lokiConfigSchema } = require('../../constructs/observability/schemas') as typeof import('../../constructs/observability/schemas');
  const at = (value: string) => lokiConfigSchema.validate({ server: { graceful_shutdown_timeout: value } }).filter((p) => p.pointer === '/server/graceful_shutdown_timeout');

  // THEN
  expect(at('5\u00b5s')).toEqual([]);
  expect(at('5\u03bcs')).toEqual([]);
  expect(at('5xs')).toHaveLength(1);
});
