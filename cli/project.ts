import * as fs from 'fs';
import * as path from 'path';
import { compileSchema } from '../src/schema';

/** The project file's name, at the project root. */
export const PROJECT_FILE = 'kamal-cdk.json';

/** What `kamal-cdk.json` holds. Every command reads it; `--app` and `--outdir` override it. */
export interface ProjectSettings {
  /** The estate's entry file, relative to the project root. @default 'synth.ts' */
  readonly app: string;
  /** The output folder, relative to the project root. @default 'out' */
  readonly outdir: string;
  /** Unacknowledged warnings are errors (as `--strict`). @default false */
  readonly strict: boolean;
}

/** The JSON Schema of kamal-cdk.json. */
export const PROJECT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    $schema: { type: 'string' },
    app: { type: 'string', minLength: 1, pattern: '\\.(ts|tsx|mts|cts|js|cjs|mjs)$' },
    outdir: { type: 'string', minLength: 1 },
    strict: { type: 'boolean' },
  },
};

/** A project: its root folder and its settings. */
export interface Project {
  /** The project root: the folder the command runs in. */
  readonly root: string;
  /** Absent when the project has no kamal-cdk.json (defaults apply). */
  readonly file?: string;
  /** The settings, defaults filled in. */
  readonly settings: ProjectSettings;
}

/** A problem with the project file, as `file: message`. */
export class ProjectError extends Error {}

/**
 * The project in `cwd`: its kamal-cdk.json, or the defaults when it has none (a repository with
 * only synth.ts and package.json works too). Like cdk.json and cdk8s.yaml, the file is read from
 * the working directory only, never from a folder above it.
 */
export function findProject(cwd: string): Project {
  const root = path.resolve(cwd);
  const file = path.join(root, PROJECT_FILE);
  if (fs.existsSync(file)) return { root, file, settings: readSettings(file) };
  return { root, settings: { app: 'synth.ts', outdir: 'out', strict: false } };
}

function readSettings(file: string): ProjectSettings {
  const text = fs.readFileSync(file, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ProjectError(`${file}: not valid JSON (${(e as Error).message}); fix it or delete it to use the defaults`);
  }
  const validate = compileSchema(PROJECT_SCHEMA, path.join(__dirname, 'project.validator.js'));
  if (!validate(json)) {
    const problems = (validate.errors ?? []).map((e) => {
      const where = e.instancePath || '/';
      return e.keyword === 'additionalProperties'
        ? `${where}: unknown setting '${(e.params as { additionalProperty: string }).additionalProperty}' (known: app, outdir, strict)`
        : `${where} ${e.message}`;
    });
    throw new ProjectError(`${file}: ${problems.join('; ')}`);
  }
  const s = json as Partial<ProjectSettings>;
  return { app: s.app ?? 'synth.ts', outdir: s.outdir ?? 'out', strict: s.strict ?? false };
}
