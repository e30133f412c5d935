import { describeAjvError, escapePointer, JsonFile, JsonSchema, Testing, YamlFile } from '../../src';

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['service', 'image'],
  properties: {
    service: { type: 'string', pattern: '^[a-z][a-z0-9-]*$' },
    image: { type: 'string' },
    mode: { enum: ['quiet', 'verbose'] },
    proxy: {
      type: 'object',
      additionalProperties: false,
      properties: { app_port: { type: 'integer' } },
    },
  },
};

test('each schema error is [construct/path] out/relative/file: /json/pointer message, all of them', () => {
  // GIVEN
  const app = Testing.app();
  new YamlFile(app, 'deploy', {
    path: 'config/deploy.yml',
    validator: new JsonSchema(SCHEMA),
    obj: { service: 'Demo', mode: 'loud', proxy: { app_port: '3000', 'x~y/z': 1 } },
  });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [deploy] out/config/deploy.yml: / missing required key \'image\'',
    'error [deploy] out/config/deploy.yml: /mode must be one of "quiet", "verbose"',
    'error [deploy] out/config/deploy.yml: /proxy/app_port must be integer',
    'error [deploy] out/config/deploy.yml: /proxy/x~0y~1z unknown key',
    'error [deploy] out/config/deploy.yml: /service must match pattern "^[a-z][a-z0-9-]*$"',
  ]);
});

test('the schema checks the document as parsed back from the rendered text, not the model', () => {
  // GIVEN: the model holds a string, which a YAML 1.1 reader would read as a boolean if left plain
  const schema = { type: 'object', properties: { flag: { type: 'string' } } };
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', validator: new JsonSchema(schema), obj: { flag: 'on' } });
  const file = new JsonFile(app, 'j', { path: 'a.json', validator: new JsonSchema({ type: 'object', properties: { n: { type: 'integer' } } }), obj: {} });
  file.addOverride('n', 'not a number');

  // WHEN
  const errors = Testing.errors(app);

  // THEN: the YAML passes because it is quoted; the override is checked like the rest
  expect(errors).toEqual(['error [j] out/a.json: /n must be integer']);
});

test('semantic rules run once the schema passes, and report with the same format', () => {
  // GIVEN
  const rule = (doc: { image: string }) => (doc.image.endsWith(':latest') ? [{ pointer: '/image', message: 'pin a version instead of :latest' }] : []);
  const schema = new JsonSchema(SCHEMA, [rule]);
  const app = Testing.app();
  new YamlFile(app, 'good', { path: 'good.yml', validator: schema, obj: { service: 'demo', image: 'acme/demo:1.0' } });
  new YamlFile(app, 'bad', { path: 'bad.yml', validator: schema, obj: { service: 'demo', image: 'acme/demo:latest' } });
  new YamlFile(app, 'invalid', { path: 'invalid.yml', validator: schema, obj: { service: 'demo', image: 'acme/demo:latest', extra: 1 } });

  // WHEN
  const errors = Testing.errors(app);

  // THEN: the rule does not run on a document the schema rejected
  expect(errors).toEqual([
    'error [bad] out/bad.yml: /image pin a version instead of :latest',
    'error [invalid] out/invalid.yml: /extra unknown key',
  ]);
});

test('a rendered file that does not parse back is an error, not a crash', () => {
  // GIVEN
  class Broken extends YamlFile {
    protected renderBody(): string {
      return 'a: [';
    }
  }
  const app = Testing.app();
  new Broken(app, 'broken', { path: 'b.yml', validator: new JsonSchema({ type: 'object' }), obj: {} });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error \[broken\] out\/b\.yml: the rendered file does not parse back: /);
});

test('a schema ajv refuses in strict mode is an error on the file that carries it', () => {
  // GIVEN
  const app = Testing.app();
  new JsonFile(app, 'j', { path: 'a.json', validator: new JsonSchema({ type: 'object', notAKeyword: true }), obj: {} });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error \[j\] out\/a\.json: could not validate: strict mode: unknown keyword: "notAKeyword"/);
});

test('one schema object is compiled once however many files carry it', () => {
  // GIVEN
  const schema = new JsonSchema({ type: 'object', properties: { a: { type: 'integer' } } });
  const app = Testing.app();
  for (let i = 0; i < 5; i++) new JsonFile(app, `f${i}`, { path: `f${i}.json`, validator: schema, obj: { a: i === 3 ? 'x' : i } });

  // WHEN
  const errors = Testing.errors(app);
  const again = Testing.errors(app);

  // THEN
  expect(errors).toEqual(['error [f3] out/f3.json: /a must be integer']);
  expect(again).toEqual(errors);
});

test('JSON pointer segments are escaped', () => {
  // THEN
  expect(escapePointer('a/b~c')).toBe('a~1b~0c');
  expect(describeAjvError({ keyword: 'type', instancePath: '/a', schemaPath: '#', params: {}, message: 'must be string' })).toEqual({ pointer: '/a', message: 'must be string' });
});
