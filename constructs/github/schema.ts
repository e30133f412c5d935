import * as path from 'path';
import { DocumentProblem, escapePointer, JsonSchema } from '../../src';
import { ACTIVITY_EVENTS, PERMISSION_SCOPES } from './l1';

/**
 * JSON Schema and rules for a GitHub Actions workflow file, written from GitHub's "Workflow syntax
 * for GitHub Actions" and "Events that trigger workflows" references.
 *
 * Every object the model emits is closed: GitHub rejects most unknown keys itself, but only when
 * the workflow runs; here a misspelt key fails synth. Free-form maps (env, `with`, matrix) stay
 * open, as they are in GitHub. `on` is accepted in its map form only, the one the model emits.
 * Preview step keys (`background`, `wait`, `parallel`) are not modelled and so are rejected.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const nonEmpty: Schema = { type: 'string', minLength: 1 };
const bool: Schema = { type: 'boolean' };
const nonEmptyList: Schema = { type: 'array', minItems: 1, items: nonEmpty };
const scalar: Schema = { type: ['string', 'number', 'boolean'] };
/** A boolean, or an expression that evaluates to one. */
const boolOrExpression: Schema = { type: ['boolean', 'string'] };
/** A whole number of minutes, or an expression. `minimum` applies to numbers only. */
const minutes: Schema = { type: ['integer', 'string'], minimum: 1, minLength: 1 };
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const env: Schema = { type: 'object', propertyNames: { pattern: ENV_NAME }, additionalProperties: scalar };
/** Five cron fields (minute hour day-of-month month day-of-week). */
const CRON = '^\\s*\\S+(\\s+\\S+){4}\\s*$';
/** `owner/repo[/path]@ref`, `./path`, `$/path` (same repository, running commit) or `docker://image`. */
const ACTION_REF = '^(\\./\\S*|\\$/\\S+|docker://\\S+|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\\s]+)?@[^@\\s]+)$';
/** A reusable workflow: local, or in another repository at a ref. */
const REUSABLE_WORKFLOW_REF = '^(\\./\\.github/workflows/[^@\\s]+\\.ya?ml|[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/\\.github/workflows/[^@\\s]+\\.ya?ml@[^@\\s]+)$';
const JOB_ID = '^[A-Za-z_][A-Za-z0-9_-]*$';

function obj(properties: Record<string, Schema>, required: string[] = []): Schema {
  return { type: 'object', additionalProperties: false, properties, ...(required.length > 0 ? { required } : {}) };
}

/** A closed object YAML may leave empty (`workflow_dispatch:` parses to null). */
function objOrNull(properties: Record<string, Schema>): Schema {
  return { ...obj(properties), type: ['object', 'null'] };
}

function mapOf(values: Schema): Schema {
  return { type: 'object', additionalProperties: values };
}

const PERMISSIONS: Schema = {
  // A string (read-all, write-all) or access per scope; `pattern` applies to the string form only.
  type: ['string', 'object'],
  pattern: '^(read-all|write-all)$',
  additionalProperties: false,
  properties: Object.fromEntries(PERMISSION_SCOPES.map((scope) => [
    scope,
    { enum: scope === 'id-token' ? ['write', 'none'] : scope === 'models' ? ['read', 'none'] : ['read', 'write', 'none'] },
  ])),
};

const CONCURRENCY: Schema = {
  type: ['string', 'object'],
  minLength: 1,
  additionalProperties: false,
  properties: { group: nonEmpty, 'cancel-in-progress': boolOrExpression },
  required: ['group'],
};

const DEFAULTS: Schema = obj({ run: obj({ shell: nonEmpty, 'working-directory': nonEmpty }) });

const refFilters = { branches: nonEmptyList, 'branches-ignore': nonEmptyList };
const pathFilters = { paths: nonEmptyList, 'paths-ignore': nonEmptyList };
const PULL_REQUEST: Schema = objOrNull({ types: nonEmptyList, ...refFilters, ...pathFilters });

