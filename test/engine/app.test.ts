import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { App, ExitCode, parseFlags, Testing, TextFile } from '../../src';
import { readTree, runFixture, synthIn, tempDir } from './helpers';

const USAGE_FIRST_LINE = 'usage: synth.ts [--check | --diff] [--outdir DIR] [--strict] [--quiet]';

const oneFile = (app: App) => {
  new TextFile(app, 'a', { path: 'a.txt', lines: ['a'] });
};

describe('parseFlags', () => {
  test('reads every documented flag', () => {
    // THEN
    expect(parseFlags([])).toEqual({ mode: 'write', strict: false, quiet: false, help: false });
    expect(parseFlags(['--check', '--strict', '--quiet', '--outdir', 'x'])).toEqual({ mode: 'check', outdir: 'x', strict: true, quiet: true, help: false });
    expect(parseFlags(['--diff', '--outdir=y', '-q'])).toEqual({ mode: 'diff', outdir: 'y', strict: false, quiet: true, help: false });
    expect(parseFlags(['--check', '--check']).mode).toBe('check');
  });

  test.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [['out'], "unknown argument 'out'"],
    [['--check', '--diff'], "--check and --diff can't be combined"],
    [['--diff', '--check'], "--check and --diff can't be combined"],
    [['--outdir'], '--outdir needs a folder'],
    [['--outdir', '--check'], '--outdir needs a folder'],
    [['--outdir='], '--outdir needs a folder'],
    [['--CHECK'], "unknown argument '--CHECK'"],
  ])('%j is a usage error: %s', (argv, error) => {
    // THEN
    expect(parseFlags(argv).error).toBe(error);
  });
});

