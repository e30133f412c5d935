import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv, { ErrorObject } from 'ajv';
import { PRECOMPILED } from '../../scripts/validators';
import { splitSchema } from '../../src/schema';
import { parseYaml, YamlDialect } from '../../src/yaml';
import { loadWithCacheDir } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');

describe('splitSchema', () => {
  test('moves each object schema below the root to definitions and refers to it there', () => {
    // GIVEN
    const schema = {
      type: 'object',
      properties: {
        server: { type: 'object', additionalProperties: false, properties: { port: { type: 'integer' }, tls: { type: 'object', properties: { cert: { type: 'string' } } } } },
        name: { type: 'string', pattern: '^a' },
      },
    };
    // WHEN
    const split = splitSchema(schema) as any;
    // THEN: both object schemas moved, the innermost first; the string schema stays where it was
    expect(split.properties.server).toEqual({ $ref: '#/definitions/_object1' });
    expect(split.properties.name).toEqual({ type: 'string', pattern: '^a' });
    expect(split.definitions._object1).toEqual({ type: 'object', additionalProperties: false, properties: { port: { type: 'integer' }, tls: { $ref: '#/definitions/_object0' } } });
    expect(split.definitions._object0).toEqual({ type: 'object', properties: { cert: { type: 'string' } } });
    expect(schema.properties.server.properties.tls).toEqual({ type: 'object', properties: { cert: { type: 'string' } } }); // the input is not changed
  });

  test('keeps existing definitions and references, and picks names they do not use', () => {
    // GIVEN
    const schema = {
      type: 'object',
      properties: { a: { $ref: '#/definitions/_object0' }, b: { type: 'object', properties: { c: { type: 'integer' } } } },
      definitions: { _object0: { type: 'object', properties: { d: { type: 'object', properties: {} } } } },
    };
    // WHEN
    const split = splitSchema(schema) as any;
    // THEN: the definition itself stays, what is inside it moves (named in the order met: properties, then definitions)
    expect(split.properties.a).toEqual({ $ref: '#/definitions/_object0' });
    expect(split.properties.b).toEqual({ $ref: '#/definitions/_object1' });
    expect(split.definitions._object0).toEqual({ type: 'object', properties: { d: { $ref: '#/definitions/_object2' } } });
    expect(Object.keys(split.definitions).sort()).toEqual(['_object0', '_object1', '_object2']);
  });

  test('looks into every keyword that holds schemas and leaves other values alone', () => {
    // GIVEN
    const obj = { type: 'object', properties: { x: { type: 'string' } } };
    const schema = {
      type: 'object',
      patternProperties: { '^p': obj },
      additionalProperties: obj,
      dependencies: { a: ['b'], c: obj },
      properties: { list: { type: 'array', items: [obj, { type: 'integer' }] }, any: { anyOf: [obj, { type: 'null' }] }, when: { if: obj, then: obj, else: obj } },
      enum: undefined,
      default: { type: 'object', properties: {} },
    };
    // WHEN
    const split = splitSchema(schema) as any;
    // THEN
    expect(split.patternProperties['^p'].$ref).toMatch(/^#\/definitions\//);
    expect(split.additionalProperties.$ref).toMatch(/^#\/definitions\//);
    expect(split.dependencies.a).toEqual(['b']);
    expect(split.dependencies.c.$ref).toMatch(/^#\/definitions\//);
    expect(split.properties.list.items[0].$ref).toMatch(/^#\/definitions\//);
    expect(split.properties.list.items[1]).toEqual({ type: 'integer' });
    expect(split.properties.any.anyOf[0].$ref).toMatch(/^#\/definitions\//);
    expect([split.properties.when.if, split.properties.when.then, split.properties.when.else].every((s: any) => /^#\/definitions\//.test(s.$ref))).toBe(true);
    expect(split.default).toEqual({ type: 'object', properties: {} }); // a value, not a schema
  });

  test.each([
    ['a pointer into a subschema that would move', { type: 'object', properties: { a: { type: 'object', properties: { x: { type: 'integer' } } }, b: { $ref: '#/properties/a/properties/x' } } }, { b: 'no' }, '/b'],
    ['a definition below the root', { type: 'object', properties: { a: { type: 'object', properties: { x: { $ref: '#/properties/a/definitions/n' } }, definitions: { n: { type: 'integer' } } } } }, { a: { x: 'no' } }, '/a/x'],
    ['an $id below the root', { type: 'object', properties: { a: { $id: 'http://example.com/a.json', type: 'object', properties: { b: { type: 'object', properties: { c: { type: 'integer' } } } } } } }, { a: { b: { c: 'no' } } }, '/a/b/c'],
    ['a reference to a definition under $defs', { type: 'object', properties: { a: { $ref: '#/$defs/n' } }, $defs: { n: { type: 'object', properties: { c: { type: 'integer' } } } } }, { a: { c: 'no' } }, '/a/c'],
  ])('a schema with %s is not split, and validates as written', (_what, schema, bad, pointer) => {
    // WHEN
    const split = splitSchema(schema);
    const fn = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true, inlineRefs: false }).compile(split);

    // THEN
    expect(split).toBe(schema);
    expect(fn(bad)).toBe(false);
    expect(fn.errors!.map((e) => e.instancePath)).toEqual([pointer]);
  });

  test('a schema with nothing to move is returned as it is', () => {
    // GIVEN
    const schema = { type: 'object', properties: { port: { type: 'integer' } } };
    // THEN
    expect(splitSchema(schema)).toBe(schema);
  });
});

test('the schema as written still meets ajv\'s strict checks, which a moved part alone would pass', () => {
  // GIVEN: \`type: object\` where the parent already says string (strictTypes); split, the part
  // moved to definitions no longer knows its parent's type
  const schema = { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'object', properties: { b: { type: 'integer' } } }] } } };
  const mod = loadWithCacheDir(fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-split-')), () => jest.requireActual<typeof import('../../src/schema')>('../../src/schema'));
  // THEN
  expect(() => new Ajv({ strict: true, allowUnionTypes: true, inlineRefs: false }).compile(splitSchema(schema))).not.toThrow();
  expect(() => mod.standaloneValidator(schema)).toThrow(/strict mode: .*not allowed by context/);
  expect(() => mod.compileSchema(schema)).toThrow(/strict mode/);
});

/** The emitted documents each shipped schema checks, from this repository's out/ and examples/multi-host/out/. */
const CORPUS: Record<string, ReadonlyArray<{ file: string; dialect?: YamlDialect }>> = {
  'constructs/kamal/schema/deploy.validator': ['config/deploy.yml', 'config/deploy.production.yml', 'config/deploy.registry.yml', 'config/deploy.observability.yml'].map((file) => ({ file })),
  'constructs/github/workflow.validator': ['.github/workflows/deploy-docs.yml', '.github/workflows/deploy-production.yml'].map((file) => ({ file, dialect: YamlDialect.YAML_1_2 })),
  'constructs/observability/schemas/fluent-bit.validator': [{ file: 'config/observability/fluent-bit.yaml' }],
  'constructs/observability/schemas/grafana.validator': [{ file: 'config/observability/grafana/datasources.yaml' }],
  'constructs/observability/schemas/loki.validator': [{ file: 'config/observability/loki.yaml' }],
  'constructs/registry/schemas/docker-auth-config.validator': [{ file: 'config/registry/docker_auth/auth_config.yml.erb' }],
  'constructs/registry/schemas/registry-config-2.validator': [{ file: 'config/registry/config.yml' }],
  'constructs/registry/schemas/registry-config-3.validator': [{ file: 'config/registry/config.yml' }],
};

/** The document with one change at each place in it: a wrong type, an unknown key, a key removed (deterministic). */
function mutations(doc: unknown): unknown[] {
  const out: unknown[] = [];
  const visit = (v: unknown, at: Array<string | number>) => {
    const replace = (value: unknown, drop = false) => out.push(setAt(doc, at, value, drop));
    if (at.length > 0) {
      for (const value of [7, 'x', true, null, [], {}, -1, 1.5]) replace(value);
      replace(undefined, true);
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...at, i]));
    else if (typeof v === 'object' && v !== null) {
      out.push(setAt(doc, [...at, 'zz_unknown_key'], 'x', false));
      for (const [k, x] of Object.entries(v)) visit(x, [...at, k]);
    }
  };
  visit(doc, []);
  return out;
}

