/**
 * The L1 model of a GitHub Actions workflow file: the keys of GitHub's workflow syntax reference,
 * in GitHub's own names. Constructs build these objects; the YAML is these objects rendered, with
 * keys in the order below (the order of the reference). Only the keys listed here can be emitted:
 * the schema rejects anything else, so a misspelt key fails synth instead of being ignored.
 */

/** A value GitHub turns into a string for `env` and `with` (`node-version: 22` and `"22"` alike). */
export type Scalar = string | number | boolean;

/** Environment variables, by name. */
export type Env = { [name: string]: Scalar };

/** `GITHUB_TOKEN` access for one scope. */
export type PermissionLevel = 'read' | 'write' | 'none';

/** The scopes of `permissions`, as the reference lists them. */
export const PERMISSION_SCOPES = [
  'actions', 'artifact-metadata', 'attestations', 'checks', 'contents', 'deployments', 'discussions',
  'id-token', 'issues', 'models', 'packages', 'pages', 'pull-requests', 'repository-projects',
  'security-events', 'statuses',
] as const;
export type PermissionScope = (typeof PERMISSION_SCOPES)[number];

/** `read-all`, `write-all`, or access per scope (every scope left out is `none`). */
export type Permissions = 'read-all' | 'write-all' | { [scope in PermissionScope]?: PermissionLevel };

export interface Concurrency {
  /** Runs in the same group never overlap; a newer pending run replaces an older pending one. */
  group: string;
  /** Cancel the run in progress when a new one starts (a boolean or an expression). */
  'cancel-in-progress'?: boolean | string;
}

export interface RunDefaults {
  shell?: string;
  'working-directory'?: string;
}

export interface Defaults {
  run?: RunDefaults;
}

/** `on.push`: runs on pushes, optionally only to some refs or touching some paths. */
export interface PushTrigger {
  branches?: string[];
  'branches-ignore'?: string[];
  tags?: string[];
  'tags-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
}

/** `on.pull_request` / `on.pull_request_target`. */
export interface PullRequestTrigger {
  types?: string[];
  branches?: string[];
  'branches-ignore'?: string[];
  paths?: string[];
  'paths-ignore'?: string[];
}

/** One input of a manually run workflow. */
export interface DispatchInput {
  description?: string;
  required?: boolean;
  default?: Scalar;
  type?: 'boolean' | 'choice' | 'number' | 'environment' | 'string';
  /** The choices of a `choice` input. */
  options?: string[];
}

/** `on.workflow_dispatch`: the workflow can be run by hand (Actions tab, API, `gh workflow run`). */
export interface WorkflowDispatchTrigger {
  inputs?: { [input: string]: DispatchInput };
}

/** One entry of `on.schedule`: five-field POSIX cron, in UTC. */
export interface ScheduleTrigger {
  cron: string;
}

/** `on.workflow_run`: runs after another workflow. */
export interface WorkflowRunTrigger {
  workflows?: string[];
  types?: string[];
  branches?: string[];
  'branches-ignore'?: string[];
}

/** `on.workflow_call`: the workflow is reusable; what callers pass in and get back. */
export interface WorkflowCallTrigger {
  inputs?: { [input: string]: { description?: string; required?: boolean; default?: Scalar; type: 'boolean' | 'number' | 'string' } };
  outputs?: { [output: string]: { description?: string; value: string } };
  secrets?: { [secret: string]: { description?: string; required?: boolean } | null };
}

/** Any other event: optionally narrowed to some activity types. */
export interface ActivityTrigger {
  types?: string[];
}

/** The events the reference lists that take no filters of their own beyond activity `types`. */
export const ACTIVITY_EVENTS = [
  'branch_protection_rule', 'check_run', 'check_suite', 'create', 'delete', 'deployment',
  'deployment_status', 'discussion', 'discussion_comment', 'fork', 'gollum', 'image_version',
  'issue_comment', 'issues', 'label', 'merge_group', 'milestone', 'page_build', 'public',
  'pull_request_review', 'pull_request_review_comment', 'registry_package', 'release',
  'repository_dispatch', 'status', 'watch',
] as const;
export type ActivityEvent = (typeof ACTIVITY_EVENTS)[number];

