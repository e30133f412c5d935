import * as ini from 'ini';
import * as YAML from 'yaml';
import { Construct } from 'constructs';
import { IniFile, JsonFile, splitOverridePath, Testing, YamlFile } from '../../src';

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
    expect(JSON.parse(first)).toEqual({ a: { c: { deep: { v: 1 } } }, list: { 0: 'x' } });
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
