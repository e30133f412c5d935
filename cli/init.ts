import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { CliIO } from './index';
import { ExitCode } from './exit-codes';
import { packageRoot } from './package-root';
import { PROJECT_FILE } from './project';

/** The packages a new estate project needs besides kamal-cdk, at the versions kamal-cdk is built and tested with. */
const DEV_DEPENDENCIES = ['typescript', '@types/node', 'jest', '@types/jest', '@swc/core', '@swc/jest'];

/** npm's placeholder test script (`npm init -y`), which init may replace. */
const NPM_DEFAULT_TEST = 'echo "Error: no test specified" && exit 1';

/** Options of `kamal-cdk init`. */
export interface InitOptions {
  /** Run `npm install` when package.json gained dependencies. @default true */
  readonly install?: boolean;
}

/**
 * `kamal-cdk init [DIR]`: a new estate project that passes synth, check and its own tests at once.
 * It never overwrites a file: an existing package.json gets the dependencies and scripts it lacks
 * (a script of the same name is kept, npm's placeholder test excepted) and an existing .gitignore
 * the lines it lacks; any other file that is already there is an error, and then nothing is written.
 */
export function initCommand(dir: string, io: CliIO, options: InitOptions = {}): number {
  const name = projectName(dir);
  const own = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as PackageJson;
  const context = {
    name,
    image: `${name}/${name}`,
    domain: `${name}.example.com`,
    dbName: name.replace(/-/g, '_'),
    dbVolume: `${name.replace(/-/g, '_')}_postgres`,
  };
  // Loaded here only: every other command starts without it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Handlebars = require('handlebars') as typeof import('handlebars');
  const render = (template: string) => Handlebars.compile(fs.readFileSync(path.join(packageRoot(), templatesDir(), template), 'utf8'), { strict: true, noEscape: true })(context);

  const files: Record<string, string> = {
    [PROJECT_FILE]: `${JSON.stringify({ app: 'synth.ts', outdir: 'out' }, undefined, 2)}\n`,
    'synth.ts': render('synth.ts.hbs'),
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ['node', 'jest'] },
        include: ['synth.ts', 'test'],
      },
      undefined,
      2,
    )}\n`,
    'jest.config.js': `/** @type {import('jest').Config} */\nmodule.exports = {\n  testEnvironment: 'node',\n  roots: ['<rootDir>/test'],\n  transform: { '^.+\\\\.ts$': ['@swc/jest'] },\n};\n`,
    'test/synth.test.ts': render('synth.test.ts.hbs'),
    '.github/workflows/kamal-cdk.yml': render('workflow.yml.hbs'),
    'README.md': render('README.md.hbs'),
  };

  // lstat, not existsSync: a dangling link, or a file where a folder must go, is in the way too.
  const taken = (rel: string) => {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const st = fs.lstatSync(path.join(dir, ...parts.slice(0, i)), { throwIfNoEntry: false });
      if (st && (i === parts.length || !st.isDirectory())) return true;
    }
    return false;
  };
  const existing = Object.keys(files).filter(taken);
  if (existing.length > 0) {
    io.stderr(`error: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}; init never overwrites a file: move ${existing.length === 1 ? 'it' : 'them'} away or init another folder (nothing was written)`);
    return ExitCode.VALIDATION_FAILED;
  }

  const pkgFile = path.join(dir, 'package.json');
  let pkg: PackageJson;
  try {
    pkg = fs.existsSync(pkgFile) ? (JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as PackageJson) : { name, version: '0.1.0', private: true };
  } catch (e) {
    io.stderr(`error: ${pkgFile} is not valid JSON (${(e as Error).message}); fix it, then run init again (nothing was written)`);
    return ExitCode.VALIDATION_FAILED;
  }
  const pkgExisted = fs.existsSync(pkgFile);
  const before = JSON.stringify(pkg);
  const deps = (pkg.dependencies ??= {});
  const devDeps = (pkg.devDependencies ??= {});
  if (!deps['kamal-cdk'] && !devDeps['kamal-cdk']) deps['kamal-cdk'] = `^${own.version}`;
  for (const d of DEV_DEPENDENCIES) {
    if (!deps[d] && !devDeps[d]) devDeps[d] = own.devDependencies?.[d] ?? own.dependencies?.[d] ?? 'latest';
  }
  const scripts = (pkg.scripts ??= {});
  const kept: string[] = [];
  for (const [script, command] of Object.entries({ synth: 'kamal-cdk synth', check: 'kamal-cdk check', diff: 'kamal-cdk diff', test: 'jest' })) {
    if (scripts[script] === undefined || (script === 'test' && scripts[script] === NPM_DEFAULT_TEST)) scripts[script] = command;
    else if (scripts[script] !== command) kept.push(script);
  }
  const gitignore = path.join(dir, '.gitignore');
  const ignored = fs.existsSync(gitignore) ? fs.readFileSync(gitignore, 'utf8') : '';
  // node_modules, and what a running (or killed) kamal-cdk keeps in out/ for itself.
  const missing = ['node_modules/', '.kamal-cdk/lock', '.kamal-cdk/lock.*', '.kamal-cdk/txn/', '.kamal-cdk-*'].filter((l) => !ignored.split('\n').includes(l));

  const created: string[] = [];
  try {
    fs.mkdirSync(dir, { recursive: true });
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      // 'wx': fails rather than overwrite a file that appeared since the check above.
      fs.writeFileSync(path.join(dir, rel), text, { flag: 'wx' });
      created.push(rel);
    }
  } catch (e) {
    // All or nothing: the files this run made go again.
    for (const rel of created) fs.rmSync(path.join(dir, rel), { force: true });
    io.stderr(`error: could not create the project in ${dir}: ${(e as Error).message} (nothing was written)`);
    return ExitCode.VALIDATION_FAILED;
  }
  for (const rel of created) io.stdout(`created   ${rel}`);
  if (JSON.stringify(pkg) !== before || !pkgExisted) {
    fs.writeFileSync(pkgFile, `${JSON.stringify(pkg, undefined, 2)}\n`);
    io.stdout(`${pkgExisted ? 'updated' : 'created'}   package.json`);
  }
  if (missing.length > 0) {
    fs.writeFileSync(gitignore, `${ignored}${ignored && !ignored.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
    io.stdout(`${ignored ? 'updated' : 'created'}   .gitignore`);
  }
  for (const s of kept) io.stderr(`note: package.json already has a '${s}' script; it was kept (kamal-cdk's would be '${s === 'test' ? 'jest' : `kamal-cdk ${s}`}')`);

  if (options.install ?? true) {
    io.stdout('init: npm install');
    const npm = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    if (npm.status !== 0) {
      io.stderr('error: npm install failed; run it yourself, then npx kamal-cdk synth');
      return ExitCode.VALIDATION_FAILED;
    }
  }
  io.stdout(`init: done. Next: ${dir === process.cwd() ? '' : `cd ${path.relative(process.cwd(), dir) || '.'} && `}npx kamal-cdk synth && npm test`);
  return ExitCode.OK;
}

interface PackageJson {
  name?: string;
  version?: string;
  private?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** A Kamal service name from the folder's name: lower case, letters, digits and dashes. */
function projectName(dir: string): string {
  const base = path
    .basename(path.resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(base) ? base : `estate-${base || 'app'}`;
}

/** The templates: cli/templates in a checkout, lib/cli/templates in the package. */
function templatesDir(): string {
  return fs.existsSync(path.join(packageRoot(), 'cli', 'templates')) ? path.join('cli', 'templates') : path.join('lib', 'cli', 'templates');
}
