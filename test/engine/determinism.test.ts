import { spawnSync } from 'child_process';
import * as path from 'path';
import { Construct } from 'constructs';
import { Annotations, App, Erb, IniFile, JsonFile, TemplateFile, Testing, TextFile, YamlFile } from '../../src';
import { readTree, runFixture, statTree, tempDir, TEMPLATES } from './helpers';

const ENVIRONMENTS = [
  { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' },
  { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' },
  { TZ: 'America/Los_Angeles', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8' },
];

describe('the same bytes under any TZ and locale (child processes)', () => {
  test('the environments really differ for Node: time zone, collation and number format', () => {
    // GIVEN
    const probe = `console.log(JSON.stringify({
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      offset: new Date(0).getTimezoneOffset(),
      collation: ['i', 'I', 'ı', 'é', 'z', 'B', 'a'].sort((x, y) => x.localeCompare(y)).join(''),
      number: (1234.5).toLocaleString(),
    }))`;

    // WHEN
    const seen = ENVIRONMENTS.map((env) => {
      const r = spawnSync(process.execPath, ['-e', probe], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30_000 });
      return JSON.parse(r.stdout);
    });

    // THEN: if these were equal, the test below could not catch a locale or TZ dependency
    expect(new Set(seen.map((s) => s.tz)).size).toBe(3);
    expect(new Set(seen.map((s) => s.offset)).size).toBe(3);
    expect(new Set(seen.map((s) => s.collation)).size).toBeGreaterThan(1);
    expect(new Set(seen.map((s) => s.number)).size).toBeGreaterThan(1);
  });

  test('synth writes byte-identical files with identical modes, and prints the same report', () => {
    // WHEN
    const runs = ENVIRONMENTS.map((env) => {
      const cwd = tempDir();
      const r = runFixture('estate.ts', cwd, [], env);
      const out = path.join(cwd, 'out');
      const modes = Object.fromEntries(Object.entries(statTree(out)).map(([p, s]) => [p, s.mode]));
      return { status: r.status, stdout: r.stdout, stderr: r.stderr, tree: readTree(out), modes };
    });

    // THEN
    const [first, ...rest] = runs;
    expect(first.status).toBe(0);
    expect(Object.keys(first.tree)).toHaveLength(15);
    // The manifest is in ordinal order, which no locale's collation gives for these names.
    expect(JSON.parse(first.tree['.kamal-cdk/manifest.json']).files.filter((f: string) => f.startsWith('notes/'))).toEqual(
      ['B', 'I', 'Z', 'a', 'e', 'i', 'ä', 'é', 'ı'].map((n) => `notes/${n}.txt`),
    );
    // A Date in the model renders in UTC whatever the TZ.
    expect(first.tree['config/deploy.yml']).toContain('\nreleased: 2025-01-02T03:04:05\n');
    expect(first.tree['config/data.json']).toContain('"n": 1234567.891');
    for (const r of rest) {
      expect(r.status).toBe(0);
      expect(r.tree).toEqual(first.tree);
      expect(r.modes).toEqual(first.modes);
      expect(r.stdout).toBe(first.stdout);
      expect(r.stderr).toBe(first.stderr);
    }
  }, 60_000);

  test('errors are reported in the same order under every locale', () => {
    // WHEN
    const reports = ENVIRONMENTS.map((env) => runFixture('estate.ts', tempDir(), [], { ...env, FAIL: '1' }));

    // THEN
    expect(reports[0].status).toBe(1);
    expect(reports[0].stderr.split('\n').filter((l) => l.startsWith('  error'))).toEqual(
      ['I', 'Z', 'e', 'i', 'é', 'ı'].map((n) => `  error [note-${n}] bad note ${n}`),
    );
    for (const r of reports.slice(1)) {
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(reports[0].stderr);
    }
  }, 60_000);
});

describe('the same output whatever order the constructs were created in', () => {
  type Step = (app: App) => void;
  const steps: Step[] = [
    (app) => new YamlFile(scope(app, 'staging'), 'deploy', { path: 'config/deploy.staging.yml', erb: true, obj: { servers: [Erb.env('IP')] } }),
    (app) => new YamlFile(scope(app, 'production'), 'deploy', { path: 'config/deploy.production.yml', obj: { servers: ['10.0.0.2'] } }),
    (app) => new TextFile(scope(app, 'staging'), 'secrets', { path: '.kamal/secrets.staging', commentPrefix: '#', lines: ['A=$A'] }),
    (app) => new TextFile(app, 'hook', { path: '.kamal/hooks/pre-deploy', executable: true, commentPrefix: '#', lines: ['#!/bin/sh', 'true'] }),
    (app) => new IniFile(app, 'grafana', { path: 'config/observability/grafana.ini', obj: { server: { http_port: 3000 } } }),
    (app) => new JsonFile(app, 'json', { path: 'config/a.json', obj: { a: 1 } }),
    (app) => new TemplateFile(app, 'tmpl', { path: 'config/t.txt', template: path.join(TEMPLATES, 'plain.txt.hbs'), context: { greeting: 'hi', name: 'x' } }),
    (app) => Annotations.of(scope(app, 'staging')).addWarning('w:one', 'staging hazard'),
    (app) => Annotations.of(scope(app, 'production')).addWarning('w:two', 'production hazard'),
    (app) => Annotations.of(scope(app, 'production')).addWarning('w:one', 'production hazard one'),
    (app) => Annotations.of(app).acknowledge('w:two', 'accepted'),
    (app) => scope(app, 'staging').node.addValidation({ validate: () => ['staging has no registry'] }),
  ];
  function scope(app: App, id: string): Construct {
    return (app.node.tryFindChild(id) as Construct | undefined) ?? new Construct(app, id);
  }
  function synthIn(order: number[]) {
    const app = Testing.app();
    for (const i of order) steps[i](app);
    return Testing.synthesize(app);
  }

  test('files, manifest, errors, warnings and acknowledgements are identical', () => {
    // GIVEN
    const forward = steps.map((_, i) => i);
    const backward = [...forward].reverse();
    const shuffled = [5, 0, 9, 3, 11, 7, 1, 10, 4, 8, 2, 6];

    // WHEN
    const results = [forward, backward, shuffled].map(synthIn);

    // THEN
    expect(results[0].errors.map((e) => `${e.path} ${e.message}`)).toEqual(['staging staging has no registry']);
    expect(results[0].files.map((f) => f.path)).toEqual([
      '.kamal-cdk/manifest.json',
      '.kamal/hooks/pre-deploy',
      '.kamal/secrets.staging',
      'config/a.json',
      'config/deploy.production.yml',
      'config/deploy.staging.yml',
      'config/observability/grafana.ini',
      'config/t.txt',
    ]);
    expect(results[0].warnings.map((w) => `${w.path} ${w.id}`)).toEqual(['production w:one', 'staging w:one']);
    for (const r of results.slice(1)) {
      expect(r.files).toEqual(results[0].files);
      expect(r.warnings).toEqual(results[0].warnings);
      expect(r.acknowledged).toEqual(results[0].acknowledged);
      expect(r.errors).toEqual(results[0].errors);
    }
  });

  test('errors from many constructs come out in the same order', () => {
    // GIVEN
    const ids = ['web', 'db', 'Zeta', 'alpha', 'cache'];
    const build = (order: string[]) => {
      const app = Testing.app();
      for (const id of order) {
        const c = new Construct(app, id);
        c.node.addValidation({ validate: () => [`${id} second`, `${id} first`] });
      }
      new TextFile(app, 'dup-b', { path: 'dup.txt', lines: ['b'] });
      new TextFile(app, 'dup-a', { path: 'dup.txt', lines: ['a'] });
      return Testing.errors(app);
    };

    // WHEN
    const a = build(ids);
    const b = build([...ids].reverse());

    // THEN
    expect(a).toEqual(b);
    expect(a.slice(0, 3)).toEqual(['error [Zeta] Zeta first', 'error [Zeta] Zeta second', 'error [alpha] alpha first']);
    expect(a).toContain('error [dup-b] out/dup.txt is also claimed by [dup-a]; give one of them another path');
  });
});

test('two synths of one tree give the same bytes', () => {
  // GIVEN
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', obj: () => ({ when: new Date(Date.UTC(2020, 5, 6)), list: [3, 1, 2] }) });

  // WHEN
  const first = Testing.synth(app);
  const second = Testing.synth(app);

  // THEN
  expect(second).toEqual(first);
});
