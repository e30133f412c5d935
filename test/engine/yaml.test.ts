import { spawnSync } from 'child_process';
import * as YAML from 'yaml';
import { Erb, JsonSchema, parseYaml, stringifyYaml, synthesize, Testing, YamlDialect, YamlFile } from '../../src';

/** Parses as a YAML 1.1 reader (Psych, yaml.v2, libyaml) would. */
const read11 = (text: string) => YAML.parse(text, { version: '1.1' });

// Strings that a YAML 1.1 reader turns into booleans, numbers, dates or null when left plain.
const AMBIGUOUS = [
  'on', 'off', 'yes', 'no', 'y', 'n', 'Y', 'N', 'On', 'NO', 'true', 'False',
  '2025-01-01', '2001-12-14t21:59:43.10-05:00',
  '0600', '0x1F', '0b101', '1_000', '+1', '.5', '1e3', '.inf', '-.Inf', '.NaN',
  '12:30', '1:20:30', '~', 'null', 'Null',
];

describe('YAML 1.1 quoting (the default dialect)', () => {
  test('a plain 1.1 reader really reads these strings as something else', () => {
    // GIVEN
    const plain = AMBIGUOUS.map((v, i) => `k${i}: ${v}`).join('\n');

    // WHEN
    const doc = read11(plain) as Record<string, unknown>;

    // THEN: every one of them, left unquoted, is not a string; so quoting is what keeps them strings
    expect(Object.values(doc).filter((v) => typeof v === 'string')).toEqual([]);
  });

  test.each(AMBIGUOUS)('%j as a value stays a string when read back by a 1.1 reader', (value) => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', obj: { key: value, list: [value] } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(read11(text)).toEqual({ key: value, list: [value] });
  });

  test('ambiguous strings as keys stay string keys', () => {
    // GIVEN
    const obj = { on: 1, yes: 2, n: 3, '2025-01-01': 4, '0600': 5, '12:30': 6 };
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', obj });

    // WHEN
    const doc = YAML.parseDocument(Testing.synth(app)['a.yml'], { version: '1.1' });

    // THEN
    const keys = (doc.contents as YAML.YAMLMap<YAML.Scalar, unknown>).items.map((p) => p.key.value);
    expect(keys).toEqual(Object.keys(obj));
  });

  test('strings that need no quotes are written plain', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { service: 'demo', image: 'acme/demo:1.2.3', host: 'example.com', path: '/up' } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(text).toBe('service: demo\nimage: acme/demo:1.2.3\nhost: example.com\npath: /up\n');
  });

  test('numbers and booleans of the model stay numbers and booleans', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { port: 3000, ratio: 0.5, enabled: true, none: null } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(text).toBe('port: 3000\nratio: 0.5\nenabled: true\nnone: null\n');
    expect(read11(text)).toEqual({ port: 3000, ratio: 0.5, enabled: true, none: null });
  });

  test('strings Psych (Kamal) reads as a Symbol or a comma number are quoted', () => {
    // GIVEN
    const values = [':latest', '1,000', '1,000.5', '-2,5', '0x1,F'];
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { v: values } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(text).toBe(`v:\n${values.map((v) => `  - "${v}"`).join('\n')}\n`);
    expect(read11(text)).toEqual({ v: values });
  });

  test('a comma that makes no number is not quoted', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { v: 'a,b', w: '1,a' } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(text).toBe('v: a,b\nw: 1,a\n');
  });
});

test('the 1.2 dialect quotes only what a 1.2 reader would misread', () => {
  // GIVEN
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', marker: false, dialect: YamlDialect.YAML_1_2, obj: { a: 'on', b: 'true', c: '2025-01-01' } });

  // WHEN
  const text = Testing.synth(app)['a.yml'];

  // THEN
  expect(text).toBe('a: on\nb: "true"\nc: 2025-01-01\n');
  expect(YAML.parse(text, { version: '1.2' })).toEqual({ a: 'on', b: 'true', c: '2025-01-01' });
});

