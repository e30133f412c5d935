import { Construct } from 'constructs';
import { App, JsonFile, JsonSchema, RenderPool, RenderThreads, synthesize, Synthesis, TemplateFile, Testing, TextFile, YamlDialect, YamlFile } from '../../src';
import { MIN_FILES_FOR_WORKERS } from '../../src/render-pool';
import * as path from 'path';
import { TEMPLATES } from './helpers';

const SCHEMA = new JsonSchema({
  type: 'object',
  properties: { service: { type: 'string', pattern: '^[a-z]' } },
  required: ['service'],
});

/**
 * Files of every kind the pool meets: portable YAML in both dialects and with ERB (quoting of
 * Psych's and YAML 1.1's specials, undefined members, sparse and nested arrays), YAML whose model
 * is not plain data, a YamlFile subclass with its own body, JSON and a template (never portable),
 * a schema error and a render error.
 */
function estate(app: App, copies: number): void {
  for (let i = 0; i < copies; i++) {
    const scope = new Construct(app, `s${String(i).padStart(3, '0')}`);
    new YamlFile(scope, 'deploy', {
      path: `config/s${i}/deploy.yml`,
      erb: true,
      validator: SCHEMA,
      obj: {
        service: `svc-${i}`,
        env: { clear: { ON: 'on', NO: 'no', DATE: '2025-01-01', SEXAGESIMAL: '12:30', SYMBOL: ':sym', COMMA: '1,000', OCTAL: '0600' } },
        secret: `<%= ENV["SECRET_${i}"] %>`,
        numbers: [0, -0, 1.5, 1e21, i],
        holes: [1, undefined, null, [true, false, { deep: 'yes' }]],
        skipped: undefined,
        text: 'line one\nline two',
      },
    });
    new YamlFile(scope, 'core', { path: `config/s${i}/core.yaml`, dialect: YamlDialect.YAML_1_2, obj: { on: 'on', n: i } });
    new YamlFile(scope, 'map', { path: `config/s${i}/map.yml`, obj: new Map([['a', i]]) });
    new JsonFile(scope, 'json', { path: `config/s${i}/a.json`, obj: { i } });
    new TemplateFile(scope, 'site', { path: `config/s${i}/site.conf`, template: path.join(TEMPLATES, 'plain.txt.hbs'), context: { greeting: `hi ${i}`, name: 'x' } });
    new TextFile(scope, 'text', { path: `config/s${i}/notes.txt`, lines: [`note ${i}`] });
  }
  new YamlFile(app, 'bad-schema', { path: 'bad.yml', validator: SCHEMA, obj: { service: 'Upper' } });
  new YamlFile(app, 'bad-erb', { path: 'erb.yml', erb: true, validator: SCHEMA, obj: { service: `<%= ENV['X'] %>` } });
  class OwnBody extends YamlFile {
    protected renderBody(): string {
      return 'own: body\n';
    }
  }
  new OwnBody(app, 'own', { path: 'own.yml', obj: { ignored: true } });
}

function synthWith(threads: RenderThreads, copies = 12): Synthesis {
  const app = Testing.app();
  estate(app, copies);
  return synthesize(app, { renderThreads: threads });
}

