import * as ini from 'ini';
import * as YAML from 'yaml';
import { Construct } from 'constructs';
import { IniFile, JsonFile, JsonPatch, splitOverridePath, Testing, YamlFile } from '../../src';

describe('ObjectFile overrides', () => {
  test('addOverride creates the maps on its way', () => {
    // GIVEN
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: { a: 1 } });

    // WHEN
    file.addOverride('b.c.d', 'deep');

    // THEN
    expect(JSON.parse(Testing.synth(app)['a.json'])).toEqual({ a: 1, b: { c: { d: 'deep' } } });
  });

  test('addOverride replaces a scalar or a list on its way with a map', () => {
    // GIVEN
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: { a: 1, l: [1, 2] } });

    // WHEN
    file.addOverride('a.x', 1);
    file.addOverride('l.y', 2);

    // THEN
    expect(JSON.parse(Testing.synth(app)['a.json'])).toEqual({ a: { x: 1 }, l: { y: 2 } });
  });

  test('a \\. in an override path is a dot inside a key', () => {
    // GIVEN
    const app = Testing.app();
    const file = new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { labels: {} } });

    // WHEN
    file.addOverride('labels.traefik\\.enable', 'true');

    // THEN
    const text = Testing.synth(app)['a.yml'];
    expect(YAML.parse(text, { version: '1.1' })).toEqual({ labels: { 'traefik.enable': 'true' } });
    expect(splitOverridePath('a\\.b.c')).toEqual(['a.b', 'c']);
  });

  test('an override path with an empty segment is refused', () => {
    // THEN
    expect(() => splitOverridePath('a..b')).toThrow(/empty segment/);
    expect(() => splitOverridePath('.a')).toThrow(/empty segment/);
    expect(() => splitOverridePath('a.')).toThrow(/empty segment/);
  });

  test('addDeletionOverride removes a key; a missing path is not an error', () => {
    // GIVEN
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: { a: { b: 1, c: 2 }, d: 3 } });

    // WHEN
    file.addDeletionOverride('a.b');
    file.addDeletionOverride('d');
    file.addDeletionOverride('x.y.z');

    // THEN
    expect(JSON.parse(Testing.synth(app)['a.json'])).toEqual({ a: { c: 2 } });
  });

  test('overrides apply in the order given', () => {
    // GIVEN
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: {} });

    // WHEN
    file.addOverride('a', 1);
    file.addDeletionOverride('a');
    file.addOverride('b', 1);
    file.addOverride('b', 2);

    // THEN
    expect(JSON.parse(Testing.synth(app)['a.json'])).toEqual({ b: 2 });
  });

  test('the model\'s object and the override values are never mutated', () => {
    // GIVEN
    const model = { a: { b: 1 }, list: [{ x: 1 }] };
    const before = structuredClone(model);
    const value = { deep: { v: 1 } };
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: model });
    file.addOverride('a.c', value);
    file.addOverride('list.0', 'x');
    file.addDeletionOverride('a.b');

    // WHEN
    const first = Testing.synth(app)['a.json'];
    const second = Testing.synth(app)['a.json'];

    // THEN
    expect(model).toEqual(before);
    expect(value).toEqual({ deep: { v: 1 } });
    expect(second).toBe(first);
    expect(JSON.parse(first)).toEqual({ a: { c: { deep: { v: 1 } } }, list: ['x'] });
  });

  test('overrides copy only the maps and lists on their paths: the rest is the model\'s own, and the model is untouched', () => {
    // GIVEN
    const model = { a: { b: [1, { c: 2 }] }, untouched: { deep: [1] }, list: [{ x: 1 }, { y: 2 }] };
    const before = structuredClone(model);
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: model });
    file.addOverride('a.b.1.c', 3);
    file.addJsonPatch(JsonPatch.add('/list/1/z', 4), JsonPatch.remove('/list/0/x'));
    file.addDeletionOverride('a.b.0');

    // WHEN
    const doc = file.toObject() as typeof model & { list: Array<Record<string, number>> };

    // THEN
    expect(model).toEqual(before);
    expect(doc).toEqual({ a: { b: [{ c: 3 }] }, untouched: { deep: [1] }, list: [{}, { y: 2, z: 4 }] });
    expect(doc.untouched).toBe(model.untouched);
    expect(doc.a).not.toBe(model.a);
    expect(doc.list).not.toBe(model.list);
  });

  test('__proto__ in an override path is a key like any other, at the start and in the middle; no prototype changes', () => {
    // GIVEN
    const app = Testing.app();
    const file = new JsonFile(app, 'j', { path: 'a.json', obj: { a: 1 } });
    file.addOverride('__proto__.x', 1);
    file.addOverride('nested.__proto__.y', 2);

    // WHEN
    const doc = JSON.parse(Testing.synth(app)['a.json']);

    // THEN
    expect(doc).toEqual(JSON.parse('{ "a": 1, "__proto__": { "x": 1 }, "nested": { "__proto__": { "y": 2 } } }'));
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  test('overrides on a YAML file go through the same quoting', () => {
    // GIVEN
    const app = Testing.app();
    const file = new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: {} });

    // WHEN
    file.addOverride('proxy.ssl', 'on');

    // THEN
    expect(Testing.synth(app)['a.yml']).toBe('proxy:\n  ssl: "on"\n');
  });
});