const TRIGGERS: Schema = {
  ...obj({
    push: objOrNull({ ...refFilters, tags: nonEmptyList, 'tags-ignore': nonEmptyList, ...pathFilters }),
    pull_request: PULL_REQUEST,
    pull_request_target: PULL_REQUEST,
    schedule: { type: 'array', minItems: 1, items: obj({ cron: { type: 'string', pattern: CRON } }, ['cron']) },
    workflow_dispatch: objOrNull({
      inputs: mapOf(obj({
        description: str,
        required: bool,
        default: scalar,
        type: { enum: ['boolean', 'choice', 'number', 'environment', 'string'] },
        options: nonEmptyList,
      })),
    }),
    workflow_call: objOrNull({
      inputs: mapOf(obj({ description: str, required: bool, default: scalar, type: { enum: ['boolean', 'number', 'string'] } }, ['type'])),
      outputs: mapOf(obj({ description: str, value: nonEmpty }, ['value'])),
      secrets: mapOf(objOrNull({ description: str, required: bool })),
    }),
    workflow_run: objOrNull({ workflows: nonEmptyList, types: nonEmptyList, ...refFilters }),
    ...Object.fromEntries(ACTIVITY_EVENTS.map((e) => [e, objOrNull({ types: nonEmptyList })])),
  }),
  minProperties: 1,
};

const CONTAINER_OBJECT: Schema = obj({
  image: nonEmpty,
  credentials: obj({ username: nonEmpty, password: nonEmpty }, ['username', 'password']),
  env,
  ports: { type: 'array', items: { type: ['integer', 'string'] } },
  volumes: { type: 'array', items: nonEmpty },
  options: str,
}, ['image']);

const STEP: Schema = obj({
  id: { type: 'string', pattern: JOB_ID },
  if: { type: ['string', 'boolean'] },
  name: str,
  uses: { type: 'string', pattern: ACTION_REF },
  run: nonEmpty,
  'working-directory': nonEmpty,
  shell: nonEmpty,
  with: mapOf(scalar),
  env,
  'continue-on-error': boolOrExpression,
  'timeout-minutes': minutes,
});

const JOB: Schema = obj({
  name: str,
  permissions: PERMISSIONS,
  needs: { type: ['string', 'array'], pattern: JOB_ID, items: { type: 'string', pattern: JOB_ID } },
  if: { type: ['string', 'boolean'] },
  'runs-on': {
    type: ['string', 'array', 'object'],
    minLength: 1,
    minItems: 1,
    items: nonEmpty,
    additionalProperties: false,
    properties: { group: nonEmpty, labels: { type: ['string', 'array'], minLength: 1, items: nonEmpty } },
  },
  environment: {
    type: ['string', 'object'],
    minLength: 1,
    additionalProperties: false,
    properties: { name: nonEmpty, url: nonEmpty },
    required: ['name'],
  },
  concurrency: CONCURRENCY,
  outputs: mapOf(str),
  env,
  defaults: DEFAULTS,
  'timeout-minutes': minutes,
  strategy: obj({ matrix: { type: ['object', 'string'] }, 'fail-fast': boolOrExpression, 'max-parallel': { type: ['integer', 'string'], minimum: 1 } }, ['matrix']),
  'continue-on-error': boolOrExpression,
  container: { ...CONTAINER_OBJECT, type: ['string', 'object'], minLength: 1 },
  services: mapOf(CONTAINER_OBJECT),
  uses: { type: 'string', pattern: REUSABLE_WORKFLOW_REF },
  with: mapOf(scalar),
  secrets: { type: ['string', 'object'], pattern: '^inherit$', additionalProperties: str },
  steps: { type: 'array', minItems: 1, items: STEP },
});

/** The workflow file, as GitHub reads it. */
export const WORKFLOW_SCHEMA: Record<string, unknown> = obj({
  name: str,
  'run-name': str,
  on: TRIGGERS,
  permissions: PERMISSIONS,
  env,
  defaults: DEFAULTS,
  concurrency: CONCURRENCY,
  jobs: { type: 'object', minProperties: 1, propertyNames: { pattern: JOB_ID }, additionalProperties: JOB },
}, ['on', 'jobs']);