test('a 300-character string is written on one line, never folded', () => {
  // GIVEN
  const long = Array.from({ length: 60 }, (_, i) => `w${String(i).padStart(3, '0')}`).join(' ');
  expect(long.length).toBe(299);
  const value = `${long}.`;
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { description: value, nested: { list: [value] } } });

  // WHEN
  const text = Testing.synth(app)['a.yml'];

  // THEN
  expect(text.split('\n')).toEqual([`description: ${value}`, 'nested:', '  list:', `    - ${value}`, '']);
  expect(read11(text)).toEqual({ description: value, nested: { list: [value] } });
});

test('keys are written in the model\'s order, in block style, with sequences indented under their key', () => {
  // GIVEN
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', marker: false, obj: { zeta: 1, alpha: { b: [1, { q: 1, x: 2 }], a: {} }, mid: [] } });

  // WHEN
  const text = Testing.synth(app)['a.yml'];

  // THEN
  expect(text).toBe(['zeta: 1', 'alpha:', '  b:', '    - 1', '    - q: 1', '      x: 2', '  a: {}', 'mid: []', ''].join('\n'));
});

test('parseYaml rejects duplicate keys, so a schema check never sees half a document', () => {
  // WHEN
  const parse = () => parseYaml('a: 1\na: 2\n');

  // THEN
  expect(parse).toThrow(/unique/i);
});

describe('ERB round-trip (Kamal renders ERB, then reads YAML 1.1)', () => {
  const env = {
    KAMAL_SERVER_IP_ADDRESS: '10.0.0.7',
    FLAG: 'yes',
    WHEN: '2025-01-01',
    MODE: '0600',
    CLOCK: '12:30',
    RATIO: '1.5',
  };
  const model = () => ({
    service: 'demo',
    servers: [Erb.env('KAMAL_SERVER_IP_ADDRESS')],
    url: `http://${Erb.env('KAMAL_SERVER_IP_ADDRESS')}:3000/up`,
    env: {
      clear: {
        FLAG: Erb.env('FLAG'),
        WHEN: Erb.fetchEnv('WHEN'),
        MODE: Erb.env('MODE'),
        CLOCK: Erb.env('CLOCK'),
        RATIO: Erb.env('RATIO'),
      },
    },
  });

  test('each ERB value reads back as exactly the string ERB put there', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'config/deploy.yml', erb: true, obj: model() });
    const text = Testing.synth(app)['config/deploy.yml'];

    // WHEN
    const loaded = read11(Erb.render(text, env));

    // THEN
    expect(text).toContain(`  - '<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>'\n`);
    expect(loaded.servers).toEqual(['10.0.0.7']);
    expect(loaded.url).toBe('http://10.0.0.7:3000/up');
    expect(loaded.env.clear).toEqual({ FLAG: 'yes', WHEN: '2025-01-01', MODE: '0600', CLOCK: '12:30', RATIO: '1.5' });
  });

  test('without erb: true the same values are misread after ERB, which is why the option exists', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'config/deploy.yml', obj: model() });
    const text = Testing.synth(app)['config/deploy.yml'];

    // WHEN
    const loaded = read11(Erb.render(text, env));

    // THEN
    expect(loaded.env.clear.FLAG).toBe(true);
    expect(loaded.env.clear.RATIO).toBe(1.5);
  });

  test('an ERB key is single-quoted too', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'a.yml', erb: true, marker: false, obj: { [Erb.env('FLAG')]: 1 } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(text).toBe(`'<%= ENV["FLAG"] %>': 1\n`);
    expect(read11(Erb.render(text, env))).toEqual({ yes: 1 });
  });

  test.each([
    [`<%= ENV['X'] %>`, 'a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag'],
    [`it's <%= ENV.fetch('X') %>`, 'a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag'],
    ['<%= ENV["X"] %>\n  more', 'it spans lines; keep each ERB value on one line'],
    ['<%= ENV["X"] %>\u0085', 'it spans lines; keep each ERB value on one line'],
    ['<%= ENV["X"] %>\u2028next', 'it spans lines; keep each ERB value on one line'],
    ['<%= ENV["X"] %>\u0080', 'it holds a C1 control character, which YAML can only write escaped in double quotes; remove it'],
    ['<%= ENV["X"]', 'a tag is not closed with %>'],
  ])('%j is a render error naming the construct and the file', (value, why) => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'config/deploy.yml', erb: true, obj: { servers: [value] } });

    // WHEN
    const errors = Testing.errors(app);

    // THEN
    expect(errors).toEqual([`error [deploy] out/config/deploy.yml: could not render: ERB fragment ${JSON.stringify(value)} cannot be single-quoted: ${why}`]);
  });

  test('Ruby runs the tags verbatim, and Psych reads what they print as strings, a single quote around a tag included (real ERB and Psych)', () => {
    // GIVEN: tags in values, in a list, in a key, and text with single quotes around a tag
    const obj = {
      host: '<%= ENV.fetch("HOST") %>',
      around: `it's <%= ENV["PORT"] %>/up, isn't it`,
      command: '<%= `printf %s abc1234` %>',
      list: ['<%= ENV.fetch("PORT") %>', '<%= ENV["FLAG"] %>'],
      [Erb.env('FLAG')]: 1,
    };
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'config/deploy.yml', erb: true, marker: false, obj });
    const text = Testing.synth(app)['config/deploy.yml'];

    // WHEN: what Kamal does with the file: ERB first, then Psych
    const script = 'require "erb"; require "yaml"; require "json"; puts JSON.generate(YAML.safe_load(ERB.new($stdin.read).result))';
    const r = spawnSync('ruby', ['-e', script], { input: text, encoding: 'utf8', env: { ...process.env, HOST: '10.0.0.7', PORT: '3000', FLAG: 'yes' } });

    // THEN: every value is the string the tag printed, not a number or a boolean
    expect(text).toContain(`around: 'it''s <%= ENV["PORT"] %>/up, isn''t it'\n`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ host: '10.0.0.7', around: "it's 3000/up, isn't it", command: 'abc1234', list: ['3000', 'yes'], yes: 1 });
  });

  test('a single quote in a string without ERB is fine in an erb file', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'deploy', { path: 'a.yml', erb: true, marker: false, obj: { note: "it's fine" } });

    // WHEN
    const text = Testing.synth(app)['a.yml'];

    // THEN
    expect(read11(Erb.render(text, env))).toEqual({ note: "it's fine" });
  });

  test('stringifyYaml is what YamlFile renders', () => {
    // GIVEN
    const obj = { a: Erb.env('X'), b: 'on' };
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', erb: true, marker: false, obj });

    // THEN
    expect(Testing.synth(app)['a.yml']).toBe(`${stringifyYaml(obj, { erb: true })}`);
    expect(stringifyYaml(obj, { erb: true })).toBe(`a: '<%= ENV["X"] %>'\nb: "on"\n`);
  });
});