test('a document given as a function is built at synth, after the tree is complete', () => {
  // GIVEN
  const app = Testing.app();
  const hosts: string[] = [];
  new JsonFile(app, 'j', { path: 'a.json', obj: () => ({ hosts }) });
  hosts.push('a');

  // WHEN
  const text = Testing.synth(app)['a.json'];

  // THEN
  expect(JSON.parse(text)).toEqual({ hosts: ['a'] });
});

test('a subclass can model its document by overriding synthesizeObject', () => {
  // GIVEN
  class Versions extends JsonFile {
    constructor(scope: Construct, id: string) {
      super(scope, id, { path: 'versions.json' });
    }
    protected synthesizeObject(): unknown {
      return { node: 20 };
    }
  }
  const app = Testing.app();
  new Versions(app, 'v');

  // WHEN
  const text = Testing.synth(app)['versions.json'];

  // THEN
  expect(text).toBe('{\n  "node": 20\n}\n');
});

test('a file with no document is a render error naming the construct', () => {
  // GIVEN
  const app = Testing.app();
  new JsonFile(new Construct(app, 'scope'), 'empty', { path: 'a.json' });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [scope/empty] out/a.json: could not render: [scope/empty] JsonFile has no document; pass obj or override synthesizeObject()',
  ]);
});

describe('IniFile', () => {
  test('top-level keys come first, then sections; nested maps are dotted sections', () => {
    // GIVEN
    const app = Testing.app();
    new IniFile(app, 'g', {
      path: 'grafana.ini',
      marker: false,
      obj: { instance_name: 'logs', server: { http_port: 3000, root_url: 'https://grafana.example.test/' }, auth: { anonymous: { enabled: false } } },
    });

    // WHEN
    const text = Testing.synth(app)['grafana.ini'];

    // THEN
    expect(text).toBe('instance_name = logs\n\n[server]\nhttp_port = 3000\nroot_url = https://grafana.example.test/\n\n[auth.anonymous]\nenabled = false\n');
    expect(ini.parse(text)).toEqual({
      instance_name: 'logs',
      server: { http_port: '3000', root_url: 'https://grafana.example.test/' },
      auth: { anonymous: { enabled: false } },
    });
  });
});

/** A JSON file at estate/j, and a reader of what synth makes of it. */
function file(obj: unknown) {
  const app = Testing.app();
  const f = new JsonFile(new Construct(app, 'estate'), 'j', { path: 'a.json', obj });
  return { app, f, read: () => JSON.parse(Testing.synth(app)['a.json']) };
}

describe('overrides reach list elements', () => {
  test('an index sets an element, the end or - appends, deletion removes it and later ones move up', () => {
    // GIVEN
    const { f, read } = file({ servers: { web: { hosts: ['a', 'b', 'c'] } }, volumes: ['x:/x'] });

    // WHEN
    f.addOverride('servers.web.hosts.1', 'B');
    f.addOverride('servers.web.hosts.3', 'd');
    f.addOverride('volumes.-', 'y:/y');
    f.addDeletionOverride('servers.web.hosts.0');

    // THEN
    expect(read()).toEqual({ servers: { web: { hosts: ['B', 'c', 'd'] } }, volumes: ['x:/x', 'y:/y'] });
  });

  test('an index reaches into an element, and - appends a map to fill', () => {
    // GIVEN
    const { f, read } = file({ steps: [{ name: 'a' }, { name: 'b', env: { X: '1' } }] });

    // WHEN
    f.addOverride('steps.1.env.Y', '2');
    f.addOverride('steps.-.name', 'c');
    f.addDeletionOverride('steps.0.name');

    // THEN
    expect(read()).toEqual({ steps: [{}, { name: 'b', env: { X: '1', Y: '2' } }, { name: 'c' }] });
  });

  test.each([
    ['addOverride past the end', (f: JsonFile) => f.addOverride('hosts.5', 'x'), "[estate/j] override 'hosts.5': index 5 is past the end of hosts, which has 2 elements; give 0 to 2 (2 or '-' appends)"],
    ['a negative index', (f: JsonFile) => f.addOverride('hosts.-1', 'x'), "[estate/j] override 'hosts.-1': '-1' is not an index of hosts; give 0 to 1, or '-' to append"],
    ['a leading zero', (f: JsonFile) => f.addOverride('hosts.01', 'x'), "[estate/j] override 'hosts.01': '01' is not an index of hosts"],
    ['deleting past the end', (f: JsonFile) => f.addDeletionOverride('hosts.2'), "[estate/j] override 'hosts.2': index 2 is past the end of hosts, which has 2 elements; give 0 to 1"],
    ['deleting -', (f: JsonFile) => f.addDeletionOverride('hosts.-'), "[estate/j] override 'hosts.-': '-' names no element of hosts; give an index from 0 to 1"],
  ])('%s is an error naming the construct, the override and the list', (_name, edit, message) => {
    // GIVEN
    const { app, f } = file({ hosts: ['a', 'b'] });

    // WHEN
    edit(f);

    // THEN
    expect(Testing.errors(app)).toEqual([expect.stringContaining(`error [estate/j] out/a.json: could not render: ${message}`)]);
  });

  test('a key that is not an index still replaces a list on its way with a map', () => {
    // GIVEN
    const { f, read } = file({ l: [1, 2] });

    // WHEN
    f.addOverride('l.y', 2);

    // THEN
    expect(read()).toEqual({ l: { y: 2 } });
  });
});

