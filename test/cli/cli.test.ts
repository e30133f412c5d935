/**
 * The kamal-cdk command, run as users run it: a child process in a project folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { kamalCdk, kamalCdkPipedTo, project, textEstate } from './helpers';

jest.setTimeout(120_000);

describe('usage', () => {
  test('no command prints the usage on stderr and exits 64; --help prints it on stdout and exits 0', () => {
    // GIVEN
    const dir = project({});

    // WHEN
    const none = kamalCdk(dir);
    const help = kamalCdk(dir, '--help');

    // THEN
    expect(none.status).toBe(64);
    expect(none.stderr.split('\n')[0]).toBe('usage: kamal-cdk <command> [options]');
    expect(help.status).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('usage: kamal-cdk <command> [options]');
  });

  test('--version, -V and version print the package version from its package.json, outside any project', () => {
    // GIVEN: a folder with no estate at all
    const dir = project({});
    const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

    // WHEN
    const runs = ['--version', '-V', 'version'].map((flag) => kamalCdk(dir, flag));

    // THEN
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const r of runs) expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  test.each([
    [['frobnicate'], "error: unknown command 'frobnicate'"],
    [['synth', '--frobnicate'], "error: unknown argument '--frobnicate'"],
    [['synth', '--outdir'], 'error: --outdir needs a value'],
    [['config', '-c'], 'error: -c needs a value'],
    [['config', '-d', '--strict'], 'error: -d needs a value'],
    [['check', '--force'], "error: unknown argument '--force'"],
    [['init', 'a', 'b'], 'error: init takes one folder, got 2'],
  ])('kamal-cdk %j is a usage error (64) that writes nothing', (args, message) => {
    // GIVEN
    const dir = project({ 'synth.ts': textEstate(['a']) });

    // WHEN
    const r = kamalCdk(dir, ...args);

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr.split('\n')[0]).toBe(message);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('a reader that stops reading (| head -1) ends the output, not the command: no EPIPE trace, and the command\'s own exit code', () => {
    // GIVEN: `true` exits without reading, so every write of the command meets a closed pipe
    const dir = project({ 'synth.ts': textEstate(['a']) });

    // WHEN
    const help = kamalCdkPipedTo('true', dir, '--help');
    const synth = kamalCdkPipedTo('true', dir, 'synth');
    const written = fs.readFileSync(path.join(dir, 'out/a.txt'), 'utf8');
    fs.writeFileSync(path.join(dir, 'out/a.txt'), 'edited\n');
    const check = kamalCdkPipedTo('true', dir, 'check');

    // THEN
    expect(help).toEqual({ status: 0, stderr: '' });
    expect(synth).toEqual({ status: 0, stderr: '' });
    expect(written.split('\n').slice(-2)).toEqual(['a', '']);
    expect(check).toEqual({ status: 2, stderr: 'drift: 1 file(s) differ from a fresh synth; run kamal-cdk synth and commit out/' });
  });

  test.each(['synth', 'check', 'diff', 'config', 'init', 'watch', 'validate', 'import'])('kamal-cdk %s --help prints its usage and exits 0', (command) => {
    // WHEN
    const r = kamalCdk(project({}), command, '--help');

    // THEN
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: kamal-cdk ${command}\\b`));
  });
});

describe('synth, check and diff', () => {
  test('synth writes out/, prints a line per file and a summary; check then exits 0', () => {
    // GIVEN
    const dir = project({ 'synth.ts': textEstate(['hello']) });

    // WHEN
    const synth = kamalCdk(dir, 'synth');
    const check = kamalCdk(dir, 'check');

    // THEN
    expect(synth.status).toBe(0);
    expect(synth.stdout.trimEnd().split('\n')).toEqual(['written   out/.kamal-cdk/manifest.json', 'written   out/a.txt', 'synth: 2 written, 0 unchanged, 0 removed']);
    expect(fs.readFileSync(path.join(dir, 'out/a.txt'), 'utf8')).toBe('hello\n');
    expect(check.status).toBe(0);
    expect(check.stdout).toBe('out/ is up to date (2 files)\n');
  });

  test('kamal-cdk.json names the entry and the output folder; --app and --outdir override them', () => {
    // GIVEN
    const dir = project({
      'kamal-cdk.json': JSON.stringify({ app: 'estate/main.ts', outdir: 'generated' }),
      'estate/main.ts': textEstate(['from main']),
      'other.ts': textEstate(['from other']),
    });

    // WHEN
    const synth = kamalCdk(dir, 'synth', '--quiet');
    const other = kamalCdk(dir, 'synth', '--quiet', '--app', 'other.ts', '--outdir', 'elsewhere');

    // THEN
    expect(synth.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'generated/a.txt'), 'utf8')).toBe('from main\n');
    expect(other.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'elsewhere/a.txt'), 'utf8')).toBe('from other\n');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('a bad kamal-cdk.json is named with what is wrong (64)', () => {
    // GIVEN
    const dir = project({ 'kamal-cdk.json': JSON.stringify({ app: 'synth.ts', outDir: 'x' }), 'synth.ts': textEstate(['a']) });

    // WHEN
    const r = kamalCdk(dir, 'synth');

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("kamal-cdk.json: /: unknown setting 'outDir' (known: app, outdir, strict)");
  });

  test('a missing entry says how to make one (64)', () => {
    // WHEN
    const r = kamalCdk(project({}), 'synth');

    // THEN
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("synth.ts (the default entry) does not exist; create it with 'kamal-cdk init' or point --app at your estate");
  });

  test('validation errors exit 1 with every error, and write nothing; --strict fails on a warning', () => {
    // GIVEN
    const failing = project({ 'synth.ts': textEstate(['a'], "new (require('constructs').Construct)(app, 'bad').node.addValidation({ validate: () => ['no good'] });") });
    const warned = project({ 'synth.ts': textEstate(['a'], "Annotations.of(app).addWarning('demo:w', 'a hazard');").replace('import { App,', 'import { Annotations, App,') });

    // WHEN
    const r = kamalCdk(failing, 'synth');
    const lenient = kamalCdk(warned, 'check');
    const strict = kamalCdk(warned, 'synth', '--strict');

    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual(['Validation failed with the following errors (nothing was written to out/):', '  error [bad] no good', '1 error(s)']);
    expect(fs.existsSync(path.join(failing, 'out'))).toBe(false);
    expect(lenient.stderr).toContain('warning [<root>] a hazard (demo:w)');
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain("a hazard (warning 'demo:w' under --strict; fix it or acknowledge it with a reason)");
    expect(fs.existsSync(path.join(warned, 'out'))).toBe(false);
  });

  test('check exits 2 with the patch after an edit of out/, and diff prints it with exit 0', () => {
    // GIVEN
    const dir = project({ 'synth.ts': textEstate(['a', 'b']) });
    expect(kamalCdk(dir, 'synth').status).toBe(0);
    fs.writeFileSync(path.join(dir, 'out/a.txt'), 'a\nB\n');

    // WHEN
    const check = kamalCdk(dir, 'check');
    const diff = kamalCdk(dir, 'diff');

    // THEN
    expect(check.status).toBe(2);
    expect(check.stdout).toContain('changed    out/a.txt');
    expect(check.stdout).toContain('-B\n+b');
    expect(check.stderr).toContain('drift: 1 file(s) differ from a fresh synth; run kamal-cdk synth and commit out/');
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain('-B\n+b');
  });
});

describe('the estate program itself', () => {
  test('__dirname and __filename in a module of the estate are its own; the same words in a string or a comment stay words', () => {
    // GIVEN: a helper in a subfolder, which uses the names and also writes them as text; another
    // in a folder whose name has a space, a .tsx one, and a template literal holding a line that
    // looks like esbuild's mark of a module
    const dir = project({
      'synth.ts': [
        "import { App, TextFile } from '@kamal-cdk/src';",
        "import { lines } from './lib/where';",
        "import { spaced } from './my lib/hé lper';",
        "import { view } from './lib/view';",
        'const app = new App();',
        "new TextFile(app, 'a', { path: 'a.txt', lines: [spaced, view, ...lines()] });",
        'app.synth();',
        '',
      ].join('\n'),
      'my lib/hé lper.ts': "import * as path from 'path';\nexport const spaced = `${path.basename(__dirname)}/${path.basename(__filename)}`;\nexport const literal = `\n// lib/fake.ts\n`;\n",
      'lib/view.tsx': "import * as path from 'path';\nexport const view = path.basename(__filename);\n",
      'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', jsx: 'react', esModuleInterop: true, skipLibCheck: true, types: ['node'] } }),
      'lib/where.ts': [
        "import * as path from 'path';",
        '// __dirname here is only a word',
        'function local(): string {',
        "  const __filename = 'a local of that name is the local';",
        '  return __filename;',
        '}',
        'export function lines(): string[] {',
        "  return ['the words __dirname and __filename', `${path.basename(__dirname)}/${path.basename(__filename)}`, local()];",
        '}',
        '',
      ].join('\n'),
    });

    // WHEN
    const synth = kamalCdk(dir, 'synth', '--quiet');

    // THEN
    expect(synth.stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, 'out/a.txt'), 'utf8').split('\n').slice(-6)).toEqual([
      'my lib/hé lper.ts',
      'view.tsx',
      'the words __dirname and __filename',
      'lib/where.ts',
      'a local of that name is the local',
      '',
    ]);
  });

  test('editing a helper module outside src/ and constructs/ is seen: check exits 2 (the bundle cache is keyed by content)', () => {
    // GIVEN
    const dir = project({
      'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nimport { GREETING } from './lib/words';\nconst app = new App();\nnew TextFile(app, 'a', { path: 'a.txt', lines: [GREETING] });\napp.synth();\n`,
      'lib/words.ts': "export const GREETING = 'hello';\n",
    });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);
    expect(kamalCdk(dir, 'check').status).toBe(0);

    // WHEN: same size, and the same modification time as before
    const helper = path.join(dir, 'lib/words.ts');
    const before = fs.statSync(helper);
    fs.writeFileSync(helper, "export const GREETING = 'howdy';\n");
    fs.utimesSync(helper, before.atime, before.mtime);
    const check = kamalCdk(dir, 'check');

    // THEN
    expect(check.status).toBe(2);
    expect(check.stdout).toContain('-hello\n+howdy');
  });

  test('a type error fails synth with tsc diagnostics at file:line, and nothing is written', () => {
    // GIVEN
    const dir = project({ 'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nconst app = new App();\nnew TextFile(app, 'a', { path: 'a.txt', lines: ['a'], executible: true });\napp.synth();\n` });

    // WHEN
    const synth = kamalCdk(dir, 'synth');
    const check = kamalCdk(dir, 'check');

    // THEN
    expect(synth.status).toBe(1);
    expect(synth.stderr).toMatch(/^Type errors \(nothing was written\):\n {2}synth\.ts:3:55 - error TS2561: Object literal may only specify known properties, but 'executible' does not exist in type 'TextFileProps'/);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
    expect(check.status).toBe(1);
  });

  test("a construction error is one line in the user's terms with the user's file:line; --verbose adds the stack", () => {
    // GIVEN
    const dir = project({
      'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nconst app = new App();\nnew TextFile(app, 'a', { path: '../escape.txt', lines: ['a'] });\napp.synth();\n`,
    });

    // WHEN
    const r = kamalCdk(dir, 'synth');
    const verbose = kamalCdk(dir, 'synth', '--verbose');

    // THEN
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error \[a\] .*\.\.\/escape\.txt/);
    expect(lines[1]).toBe('  at synth.ts:3:1');
    expect(r.stderr).not.toContain('    at ');
    expect(verbose.stderr).toContain('    at ');
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('an entry that never calls app.synth() is an error, not a silent success', () => {
    // GIVEN
    const dir = project({ 'synth.ts': `import { App } from '@kamal-cdk/src';\nnew App();\n` });

    // WHEN
    const r = kamalCdk(dir, 'synth');

    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('synth.ts ran, but no App was synthesized; end it with app.synth()');
  });

  test('nothing is written when the entry throws after app.synth(), synthesizes two Apps, or synthesizes too late', () => {
    // GIVEN
    const throwsAfter = project({ 'synth.ts': textEstate(['a'], '').replace('app.synth();', "app.synth();\nthrow new Error('boom after synth');") });
    const twoApps = project({ 'synth.ts': `${textEstate(['a'])}\nconst second = new App();\nnew TextFile(second, 'b', { path: 'b.txt', lines: ['b'] });\nsecond.synth();\n` });
    const late = project({
      'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nasync function main() {\n  await new Promise((r) => setTimeout(r, 10));\n  const app = new App();\n  new TextFile(app, 'a', { path: 'a.txt', lines: ['a'] });\n  app.synth();\n}\nvoid main();\n`,
    });

    // WHEN
    const r1 = kamalCdk(throwsAfter, 'synth');
    const r2 = kamalCdk(twoApps, 'synth');
    const r3 = kamalCdk(late, 'synth');

    // THEN
    expect(r1.status).toBe(1);
    expect(r1.stderr).toContain('boom after synth');
    expect(r1.stdout).toBe('');
    expect(r2.status).toBe(1);
    expect(r2.stderr).toContain('synthesized 2 Apps (nothing was written)');
    expect(r3.status).toBe(1);
    expect(r3.stderr).toContain('no App was synthesized');
    expect(r3.stderr).toContain('app.synth() ran after synth.ts had returned');
    for (const dir of [throwsAfter, twoApps, late]) expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe('what the caches are keyed by', () => {
  test('a file added beside an import that changes what it resolves to is seen (lib.ts beside lib/index.ts)', () => {
    // GIVEN
    const dir = project({
      'synth.ts': `import { App, TextFile } from '@kamal-cdk/src';\nimport { WORD } from './lib';\nconst app = new App();\nnew TextFile(app, 'a', { path: 'a.txt', lines: [WORD] });\napp.synth();\n`,
      'lib/index.ts': "export const WORD = 'from-folder';\n",
    });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);

    // WHEN: a file now answers the same import, and no input's bytes changed
    fs.writeFileSync(path.join(dir, 'lib.ts'), "export const WORD = 'from-file';\n");
    const check = kamalCdk(dir, 'check');

    // THEN
    expect(check.status).toBe(2);
    expect(check.stdout).toContain('+from-file');
  });

  test("a tsconfig's extends chain decides the type check: strict in a base config is enforced", () => {
    // GIVEN
    const dir = project({
      'tsconfig.json': JSON.stringify({ extends: './tsconfig.base.json' }),
      'tsconfig.base.json': JSON.stringify({ compilerOptions: { strict: false, target: 'ES2022', module: 'commonjs', esModuleInterop: true, skipLibCheck: true, types: ['node'] } }),
      'synth.ts': `${textEstate(['a'])}\nexport function f(x) { return x; }\n`,
    });
    expect(kamalCdk(dir, 'synth', '--quiet').status).toBe(0);

    // WHEN
    fs.writeFileSync(path.join(dir, 'tsconfig.base.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', esModuleInterop: true, skipLibCheck: true, types: ['node'] } }));
    const check = kamalCdk(dir, 'check');

    // THEN
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/synth\.ts:\d+:\d+ - error TS7006: Parameter 'x' implicitly has an 'any' type/);
  });
});

describe('init without installing', () => {
  test('creates the project files and extends package.json; a second init refuses and writes nothing', () => {
    // GIVEN: a package.json (as after npm init -y) and nothing else
    const dir = project({});
    fs.rmSync(path.join(dir, 'tsconfig.json'));

    // WHEN
    const first = kamalCdk(dir, 'init', '--no-install');
    const second = kamalCdk(dir, 'init', '--no-install');

    // THEN
    expect(first.status).toBe(0);
    for (const f of ['kamal-cdk.json', 'synth.ts', 'jest.config.js', 'test/synth.test.ts', '.github/workflows/kamal-cdk.yml', 'README.md', '.gitignore']) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg.scripts).toMatchObject({ synth: 'kamal-cdk synth', check: 'kamal-cdk check', test: 'jest' });
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['typescript', 'jest', '@swc/jest']));
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/^error: kamal-cdk\.json, synth\.ts, .* already exist in .*; init never overwrites a file/);
  });

  test('a file where a folder must go is in the way: a clear error, and nothing is left behind', () => {
    // GIVEN: 'test' is a file, so test/synth.test.ts can't be made
    const dir = project({ test: 'not a folder\n' });
    fs.rmSync(path.join(dir, 'tsconfig.json'));

    // WHEN
    const r = kamalCdk(dir, 'init', '--no-install');

    // THEN
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: test/synth.test.ts already exists in');
    expect(r.stderr).not.toContain('    at ');
    expect(fs.existsSync(path.join(dir, 'synth.ts'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'kamal-cdk.json'))).toBe(false);
  });
});
