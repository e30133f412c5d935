import * as fs from 'fs';
import * as path from 'path';
import type * as TS from 'typescript';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheDirOf, cacheName, contentHash, recordFile, recordFolders, foldersUnchanged, settledSince } = require('../src/bundle-cache.js') as {
  cacheDirOf(root: string): string;
  cacheName(root: string, entry: string): string;
  recordFolders(root: string, files: string[]): Array<[string, string]>;
  foldersUnchanged(root: string, folders: Array<[string, string]> | undefined): boolean;
  contentHash(file: string, known?: FileRecord): string | undefined;
  recordFile(file: string, now: number): FileRecord;
  settledSince(file: string, hash: string | undefined, started: number): boolean;
};

/** A file's content hash, the stat stamp it was taken under, and whether the stamp is too recent to trust. */
type FileRecord = [string | undefined, string, boolean];

/** Bumped when what a stamp means changes. */
const STAMP_VERSION = 3;

/** What type-checking an estate's entry came to. */
export interface TypeCheckResult {
  /** tsc's diagnostics, one per entry, as `file:line:col - error TSnnnn: message`. */
  readonly diagnostics: string[];
  /** Whether a stamp of the same inputs said they were already clean. */
  readonly cached: boolean;
}

interface Stamp {
  readonly version: number;
  readonly tools: string;
  readonly files: Array<[string, string, string, boolean]>;
  /** The folders of those files, with their stamps: a file added beside one can change what resolves. */
  readonly folders: Array<[string, string]>;
}

/**
 * Type-checks `entry` and everything it imports with the project's tsconfig.json, as tsc would.
 * esbuild, which bundles the entry, strips types without reading them, so without this a
 * misspelled prop would be dropped in silence.
 *
 * A clean result is remembered in a stamp keyed by the content of every file the program read
 * (the entry, its imports, the declaration files of its packages), the tsconfig and the
 * TypeScript version: a warm run hashes those files and skips the check. A check that does run is
 * incremental (tsc's build info in the cache folder), so only what changed is checked again.
 */
export function typeCheck(entry: string, root: string): TypeCheckResult {
  const tsPath = typeScriptPath(root);
  const configPath = path.join(root, 'tsconfig.json');
  const configText = fs.existsSync(configPath) ? fs.readFileSync(configPath, 'utf8') : '';
  const dir = path.join(cacheDirOf(root), 'typecheck');
  const name = cacheName(root, entry);
  // tsc's incremental state may serve several projects (it checks every file's version itself),
  // so projects that share a cache folder and their sources also share the work.
  const sharedName = path.relative(root, entry).replace(/[^A-Za-z0-9]+/g, '_');
  const stampFile = path.join(dir, `${name}.json`);
  // The root as given, too: the stamp's file names are relative to it, and a project reached
  // through a symlink shares its stamp's name (cacheName takes real paths) with the real folder.
  const tools = `${STAMP_VERSION}\0${typeScriptVersion(tsPath)}\0${process.version}\0${configText}\0${path.resolve(root)}`;
  const stamp = readStamp(stampFile);
  if (
    stamp &&
    stamp.tools === tools &&
    stamp.files.every(([f, h, st, racy]) => contentHash(path.resolve(root, f), [h, st, racy]) === h) &&
    foldersUnchanged(root, stamp.folders)
  ) {
    return { diagnostics: [], cached: true };
  }

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require(tsPath) as typeof TS; // loaded only when a check runs: compiling it costs ~0.3 s
  const started = Date.now();
  const { options, configFiles } = compilerOptions(ts, configPath, configText);
  fs.mkdirSync(dir, { recursive: true });
  const incremental: TS.CompilerOptions = { ...options, noEmit: true, incremental: true, composite: false, tsBuildInfoFile: path.join(dir, `${sharedName}.tsbuildinfo`) };
  const host = ts.createIncrementalCompilerHost(incremental);
  const builder = ts.createIncrementalProgram({ rootNames: [entry], options: incremental, host });
  const program = builder.getProgram();
  const diagnostics = [
    ...builder.getConfigFileParsingDiagnostics(),
    ...builder.getOptionsDiagnostics(),
    ...builder.getGlobalDiagnostics(),
    ...builder.getSyntacticDiagnostics(),
    ...builder.getSemanticDiagnostics(),
  ];
  // With noEmit this writes only the build info, for the next check.
  builder.emit();
  const formatted = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).map((d) => formatDiagnostic(ts, d));
  if (formatted.length === 0) {
    const libDir = path.dirname(ts.getDefaultLibFilePath(options));
    const files: Array<[string, string, string, boolean]> = [];
    let settled = true;
    const now = Date.now();
    const read = [...program.getSourceFiles().map((sf) => sf.fileName), ...configFiles];
    for (const fileName of read) {
      if (path.dirname(path.resolve(fileName)) === libDir) continue; // keyed by the TypeScript version
      const abs = path.resolve(fileName);
      const [hash, statStamp, racy] = recordFile(abs, now);
      // A file written while it was checked may be checked in one version and hashed in another.
      if (!settledSince(abs, hash, started)) settled = false;
      files.push([path.relative(root, abs).split(path.sep).join('/'), hash ?? '', statStamp, racy]);
    }
    if (settled) {
      files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const tmp = `${stampFile}.${process.pid}.tmp`;
      const folders = recordFolders(root, files.map(([rel]) => rel));
      fs.writeFileSync(tmp, JSON.stringify({ version: STAMP_VERSION, tools, files, folders } satisfies Stamp));
      fs.renameSync(tmp, stampFile);
    }
  } else {
    fs.rmSync(stampFile, { force: true });
  }
  return { diagnostics: formatted, cached: false };
}

/** The project's TypeScript when it has one, else kamal-cdk's own. */
function typeScriptPath(root: string): string {
  try {
    return require.resolve('typescript', { paths: [root] });
  } catch {
    return require.resolve('typescript');
  }
}

/** The version of the TypeScript at `tsPath`, read from its package.json (without loading the compiler). */
function typeScriptVersion(tsPath: string): string {
  for (let dir = path.dirname(tsPath); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** The compiler options of the project's tsconfig (with every config it extends), and those config files. */
function compilerOptions(ts: typeof TS, configPath: string, configText: string): { options: TS.CompilerOptions; configFiles: string[] } {
  if (!configText) {
    return {
      options: { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, esModuleInterop: true, skipLibCheck: true, types: ['node'] },
      configFiles: [],
    };
  }
  // Parsed as tsc parses it, `extends` included; only the compiler options count: the entry and
  // its imports are the program, whatever `include` says.
  const host: TS.ParseConfigFileHost = {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(formatDiagnostic(ts, d));
    },
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, undefined, host);
  if (!parsed) throw new Error(`could not read ${configPath}`);
  const errors = parsed.errors.filter((e) => e.code !== 18003); // "No inputs were found": the entry is the input
  if (errors.length > 0) throw new Error(errors.map((e) => formatDiagnostic(ts, e)).join('\n'));
  const extended = (parsed.options.configFile as { extendedSourceFiles?: string[] } | undefined)?.extendedSourceFiles ?? [];
  return { options: parsed.options, configFiles: [configPath, ...extended] };
}

function formatDiagnostic(ts: typeof TS, d: TS.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  if (!d.file || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const file = path.relative(process.cwd(), d.file.fileName).split(path.sep).join('/') || d.file.fileName;
  return `${file}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
}

function readStamp(file: string): Stamp | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Stamp;
    return s.version === STAMP_VERSION && Array.isArray(s.files) ? s : undefined;
  } catch {
    return undefined;
  }
}