describe('the document a YamlFile hands its validator', () => {
  const proto = JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>;
  test.each([
    ['plain data, returned as it is', { a: 'b', list: [1, 'two', { three: 3 }] }],
    ['undefined members dropped', { a: undefined, b: { c: undefined, d: 1 }, e: 'f' }],
    ['undefined elements and holes read as null', { list: [undefined, 1, , 2] }], // the hole is on purpose
    ['a __proto__ key is an ordinary key', { before: 1, skip: undefined, ...{ inner: proto } }],
    ['ambiguous strings and numbers', { on: 'on', date: '2025-01-01', octal: '0600', n: -0, big: 1e21, sym: ':s', c: '1,000' }],
  ])('is what a full parse of the text returns: %s', (_what, obj) => {
    // GIVEN
    const app = Testing.app();
    const file = new YamlFile(app, 'y', { path: 'a.yml', obj });
    const text = file.render();

    // WHEN
    const doc = file.documentForValidation(text);

    // THEN
    expect(doc).toEqual(file.parse(text));
    expect(JSON.stringify(doc)).toBe(JSON.stringify(file.parse(text)));
  });

  test('is the model itself when nothing needs dropping, a copy otherwise (the model is never changed)', () => {
    // GIVEN
    const clean = { a: 'b', list: [1, { c: 'd' }] };
    const holey = { a: 'b', gone: undefined, list: [1, { c: 'd' }] };
    const app = Testing.app();
    const f1 = new YamlFile(app, 'clean', { path: 'a.yml', obj: clean });
    const f2 = new YamlFile(app, 'holey', { path: 'b.yml', obj: holey });

    // WHEN
    const d1 = f1.documentForValidation(f1.render());
    const d2 = f2.documentForValidation(f2.render()) as Record<string, unknown>;

    // THEN
    expect(d1).toBe(clean);
    expect(d2).not.toBe(holey);
    expect(Object.keys(d2)).toEqual(['a', 'list']);
    expect(d2.list).toBe(holey.list); // untouched branches are shared, not copied
    expect(Object.keys(holey)).toEqual(['a', 'gone', 'list']);
  });
});

