import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { ExitCode } from '../../cli';
import { normalizeOutputPath, Testing, TextFile } from '../../src';
import { readTree, synthIn, tempDir } from './helpers';
import { writerLeftovers } from './writer-helpers';

/** The message a file construct at `estate/file` throws for path `bad`, or '' when it accepts it. */
function constructionError(bad: string): string {
  const app = Testing.app();
  try {
    new TextFile(new Construct(app, 'estate'), 'file', { path: bad, lines: ['x'] });
  } catch (e) {
    return (e as Error).message;
  }
  return '';
}

describe('a file path that leaves the output folder', () => {
  test.each([
    ['../x', /climbs out with '\.\.'/],
    ['a/../../x', /climbs out with '\.\.'/],
    ['a/../b', /climbs out with '\.\.'/],
    ['/etc/x', /is absolute/],
    ['C:/x', /is absolute/],
    ['a\\b', /contains a backslash/],
    ['..\\x', /contains a backslash/],
    ['', /file path is empty/],
    ['   ', /file path is empty/],
    ['.', /names the output directory itself/],
    ['./', /names the output directory itself/],
    ['a\0b', /NUL byte/],
  ])('%j throws at construction with the construct path', (bad, reason) => {
    // WHEN
    const message = constructionError(bad);

    // THEN
    expect(message).toMatch(reason);
    expect(message).toMatch(/^\[estate\/file\] /);
  });
});

test('a file path is normalised: ./ and doubled slashes go, a trailing slash goes', () => {
  // GIVEN
  const cases: Array<[string, string]> = [
    ['./config/deploy.yml', 'config/deploy.yml'],
    ['config//deploy.yml', 'config/deploy.yml'],
    ['config/./deploy.yml', 'config/deploy.yml'],
    ['config/', 'config'],
  ];

  // WHEN
  const normal = cases.map(([p]) => normalizeOutputPath(p, 'estate/x'));

  // THEN
  expect(normal).toEqual(cases.map(([, n]) => n));
});

test('two spellings of one path are a duplicate, and the error names both construct paths', () => {
  // GIVEN
  const app = Testing.app();
  new TextFile(new Construct(app, 'staging'), 'env', { path: 'config/app.env', lines: ['A=1'] });
  new TextFile(new Construct(app, 'production'), 'env', { path: './config//app.env', lines: ['A=2'] });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [staging/env] out/config/app.env is also claimed by [production/env]; give one of them another path',
  ]);
});

test('a duplicate path is reported the same way whichever construct was created first', () => {
  // GIVEN
  const build = (order: string[]) => {
    const app = Testing.app();
    for (const id of order) new TextFile(app, id, { path: 'same.txt', lines: [id] });
    return Testing.errors(app);
  };

  // WHEN
  const first = build(['alpha', 'beta']);
  const second = build(['beta', 'alpha']);

  // THEN
  expect(first).toEqual(['error [beta] out/same.txt is also claimed by [alpha]; give one of them another path']);
  expect(second).toEqual(first);
});

test('a file where another file needs a folder is an error naming both constructs', () => {
  // GIVEN
  const app = Testing.app();
  new TextFile(app, 'folder-file', { path: 'config', lines: ['x'] });
  new TextFile(app, 'deploy', { path: 'config/deploy.yml', lines: ['x'] });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    'error [deploy] out/config/deploy.yml needs out/config to be a folder, but [folder-file] writes a file there; rename one of them',
  ]);
});

test('kamal-cdk\'s own folder is not available to file constructs', () => {
  // GIVEN
  const app = Testing.app();
  new TextFile(app, 'manifest', { path: '.kamal-cdk/manifest.json', lines: ['{}'] });
  new TextFile(app, 'folder', { path: '.kamal-cdk', lines: ['x'] });

  // WHEN
  const errors = Testing.errors(app);

  // THEN
  expect(errors).toEqual([
    "error [folder] out/.kamal-cdk is inside kamal-cdk's own folder out/.kamal-cdk/; give the file another path",
    "error [manifest] out/.kamal-cdk/manifest.json is inside kamal-cdk's own folder out/.kamal-cdk/; give the file another path",
  ]);
});