describe('addJsonPatch (RFC 6902)', () => {
  test('add inserts at an index or appends at -, remove and replace address elements, test guards', () => {
    // GIVEN
    const { f, read } = file({ volumes: ['a:/a', 'b:/b'], 'a/b': { '~': 1 } });

    // WHEN
    f.addJsonPatch(
      JsonPatch.test('/volumes/0', 'a:/a'),
      JsonPatch.add('/volumes/0', 'first:/first'),
      JsonPatch.add('/volumes/-', 'last:/last'),
      JsonPatch.remove('/volumes/2'),
      JsonPatch.replace('/a~1b/~0', 2),
      JsonPatch.add('/new', { x: 1 }),
    );

    // THEN
    expect(read()).toEqual({ volumes: ['first:/first', 'a:/a', 'last:/last'], 'a/b': { '~': 2 }, new: { x: 1 } });
  });

  test.each([
    ['remove of a missing member', JsonPatch.remove('/nope'), "[estate/j] JSON patch remove '/nope': nope does not exist; nothing to remove"],
    ['add under a missing parent', JsonPatch.add('/a/b/c', 1), "[estate/j] JSON patch add '/a/b/c': a does not exist; add it first"],
    ['insert past the end', JsonPatch.add('/volumes/3', 'x'), "[estate/j] JSON patch add '/volumes/3': index 3 is past the end of volumes, which has 1 element; give 0 to 1 (1 or '-' appends)"],
    ['replace past the end', JsonPatch.replace('/volumes/1', 'x'), "[estate/j] JSON patch replace '/volumes/1': index 1 is past the end of volumes, which has 1 element; give 0 to 0"],
    ['a failed test', JsonPatch.test('/volumes/0', 'b'), '[estate/j] JSON patch test \'/volumes/0\': the value is "a", not "b"'],
  ])('%s is an error naming the construct and the path', (_name, op, message) => {
    // GIVEN
    const { app, f } = file({ volumes: ['a'] });

    // WHEN
    f.addJsonPatch(op);

    // THEN
    expect(Testing.errors(app)).toEqual([expect.stringContaining(message)]);
  });

  test('a JSON pointer must start with / and escape ~ as ~0 or ~1', () => {
    expect(() => JsonPatch.add('volumes/0', 'x')).toThrow("JSON pointer 'volumes/0' must start with '/'");
    expect(() => JsonPatch.remove('/a~2')).toThrow("has a '~' that is neither ~0 nor ~1");
    expect(() => JsonPatch.remove('')).toThrow('names the whole document');
  });

  test('what a patch produces goes through the file\'s validator like the rest', () => {
    // GIVEN
    const app = Testing.app();
    const f = new YamlFile(app, 'y', {
      path: 'a.yml',
      obj: { hosts: ['a'] },
      validator: { validate: (doc: any) => (doc.hosts.every((h: unknown) => typeof h === 'string') ? [] : [{ pointer: '/hosts', message: 'hosts are strings' }]) },
    });

    // WHEN
    f.addJsonPatch(JsonPatch.add('/hosts/0', 5));

    // THEN
    expect(Testing.errors(app)).toEqual(['error [y] out/a.yml: /hosts hosts are strings']);
  });
});