/** `on`, in its map form (the only form emitted: it has room for every filter). */
export type Triggers = {
  push?: PushTrigger | null;
  pull_request?: PullRequestTrigger | null;
  pull_request_target?: PullRequestTrigger | null;
  schedule?: ScheduleTrigger[];
  workflow_dispatch?: WorkflowDispatchTrigger | null;
  workflow_call?: WorkflowCallTrigger | null;
  workflow_run?: WorkflowRunTrigger | null;
} & { [event in ActivityEvent]?: ActivityTrigger | null };

/** The order events are emitted in: the filtered ones first, then the rest alphabetically. */
export const TRIGGER_ORDER = ['push', 'pull_request', 'pull_request_target', 'schedule', 'workflow_dispatch', 'workflow_call', 'workflow_run', ...ACTIVITY_EVENTS];

export interface Environment {
  name: string;
  /** Shown on the deployment; maps to `environment_url` of the deployments API. */
  url?: string;
}

export interface Container {
  image: string;
  credentials?: { username: string; password: string };
  env?: Env;
  ports?: Array<number | string>;
  volumes?: string[];
  options?: string;
}

export interface Strategy {
  matrix: { [key: string]: unknown } | string;
  'fail-fast'?: boolean | string;
  'max-parallel'?: number | string;
}

export interface Step {
  id?: string;
  if?: string | boolean;
  name?: string;
  /** An action: `owner/repo@ref`, `owner/repo/path@ref`, `./path` or `docker://image`. */
  uses?: string;
  /** A shell command (multi-line allowed). Exactly one of `uses` and `run`. */
  run?: string;
  'working-directory'?: string;
  shell?: string;
  /** The action's inputs. */
  with?: { [input: string]: Scalar };
  env?: Env;
  'continue-on-error'?: boolean | string;
  'timeout-minutes'?: number | string;
}

export interface Job {
  name?: string;
  permissions?: Permissions;
  needs?: string | string[];
  if?: string | boolean;
  'runs-on'?: string | string[] | { group?: string; labels?: string | string[] };
  environment?: string | Environment;
  concurrency?: string | Concurrency;
  outputs?: { [output: string]: string };
  env?: Env;
  defaults?: Defaults;
  'timeout-minutes'?: number | string;
  strategy?: Strategy;
  'continue-on-error'?: boolean | string;
  container?: string | Container;
  services?: { [service: string]: Container };
  /** A reusable workflow (`owner/repo/.github/workflows/x.yml@ref` or `./.github/workflows/x.yml`) instead of steps. */
  uses?: string;
  with?: { [input: string]: Scalar };
  secrets?: 'inherit' | { [secret: string]: string };
  steps?: Step[];
}

export interface Workflow {
  name?: string;
  'run-name'?: string;
  on: Triggers;
  permissions?: Permissions;
  env?: Env;
  defaults?: Defaults;
  concurrency?: string | Concurrency;
  /** Jobs by id; emitted in the order given (they run by `needs`, not by order). */
  jobs: { [jobId: string]: Job };
}

/** Key order of each object, from the reference. Keys not listed follow (and the schema rejects them). */
export const WORKFLOW_KEYS = ['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs'];
export const JOB_KEYS = [
  'name', 'permissions', 'needs', 'if', 'runs-on', 'environment', 'concurrency', 'outputs', 'env', 'defaults',
  'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services', 'uses', 'with', 'secrets', 'steps',
];
export const STEP_KEYS = ['id', 'if', 'name', 'uses', 'run', 'working-directory', 'shell', 'with', 'env', 'continue-on-error', 'timeout-minutes'];
export const PUSH_KEYS = ['types', 'workflows', 'branches', 'branches-ignore', 'tags', 'tags-ignore', 'paths', 'paths-ignore'];
