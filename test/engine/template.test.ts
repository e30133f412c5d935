import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TemplateFile, Testing } from '../../src';
import { loadWithCacheDir, TEMPLATES } from './helpers';

const site = path.join(TEMPLATES, 'site.conf.hbs');
const siteContext = () => ({
  port: 8080,
  host: 'example.test',
  locations: [{ path: '/', upstream: 'http://app:3000' }, { path: '/v2/', upstream: 'http://registry:5000' }],
  tls: { cert: '/etc/ssl/x.pem' },
  note: 'a&b <c> "d" \'e\'',
});

test('a template renders its context, with sections and conditions', () => {
  // GIVEN
  const app = Testing.app();
  new TemplateFile(app, 'site', { path: 'nginx/site.conf', template: site, context: siteContext(), marker: false });

  // WHEN
  const text = Testing.synth(app)['nginx/site.conf'];

  // THEN
  expect(text).toBe([
    'server {',
    '  listen 8080;',
    '  server_name example.test;',
    '  location / {',
    '    proxy_pass http://app:3000;',
    '  }',
    '  location /v2/ {',
    '    proxy_pass http://registry:5000;',
    '  }',
    '  ssl_certificate /etc/ssl/x.pem;',
    '  add_header X-Note "a&b <c> "d" \'e\'";',
    '}',
    '',
  ].join('\n'));
});

test('values are not HTML-escaped', () => {
  // GIVEN
  const app = Testing.app();
  new TemplateFile(app, 't', { path: 'x', template: path.join(TEMPLATES, 'plain.txt.hbs'), context: { greeting: '<&>', name: '"\'`=' } });

  // WHEN
  const text = Testing.synth(app).x;

  // THEN
  expect(text).toBe('<&>, "\'`=\n');
  expect(text).not.toMatch(/&amp;|&lt;|&quot;|&#x27;|&#x60;|&#x3D;/);
});

test('a variable the context lacks is a render error naming the construct and the file', () => {
  // GIVEN
  const app = Testing.app();
  new TemplateFile(app, 'greeting', { path: 'hello.txt', template: path.join(TEMPLATES, 'plain.txt.hbs'), context: { greeting: 'Hi' } });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error \[greeting\] out\/hello\.txt: could not render: "name" not defined/);
});

test('a missing variable inside a section is an error too', () => {
  // GIVEN
  const ctx = { ...siteContext(), locations: [{ path: '/' }] };
  const app = Testing.app();
  new TemplateFile(app, 'site', { path: 'site.conf', template: site, context: ctx });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error \[site\] out\/site\.conf: could not render: "upstream" not defined/);
});

test('a missing variable used as a condition is an error, not a silent false', () => {
  // GIVEN
  const app = Testing.app();
  const { tls: _tls, ...withoutTls } = siteContext();
  new TemplateFile(app, 'site', { path: 'site.conf', template: site, context: withoutTls });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [site] out/site.conf: could not render: "tls" not defined in the template context; pass false or null to leave it out on purpose',
  ]);
});

test('a condition given as false renders its else branch', () => {
  // GIVEN
  const app = Testing.app();
  new TemplateFile(app, 'on', { path: 'on', template: path.join(TEMPLATES, 'conditional.hbs'), context: { enabled: true } });
  new TemplateFile(app, 'off', { path: 'off', template: path.join(TEMPLATES, 'conditional.hbs'), context: { enabled: false } });

  // WHEN
  const files = Testing.synth(app);

  // THEN
  expect(files).toEqual({ on: 'on\n', off: 'off\n' });
});

test('a context given as a function is read at synth', () => {
  // GIVEN
  const app = Testing.app();
  const ctx = { greeting: 'Hi', name: 'early' };
  new TemplateFile(app, 't', { path: 'x', template: path.join(TEMPLATES, 'plain.txt.hbs'), context: () => ({ ...ctx }) });
  ctx.name = 'late';

  // WHEN
  const text = Testing.synth(app).x;

  // THEN
  expect(text).toBe('Hi, late\n');
});