function setAt(doc: unknown, at: Array<string | number>, value: unknown, drop: boolean): unknown {
  const copy = structuredClone(doc) as any;
  if (at.length === 0) return value;
  let cur = copy;
  for (const k of at.slice(0, -1)) cur = cur[k];
  const last = at[at.length - 1];
  if (drop && Array.isArray(cur)) cur.splice(Number(last), 1);
  else if (drop) delete cur[last];
  else cur[last] = value;
  return copy;
}

const facts = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map((e) => ({ instancePath: e.instancePath, keyword: e.keyword, params: e.params, message: e.message }));

test.each(Object.entries(CORPUS))('%s: the split schema gives every verdict and error the whole schema gives, in the same order', (module, files) => {
  // GIVEN: the schema compiled whole (refs inlined) and split (each definition a function)
  const entry = PRECOMPILED.find((e) => e.module === module)!;
  const whole = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true }).compile(entry.schema);
  const split = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true, inlineRefs: false }).compile(splitSchema(entry.schema));
  const docs = files.flatMap(({ file, dialect }) => {
    const doc = parseYaml(fs.readFileSync(path.join(ROOT, 'out', file), 'utf8'), dialect);
    return [doc, ...mutations(doc)];
  });
  // WHEN / THEN
  let invalid = 0;
  for (const doc of docs) {
    const verdict = whole(doc);
    expect(split(doc)).toBe(verdict);
    expect(facts(split.errors)).toEqual(facts(whole.errors));
    if (!verdict) invalid++;
  }
  expect(docs.length).toBeGreaterThan(50);
  expect(invalid).toBeGreaterThan(docs.length / 3); // the mutations reach the schema's errors, not only valid documents
});