describe('App.synth() and the command line', () => {
  let dir: string;
  let out: string;
  beforeEach(() => {
    dir = tempDir();
    out = path.join(dir, 'out');
  });

  test('an unknown flag exits 64 with the usage on stderr, and writes nothing', () => {
    // WHEN
    const run = synthIn(out, ['--bogus'], oneFile);

    // THEN
    expect(run.exitCode).toBe(ExitCode.USAGE);
    expect(run.exitCode).toBe(64);
    expect(run.stderr.split('\n').slice(0, 2)).toEqual(["error: unknown argument '--bogus'", USAGE_FIRST_LINE]);
    expect(run.stdout).toBe('');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--check with --diff is a usage error, even when validation would fail', () => {
    // WHEN
    const run = synthIn(out, ['--check', '--diff'], (app) => {
      new Construct(app, 'bad').node.addValidation({ validate: () => ['broken'] });
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.USAGE);
    expect(run.stderr.split('\n')[0]).toBe("error: --check and --diff can't be combined");
    expect(run.stderr).toContain(USAGE_FIRST_LINE);
  });

  test('--help prints the usage on stdout and exits 0', () => {
    // WHEN
    const run = synthIn(out, ['--help'], oneFile);

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(run.stdout.split('\n')[0]).toBe(USAGE_FIRST_LINE);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('--outdir DIR writes there instead of the default', () => {
    // GIVEN
    const elsewhere = path.join(dir, 'nested', 'elsewhere');

    // WHEN
    const run = synthIn(out, ['--outdir', elsewhere], oneFile);

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(fs.existsSync(out)).toBe(false);
    expect(readTree(elsewhere)['a.txt']).toBe('a\n');
    expect(run.stdout).toContain(`written   ${elsewhere}/a.txt`);
  });

  test('--outdir=DIR works too', () => {
    // GIVEN
    const elsewhere = path.join(dir, 'eq');

    // WHEN
    const run = synthIn(out, [`--outdir=${elsewhere}`], oneFile);

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(readTree(elsewhere)['a.txt']).toBe('a\n');
  });

  test('--quiet prints no summary, but still prints errors', () => {
    // GIVEN
    const ok = synthIn(out, ['--quiet'], oneFile);

    // WHEN
    const failed = synthIn(out, ['--quiet'], (app) => {
      oneFile(app);
      new Construct(app, 'bad').node.addValidation({ validate: () => ['broken'] });
    });

    // THEN
    expect(ok.exitCode).toBe(ExitCode.OK);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe('');
    expect(readTree(out)['a.txt']).toBe('a\n');
    expect(failed.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(failed.stderr).toContain('  error [bad] broken');
  });

  test('synth() sets process.exitCode to its exit code', () => {
    // GIVEN
    const saved = process.exitCode;
    const app = new App({ argv: ['--nope'], outdir: out, stdout: () => undefined, stderr: () => undefined });

    // WHEN
    let seen: number | string | undefined;
    try {
      app.synth();
      seen = process.exitCode;
    } finally {
      process.exitCode = saved;
    }

    // THEN
    expect(seen).toBe(ExitCode.USAGE);
  });

  test('the exit codes are the documented ones', () => {
    // THEN
    expect([ExitCode.OK, ExitCode.VALIDATION_FAILED, ExitCode.DRIFT, ExitCode.USAGE]).toEqual([0, 1, 2, 64]);
  });
});

describe('App as the root', () => {
  test('App.of finds the App from any construct in its tree', () => {
    // GIVEN
    const app = Testing.app();
    const deep = new Construct(new Construct(app, 'a'), 'b');

    // THEN
    expect(App.of(deep)).toBe(app);
    expect(App.isApp(app)).toBe(true);
    expect(App.isApp(deep)).toBe(false);
  });

  test('App.of outside an App says so with the construct path', () => {
    // GIVEN
    const root = new Construct(undefined as any, 'loose');
    const child = new Construct(root, 'child');

    // THEN
    expect(() => App.of(child)).toThrow('[loose/child] is not in an App; create it under new App()');
  });

  test('the output folder defaults to out/ under the working directory', () => {
    // GIVEN
    const app = new App({ argv: [], stdout: () => undefined, stderr: () => undefined });

    // THEN
    expect(app.outdir).toBe(path.resolve('out'));
    expect(app.displayDir).toBe('out');
  });
});

describe('the command line in a real process (as npm run synth runs it)', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = tempDir();
  });

  test('synth exits 0, prints one line per file and a summary, and the warnings', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, []);

    // THEN
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('written   out/.kamal-cdk/manifest.json');
    expect(lines).toContain('written   out/config/deploy.yml');
    expect(lines[lines.length - 1]).toBe('synth: 15 written, 0 unchanged, 0 removed');
    expect(r.stderr).toBe('warning [deploy] a hazard that is printed (demo:hazard)\n');
  });

  test('an unknown flag exits 64 with the usage on stderr and writes nothing', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, ['--frobnicate']);

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(["error: unknown argument '--frobnicate'", USAGE_FIRST_LINE]);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  test('--check --diff exits 64', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, ['--check', '--diff']);

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("error: --check and --diff can't be combined");
  });

  test('--outdir DIR is relative to the working directory and shown that way', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, ['--outdir', 'build/site', '--quiet']);
    const check = runFixture('estate.ts', cwd, ['--outdir', 'build/site', '--check']);

    // THEN
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
    expect(Object.keys(readTree(path.join(cwd, 'build/site')))).toHaveLength(15);
    expect(check.status).toBe(0);
    expect(check.stdout).toBe('build/site/ is up to date (15 files)\n');
  });

  test('validation errors exit 1 with every error, and write nothing', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, [], { FAIL: '1' });

    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe('Validation failed with the following errors (nothing was written to out/):');
    expect(r.stderr).toContain('6 error(s)');
    expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
  });

  test('--strict fails on the unacknowledged warning', () => {
    // WHEN
    const r = runFixture('estate.ts', cwd, ['--strict']);

    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("  error [deploy] a hazard that is printed (warning 'demo:hazard' under --strict; fix it or acknowledge it with a reason) (demo:hazard)");
    expect(fs.existsSync(path.join(cwd, 'out'))).toBe(false);
  });
});