/**
 * What the reference says and a schema can't: a job runs steps or calls a reusable workflow, a step
 * runs an action or a command, `needs` names jobs that exist, secrets can't be read in `if`, and a
 * filter and its `-ignore` twin can't both be given for one event.
 */
export function workflowRules(doc: any): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const at = (...parts: Array<string | number>) => parts.map((p) => `/${escapePointer(String(p))}`).join('');
  const jobIds = Object.keys(doc.jobs ?? {});

  for (const [event, trigger] of Object.entries<any>(doc.on ?? {})) {
    if (!trigger || typeof trigger !== 'object' || Array.isArray(trigger)) continue;
    for (const filter of ['branches', 'tags', 'paths']) {
      if (trigger[filter] !== undefined && trigger[`${filter}-ignore`] !== undefined) {
        problems.push({ pointer: at('on', event), message: `${filter} and ${filter}-ignore can't both filter one event; use ${filter} with '!' patterns` });
      }
    }
    for (const [input, spec] of Object.entries<any>(trigger.inputs ?? {})) {
      if (event === 'workflow_dispatch' && spec.type === 'choice' && !spec.options) {
        problems.push({ pointer: at('on', event, 'inputs', input), message: 'a choice input needs its options' });
      }
    }
  }

  for (const [id, job] of Object.entries<any>(doc.jobs ?? {})) {
    const where = (...p: Array<string | number>) => at('jobs', id, ...p);
    if (job.uses !== undefined) {
      for (const k of ['runs-on', 'steps']) if (job[k] !== undefined) problems.push({ pointer: where(k), message: `a job that calls a reusable workflow (uses) has no ${k}` });
    } else {
      if (job['runs-on'] === undefined) problems.push({ pointer: where(), message: "missing required key 'runs-on' (or uses, for a reusable workflow)" });
      if (job.steps === undefined) problems.push({ pointer: where(), message: "missing required key 'steps' (or uses, for a reusable workflow)" });
      for (const k of ['with', 'secrets']) if (job[k] !== undefined) problems.push({ pointer: where(k), message: `${k} passes inputs to a reusable workflow; this job calls none (no uses)` });
    }
    const needs: string[] = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    for (const n of needs) {
      if (n === id) problems.push({ pointer: where('needs'), message: 'a job cannot need itself' });
      else if (!jobIds.includes(n)) problems.push({ pointer: where('needs'), message: `needs '${n}', which is not a job of this workflow (${jobIds.join(', ')})` });
    }
    if (readsSecrets(job.if)) problems.push({ pointer: where('if'), message: 'secrets cannot be read in if; put the secret in env and test env instead' });

    const stepIds = new Set<string>();
    (job.steps ?? []).forEach((step: any, i: number) => {
      const s = (...p: Array<string | number>) => where('steps', i, ...p);
      if ((step.uses === undefined) === (step.run === undefined)) {
        problems.push({ pointer: s(), message: 'a step has exactly one of uses (an action) and run (a command)' });
      }
      if (step.with !== undefined && step.uses === undefined) problems.push({ pointer: s('with'), message: 'with passes inputs to an action; this step runs no action (no uses)' });
      for (const k of ['shell', 'working-directory']) if (step[k] !== undefined && step.run === undefined) problems.push({ pointer: s(k), message: `${k} applies to run steps; this step has no run` });
      if (readsSecrets(step.if)) problems.push({ pointer: s('if'), message: 'secrets cannot be read in if; put the secret in env and test env instead' });
      if (step.id !== undefined) {
        if (stepIds.has(step.id)) problems.push({ pointer: s('id'), message: `step id '${step.id}' is used twice in job ${id}` });
        stepIds.add(step.id);
      }
    });
  }
  return problems;
}

function readsSecrets(condition: unknown): boolean {
  return typeof condition === 'string' && /\bsecrets\s*[.[]/.test(condition);
}

/** The validator every GitHubWorkflow carries. */
export const WORKFLOW_VALIDATOR = new JsonSchema(WORKFLOW_SCHEMA, [workflowRules], path.join(__dirname, 'workflow.validator.js'));
