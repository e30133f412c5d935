import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { ExitCode } from '../../cli';
import { Annotations, App, compareStrings, formatDiagnostic, sortDiagnostics, Testing, TextFile } from '../../src';
import { readTree, synthIn, tempDir } from './helpers';

/** An estate with one warning acknowledged on a scope, one on the construct itself, and two not. */
function warnedEstate(app: App): void {
  const staging = new Construct(app, 'staging');
  const db = new Construct(staging, 'db');
  const web = new Construct(staging, 'web');
  const prod = new Construct(app, 'production');
  new TextFile(prod, 'note', { path: 'note.txt', lines: ['x'] });
  Annotations.of(db).addWarning('port:public', 'port 5432 is published on the host');
  Annotations.of(web).addWarning('port:public', 'port 80 is published on the host');
  Annotations.of(web).addWarning('image:latest', 'image tag latest is not pinned');
  Annotations.of(prod).addWarning('port:public', 'port 443 is published on the host');
  Annotations.of(staging).acknowledge('port:public', 'staging is behind the VPN');
  Annotations.of(prod).acknowledge('other:id', 'unrelated');
}

test('a warning is acknowledged by its own construct or any scope above it, for that id only', () => {
  // GIVEN
  const app = Testing.app();
  warnedEstate(app);

  // WHEN
  const s = Testing.synthesize(app);

  // THEN
  expect(s.errors).toEqual([]);
  expect(s.warnings.map(formatDiagnostic)).toEqual([
    'warning [production] port 443 is published on the host (port:public)',
    'warning [staging/web] image tag latest is not pinned (image:latest)',
  ]);
  expect(s.acknowledged.map(formatDiagnostic)).toEqual([
    'acknowledged [staging/db] port 5432 is published on the host (port:public) — staging is behind the VPN',
    'acknowledged [staging/web] port 80 is published on the host (port:public) — staging is behind the VPN',
  ]);
});

test('the nearest acknowledgement wins', () => {
  // GIVEN
  const app = Testing.app();
  const outer = new Construct(app, 'outer');
  const inner = new Construct(outer, 'inner');
  Annotations.of(inner).addWarning('w', 'hazard');
  Annotations.of(outer).acknowledge('w', 'outer reason');
  Annotations.of(inner).acknowledge('w', '  inner reason  ');

  // THEN
  expect(Annotations.of(inner).acknowledgementOf('w')).toBe('inner reason');
  expect(Annotations.of(outer).acknowledgementOf('w')).toBe('outer reason');
  expect(Annotations.of(app).acknowledgementOf('w')).toBeUndefined();
});

test('the same warning id twice on one construct is reported once, with the first message', () => {
  // GIVEN
  const app = Testing.app();
  const c = new Construct(app, 'c');
  Annotations.of(c).addWarning('w', 'first');
  Annotations.of(c).addWarning('w', 'second');

  // THEN
  expect(Annotations.of(c).warnings).toEqual([{ id: 'w', message: 'first' }]);
});

test('an acknowledgement needs a reason, and says where it was missing', () => {
  // GIVEN
  const app = Testing.app();
  const c = new Construct(new Construct(app, 'estate'), 'db');

  // THEN
  expect(() => Annotations.of(c).acknowledge('port:public', '  ')).toThrow(
    "[estate/db] acknowledging warning 'port:public' needs a reason; say why the hazard is accepted",
  );
});

test.each(['', 'has space', '-leading', 'ü'])('%j is not a warning id', (id) => {
  // GIVEN
  const app = Testing.app();

  // THEN
  expect(() => Annotations.of(app).addWarning(id, 'm')).toThrow(/must be letters, digits/);
  expect(() => Annotations.of(app).acknowledge(id, 'r')).toThrow(/must be letters, digits/);
});

test('diagnostics sort by construct path then message, ordinally', () => {
  // GIVEN
  const list = [
    { severity: 'error' as const, path: 'b', message: 'x' },
    { severity: 'error' as const, path: 'B', message: 'y' },
    { severity: 'error' as const, path: 'a', message: 'z' },
    { severity: 'error' as const, path: 'a', message: 'Z' },
  ];

  // WHEN
  const sorted = sortDiagnostics(list);

  // THEN
  expect(sorted.map((d) => `${d.path}:${d.message}`)).toEqual(['B:y', 'a:Z', 'a:z', 'b:x']);
  expect(['é', 'z', 'e'].sort(compareStrings)).toEqual(['e', 'z', 'é']);
});

describe('warnings at synth', () => {
  let out: string;
  beforeEach(() => {
    out = path.join(tempDir(), 'out');
  });

  test('are printed after a successful synth, acknowledged ones with their reason, and do not fail it', () => {
    // WHEN
    const run = synthIn(out, [], warnedEstate);

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(run.stderr.split('\n')).toEqual([
      'warning [production] port 443 is published on the host (port:public)',
      'warning [staging/web] image tag latest is not pinned (image:latest)',
      'acknowledged [staging/db] port 5432 is published on the host (port:public) — staging is behind the VPN',
      'acknowledged [staging/web] port 80 is published on the host (port:public) — staging is behind the VPN',
    ]);
    expect(fs.readFileSync(path.join(out, 'note.txt'), 'utf8')).toBe('x\n');
  });

  test('--strict makes unacknowledged warnings errors: exit 1, nothing written', () => {
    // WHEN
    const run = synthIn(out, ['--strict'], warnedEstate);

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr.split('\n')).toEqual([
      `Validation failed with the following errors (nothing was written to ${out}/):`,
      "  error [production] port 443 is published on the host (warning 'port:public' under --strict; fix it or acknowledge it with a reason) (port:public)",
      "  error [staging/web] image tag latest is not pinned (warning 'image:latest' under --strict; fix it or acknowledge it with a reason) (image:latest)",
      '2 error(s)',
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--strict passes when every warning is acknowledged, and still prints the acknowledgements', () => {
    // WHEN
    const run = synthIn(out, ['--strict'], (app) => {
      warnedEstate(app);
      Annotations.of(app).acknowledge('image:latest', 'the demo image has no tags');
      Annotations.of(app.node.findChild('production')).acknowledge('port:public', 'the public site');
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(run.stderr.split('\n')).toEqual([
      'acknowledged [production] port 443 is published on the host (port:public) — the public site',
      'acknowledged [staging/db] port 5432 is published on the host (port:public) — staging is behind the VPN',
      'acknowledged [staging/web] image tag latest is not pinned (image:latest) — the demo image has no tags',
      'acknowledged [staging/web] port 80 is published on the host (port:public) — staging is behind the VPN',
    ]);
    expect(Object.keys(readTree(out)).sort()).toEqual(['.kamal-cdk/manifest.json', 'note.txt']);
  });

  test('--quiet prints no warnings', () => {
    // WHEN
    const run = synthIn(out, ['--quiet'], warnedEstate);

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
  });
});