test('a template file that does not exist is an error at construction, with the construct path', () => {
  // GIVEN
  const app = Testing.app();

  // WHEN
  const make = () => new TemplateFile(app, 'ghost', { path: 'x', template: path.join(TEMPLATES, 'no-such.hbs'), context: {} });

  // THEN
  expect(make).toThrow(/^\[ghost\] template .*no-such\.hbs does not exist/);
});

test('a template value with a line break or another control character is refused, naming the value', () => {
  // GIVEN: a line break would end an nginx directive and start another
  const app = Testing.app();
  new TemplateFile(app, 'site', { path: 'site.conf', template: site, context: { ...siteContext(), host: 'example.test;\n  return 200' } });
  const tab = Testing.app();
  new TemplateFile(tab, 'site', { path: 'site.conf', template: site, context: { ...siteContext(), locations: [{ path: '/\t', upstream: 'http://a' }] } });

  // THEN
  expect(Testing.errors(app)).toEqual([
    'error [site] out/site.conf: could not render: template value host contains the control character U+000A (line feed) at offset 13; values of these formats are one line — remove it',
  ]);
  expect(Testing.errors(tab)).toEqual([expect.stringContaining('template value locations.0.path contains the control character U+0009 (tab)')]);
});

test('printable values, quotes and Unicode included, render as given', () => {
  // GIVEN
  const app = Testing.app();
  new TemplateFile(app, 'site', { path: 'site.conf', template: site, context: { ...siteContext(), host: 'bücher.example' }, marker: false });

  // THEN
  expect(Testing.synth(app)['site.conf']).toContain('bücher.example');
});

describe('compiled templates cached on disk', () => {
  /** The engine (TemplateFile and Testing) loaded afresh, with the cache folder `root`. */
  function fresh(root: string): { TemplateFile: typeof TemplateFile; Testing: typeof Testing } {
    return loadWithCacheDir(root, () => jest.requireActual<typeof import('../../src')>('../../src'));
  }

  function render(m: ReturnType<typeof fresh>, context: object): string {
    const app = m.Testing.app();
    new m.TemplateFile(app, 'site', { path: 'site.conf', template: site, context, marker: false });
    return m.Testing.synth(app)['site.conf'];
  }

  function cachedFiles(root: string): string[] {
    return fs.readdirSync(path.join(root, 'templates')).filter((f) => /^[0-9a-f]{40}\.js$/.test(f));
  }

  test('the first run writes the precompiled template under its key, and a later run renders from it', () => {
    // GIVEN: a first run, then its cached template changed (only a cache that is used can show it)
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-templates-'));
    const first = fresh(root);
    const expected = render(first, siteContext());
    expect(render(first, siteContext())).toBe(expected); // rendered again in the same process: the same key
    const files = cachedFiles(root);
    expect(files).toHaveLength(1);
    const cached = path.join(root, 'templates', files[0]);
    fs.writeFileSync(cached, fs.readFileSync(cached, 'utf8').replace('server_name', 'cached_name'));

    // WHEN
    const later = render(fresh(root), siteContext());

    // THEN
    expect(expected).toContain('server_name example.test;');
    expect(later).toBe(expected.replace('server_name', 'cached_name'));
  });

  test('a cached module of another key is not used, and is replaced', () => {
    // GIVEN: the cache file holds another template's code under another key
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-templates-'));
    const expected = render(fresh(root), siteContext());
    const [file] = cachedFiles(root);
    const cached = path.join(root, 'templates', file);
    fs.writeFileSync(cached, fs.readFileSync(cached, 'utf8').replace('server_name', 'cached_name').replace(/module\.exports\.key = "[0-9a-f]+"/, 'module.exports.key = "other"'));

    // WHEN
    const later = render(fresh(root), siteContext());

    // THEN
    expect(later).toBe(expected);
    expect(fs.readFileSync(cached, 'utf8')).toContain(`module.exports.key = "${file.slice(0, -3)}"`);
  });

  test('from the cache, a variable the context lacks is still an error', () => {
    // GIVEN
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-templates-'));
    render(fresh(root), siteContext());
    const { host: _host, ...withoutHost } = siteContext();
    void _host;

    // THEN
    expect(() => render(fresh(root), withoutHost)).toThrow(/"host" not defined/);
  });
});