describe('scalars that do not read back as themselves', () => {
  test.each([
    ['\uFEFFbom', 'a leading byte-order mark is dropped by the reader'],
    ['<<', "YAML 1.1's merge key, which the reader merges instead of keeping"],
  ])('key %j is an error naming it (%s)', (key) => {
    // GIVEN: the bad key among scalars that do need proving (a port, a path, a number)
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', validator: new JsonSchema({ type: 'object' }), obj: { port: '5432', path: '/up', n: 3, [key]: { a: 1 } } });

    // WHEN
    const s = synthesize(app);

    // THEN
    expect(s.errors.map((e) => e.message)).toEqual([`out/a.yml: the rendered file does not parse back: key ${JSON.stringify(key)} does not read back as itself in YAML 1.1`]);
  });

  test('the same scalars in a clean file are proved and pass', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'y', { path: 'a.yml', validator: new JsonSchema({ type: 'object' }), obj: { port: '5432', path: '/up', n: 3, 'key with spaces': 'x: y' } });

    // THEN
    expect(Testing.errors(app)).toEqual([]);
  });
});

describe('control characters in YAML scalars', () => {
  test.each([
    ['NUL', '\0', 'U+0000 (NUL)'],
    ['CR', 'a\rb', 'U+000D (carriage return)'],
    ['escape', '\x1b[31m', 'U+001B (escape)'],
    ['DEL', 'x\x7f', 'U+007F (DEL)'],
  ])('%s in a value is refused with its pointer, and nothing is written', (_name, value, named) => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'cfg', { path: 'c.yml', obj: { a: { list: ['ok', value] } } });

    // WHEN
    const s = synthesize(app, { strict: false });

    // THEN
    expect(s.errors.map((e) => `[${e.path}] ${e.message}`)).toEqual([
      expect.stringMatching(new RegExp(`^\\[cfg\\] out/c\\.yml: could not render: value at /a/list/1 contains the control character ${named.replace(/[()+]/g, '\\$&')} .*— remove it$`)),
    ]);
  });

  test('a line break or tab in a key is refused', () => {
    // GIVEN
    const app = Testing.app();
    new YamlFile(app, 'cfg', { path: 'c.yml', obj: { env: { 'A\nB': '1' } } });

    // THEN
    expect(Testing.errors(app)).toEqual([expect.stringContaining('could not render: key at /env/A\nB contains the control character U+000A (line feed)')]);
  });

  test('a multi-line value with tabs (a script, a file body) is kept, as a block scalar', () => {
    // GIVEN
    const app = Testing.app();
    const script = 'set -eu\ncat <<-EOF\n\tindented\nEOF\n';
    new YamlFile(app, 'cfg', { path: 'c.yml', marker: false, obj: { run: script } });

    // WHEN
    const text = Testing.synth(app)['c.yml'];

    // THEN
    expect(text).toContain('run: |');
    expect(read11(text)).toEqual({ run: script });
  });

  test('a control character added through an override is refused the same way', () => {
    // GIVEN
    const app = Testing.app();
    const file = new YamlFile(app, 'cfg', { path: 'c.yml', obj: { hosts: ['a'] } });

    // WHEN
    file.addOverride('hosts.-', 'b\0');

    // THEN
    expect(Testing.errors(app)).toEqual([expect.stringContaining('[cfg] out/c.yml: could not render: value at /hosts/1 contains the control character U+0000')]);
  });
});