describe('rendering on worker threads', () => {
  test('gives the same files, errors and counts as rendering on the main thread', () => {
    // GIVEN / WHEN
    const here = synthWith('never');
    const threaded = synthWith('always');

    // THEN: the estate exercises every path, and both runs agree byte for byte
    // 6 per copy, bad.yml (a schema error keeps the file), own.yml, the manifest; not the broken ERB
    expect(here.files.length).toBe(12 * 6 + 3);
    expect(here.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      `bad-erb: out/erb.yml: could not render: ERB fragment "<%= ENV['X'] %>" cannot be single-quoted: a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag`,
      'bad-schema: out/bad.yml: /service must match pattern "^[a-z]"',
    ]);
    expect(threaded).toEqual(here);
  });

  test('the threaded bytes are what the YAML dialects need', () => {
    // GIVEN / WHEN
    const files = new Map(synthWith('always', 1).files.map((f) => [f.path, f.content]));

    // THEN: spot checks read by eye against YAML 1.1/Psych and 1.2 rules, not copied from a run
    const deploy = files.get('config/s0/deploy.yml')!;
    expect(deploy).toContain(`secret: '<%= ENV["SECRET_0"] %>'\n`);
    expect(deploy).toContain('"ON": "on"\n'); // keys too: YAML 1.1 reads ON as true
    expect(deploy).toContain('SYMBOL: ":sym"\n');
    expect(deploy).toContain('COMMA: "1,000"\n');
    expect(deploy).toContain('OCTAL: "0600"\n');
    expect(deploy).not.toContain('skipped');
    expect(deploy).toContain('holes:\n  - 1\n  - null\n  - null\n');
    expect(files.get('config/s0/core.yaml')).toContain('on: on\n');
    expect(files.get('config/s0/map.yml')).toContain('a: 0\n');
    expect(files.get('own.yml')).toContain('own: body\n');
  });

  test('a model that cannot be proved before the text is reported as not parsing back, unless the render failed', () => {
    // GIVEN: files whose document check throws before their text exists
    class Unproved extends YamlFile {
      public _documentBeforeText(): unknown {
        throw new Error('cannot prove it');
      }
    }
    const app = Testing.app();
    new Unproved(app, 'a', { path: 'a.yml', validator: SCHEMA, obj: { service: 'ok' } });
    new Unproved(app, 'b', { path: 'b.yml', erb: true, validator: SCHEMA, obj: { service: `<%= ENV['X'] %>` } });

    // WHEN
    const s = synthesize(app, { renderThreads: 'always' });

    // THEN
    expect(s.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'a: out/a.yml: the rendered file does not parse back: cannot prove it',
      `b: out/b.yml: could not render: ERB fragment "<%= ENV['X'] %>" cannot be single-quoted: a single quote inside the tag would be doubled in the Ruby code ERB runs; use double quotes inside the tag`,
    ]);
    expect(s.files.map((f) => f.path)).toEqual(['.kamal-cdk/manifest.json']);
  });

  test('a worker that cannot start leaves every body to the main thread, with the same bytes', () => {
    // GIVEN: the worker's entry point does not exist
    const entry = RenderPool._workerEntry;
    RenderPool._workerEntry = path.join(__dirname, 'no-such-worker.ts');
    let broken: Synthesis;
    try {
      broken = synthWith('always', 3);
    } finally {
      RenderPool._workerEntry = entry;
    }

    // THEN
    expect(broken).toEqual(synthWith('never', 3));
  });

  test('small estates and "never" keep everything on the main thread', () => {
    // GIVEN
    const app = Testing.app();
    estate(app, 2);
    const files = app.node.findAll().filter((c): c is YamlFile => c instanceof YamlFile);

    // THEN
    expect(files.length).toBeLessThan(MIN_FILES_FOR_WORKERS);
    expect(RenderPool.start(files, 'auto')).toBeUndefined();
    expect(RenderPool.start(files, 'never')).toBeUndefined();
    const pool = RenderPool.start(files, 'always');
    // Portable: plain-data models of YamlFile itself; not the Map model, not the subclass.
    expect(pool?.files.map((f) => f.node.path).sort()).toEqual(['bad-erb', 'bad-schema', 's000/core', 's000/deploy', 's001/core', 's001/deploy']);
    pool?.finish();
  });
});

test('a worker renders the bodies it claims while the main thread is busy', () => {
  // GIVEN: enough files that the worker has started before the main thread runs out of other work
  const app = Testing.app();
  for (let i = 0; i < 400; i++) new YamlFile(app, `f${i}`, { path: `f${i}.yml`, obj: { service: `svc-${i}`, list: [i, `${i}`, 'yes'] } });
  const files = app.node.findAll().filter((c): c is YamlFile => c instanceof YamlFile);
  const pool = RenderPool.start(files, 'always')!;

  // WHEN: the main thread is busy elsewhere until the worker has reported (at most 20 s), then finishes
  const control = (pool as unknown as { control: Int32Array }).control;
  Atomics.wait(control, 1, 0, 20_000);
  const results = pool.finish();

  // THEN: the worker did (all of) the work, with the bytes the main thread would have written
  expect(pool.renderedElsewhere).toBeGreaterThan(0);
  const here = Object.entries(Testing.synth(app)).sort();
  expect(results.map((r, i) => [files[i].path, files[i]._completeRender((r as { body: string }).body)]).sort()).toEqual(here);
});