describe('symbolic links in the output folder', () => {
  let cwd: string;
  let outside: string;
  beforeEach(() => {
    cwd = tempDir();
    outside = tempDir('kamal-cdk-outside-');
  });

  /** An output folder kamal-cdk already wrote (it has a manifest), as links are planted in a real one. */
  const written = (out: string) => {
    expect(synthIn(out, ['--quiet'], (app) => new TextFile(app, 'seed', { path: 'seed.txt', lines: ['seed'] })).exitCode).toBe(ExitCode.OK);
  };

  test('a folder link that a generated file would be written through is refused, and nothing is written', () => {
    // GIVEN
    const out = path.join(cwd, 'out');
    written(out);
    const before = readTree(out);
    fs.symlinkSync(outside, path.join(out, 'config'));

    // WHEN
    const run = synthIn(out, [], (app) => {
      new TextFile(app, 'deploy', { path: 'config/deploy.yml', lines: ['x'] });
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toMatch(/config is a symbolic link, and config\/deploy\.yml would be written through it; remove the link/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(readTree(out)).toEqual({ ...before, config: `-> ${outside}` });
    expect(writerLeftovers(out)).toEqual([]);
  });

  test('a file link at a generated path is refused and its target is not written', () => {
    // GIVEN
    const out = path.join(cwd, 'out');
    written(out);
    fs.writeFileSync(path.join(outside, 'target'), 'precious\n');
    fs.symlinkSync(path.join(outside, 'target'), path.join(out, 'deploy.yml'));

    // WHEN
    const run = synthIn(out, [], (app) => {
      new TextFile(app, 'deploy', { path: 'deploy.yml', lines: ['x'] });
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toMatch(/deploy\.yml is a symbolic link/);
    expect(fs.readFileSync(path.join(outside, 'target'), 'utf8')).toBe('precious\n');
  });

  test('an output folder that is itself a link is refused', () => {
    // GIVEN
    const out = path.join(cwd, 'out');
    fs.symlinkSync(outside, out);

    // WHEN
    const run = synthIn(out, [], (app) => {
      new TextFile(app, 'a', { path: 'a.txt', lines: ['x'] });
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
    expect(run.stderr).toMatch(/out is a symbolic link; point --outdir at a real folder/);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  test('a link elsewhere in the output folder, on no generated path, is left alone', () => {
    // GIVEN
    const out = path.join(cwd, 'out');
    written(out);
    fs.symlinkSync(outside, path.join(out, 'elsewhere'));

    // WHEN
    const run = synthIn(out, [], (app) => {
      new TextFile(app, 'a', { path: 'config/a.txt', lines: ['x'] });
    });

    // THEN
    expect(run.exitCode).toBe(ExitCode.OK);
    expect(fs.readlinkSync(path.join(out, 'elsewhere'))).toBe(outside);
    expect(fs.readFileSync(path.join(out, 'config/a.txt'), 'utf8')).toBe('x\n');
  });
});

describe("a file path in git's own folder, where a copied-over tree would run code", () => {
  test.each([
    ['.git/hooks/pre-commit', /is inside git's own folder \('.git' reads as \.git\)/],
    ['.git', /is inside git's own folder/],
    ['vendor/.git/config', /is inside git's own folder/],
    ['.GIT/hooks/post-checkout', /'.GIT' reads as \.git/],
    ['.git./hooks/x', /'.git.' reads as \.git/],
    ['.git /hooks/x', /'.git ' reads as \.git/],
    ['GIT~1/hooks/x', /'GIT~1' reads as \.git/],
    ['a\nb', /contains the control character U\+000A \(line feed\)/],
    ['a\x1bb', /contains the control character U\+001B \(escape\)/],
  ])('%j is refused at construction with the construct path and what to do', (bad, reason) => {
    // WHEN
    const message = constructionError(bad);

    // THEN
    expect(message).toMatch(reason);
    expect(message).toMatch(/^\[estate\/file\] /);
  });

  test.each(['.github/workflows/deploy-staging.yml', '.kamal/hooks/pre-deploy', '.gitignore', '.github/dependabot.yml', 'config/.gitkeep', '.kamal/secrets', 'docs/.git-notes.md', 'hooks/.kamal'])(
    '%j is accepted',
    (ok) => {
      expect(normalizeOutputPath(ok, 'estate/x')).toBe(ok);
    },
  );
});
