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
/** A scope of `permissions`, e.g. `contents` or `id-token`. */
export type PermissionScope = (typeof PERMISSION_SCOPES)[number];

/** `read-all`, `write-all`, or access per scope (every scope left out is `none`). */
export type Permissions = 'read-all' | 'write-all' | { [scope in PermissionScope]?: PermissionLevel };

/** `concurrency` in its map form: a group of runs that never overlap. */
export interface Concurrency {
  /** Runs in the same group never overlap; a newer pending run replaces an older pending one. */
  group: string;
  /**
   * Cancel the run in progress when a new one starts (a boolean or an expression).
   * @default false
   */
  'cancel-in-progress'?: boolean | string;
}

/** Defaults for every `run` step of a workflow or job. */
export interface RunDefaults {
  /**
   * Shell that runs the commands, e.g. `bash`.
   * @default - `bash -e` on Linux and macOS runners (`sh` if bash is missing), `pwsh` on Windows
   */
  shell?: string;
  /**
   * Directory the commands run in.
   * @default - the workspace, `$GITHUB_WORKSPACE`
   */
  'working-directory'?: string;
}

/** `defaults`: settings inherited by the steps of a workflow or job. */
export interface Defaults {
  /**
   * Defaults for `run` steps.
   * @default - GitHub's defaults
   */
  run?: RunDefaults;
}

/** `on.push`: runs on pushes, optionally only to some refs or touching some paths. */
export interface PushTrigger {
  /**
   * Branch patterns a push must match.
   * @default - any branch (unless `tags` is set, then no branch)
   */
  branches?: string[];
  /**
   * Branch patterns whose pushes are ignored; not with `branches`.
   * @default - none ignored
   */
  'branches-ignore'?: string[];
  /**
   * Tag patterns a push must match.
   * @default - any tag (unless `branches` is set, then no tag)
   */
  tags?: string[];
  /**
   * Tag patterns whose pushes are ignored; not with `tags`.
   * @default - none ignored
   */
  'tags-ignore'?: string[];
  /**
   * Path patterns at least one changed file must match.
   * @default - any change
   */
  paths?: string[];
  /**
   * Path patterns that do not count as changes; not with `paths`.
   * @default - none ignored
   */
  'paths-ignore'?: string[];
}

/** `on.pull_request` / `on.pull_request_target`. */
export interface PullRequestTrigger {
  /**
   * Activity types, e.g. `opened`, `synchronize`, `closed`.
   * @default - `opened`, `synchronize` and `reopened`
   */
  types?: string[];
  /**
   * Patterns the base branch must match.
   * @default - any base branch
   */
  branches?: string[];
  /**
   * Base branch patterns that are ignored; not with `branches`.
   * @default - none ignored
   */
  'branches-ignore'?: string[];
  /**
   * Path patterns at least one changed file must match.
   * @default - any change
   */
  paths?: string[];
  /**
   * Path patterns that do not count as changes; not with `paths`.
   * @default - none ignored
   */
  'paths-ignore'?: string[];
}

/** One input of a manually run workflow. */
export interface DispatchInput {
  /**
   * Shown beside the input in the Actions tab.
   * @default - no description
   */
  description?: string;
  /**
   * Whether the run form insists on a value.
   * @default false
   */
  required?: boolean;
  /**
   * Value used when none is given.
   * @default - empty
   */
  default?: Scalar;
  /**
   * How the Actions tab asks for the value.
   * @default 'string'
   */
  type?: 'boolean' | 'choice' | 'number' | 'environment' | 'string';
  /**
   * The choices of a `choice` input.
   * @default - none; required for a `choice` input
   */
  options?: string[];
}

/** `on.workflow_dispatch`: the workflow can be run by hand (Actions tab, API, `gh workflow run`). */
export interface WorkflowDispatchTrigger {
  /**
   * Inputs asked for when the workflow is run by hand, by name.
   * @default - no inputs
   */
  inputs?: { [input: string]: DispatchInput };
}

/** One entry of `on.schedule`: five-field POSIX cron, in UTC. */
export interface ScheduleTrigger {
  /** Cron expression, e.g. `'30 5 * * 1'`. */
  cron: string;
}

/** `on.workflow_run`: runs after another workflow. */
export interface WorkflowRunTrigger {
  /**
   * Names of the workflows whose runs trigger this one.
   * @default - none; GitHub requires at least one
   */
  workflows?: string[];
  /**
   * `requested`, `in_progress` and/or `completed`.
   * @default - every activity type
   */
  types?: string[];
  /**
   * Branch patterns the triggering run's branch must match.
   * @default - any branch
   */
  branches?: string[];
  /**
   * Branch patterns whose runs are ignored; not with `branches`.
   * @default - none ignored
   */
  'branches-ignore'?: string[];
}

/** `on.workflow_call`: the workflow is reusable; what callers pass in and get back. */
export interface WorkflowCallTrigger {
  /**
   * Inputs callers pass with `with:`, by name.
   * @default - no inputs
   */
  inputs?: {
    [input: string]: {
      /**
       * Documents the input for callers.
       * @default - no description
       */
      description?: string;
      /**
       * Whether callers must pass it.
       * @default false
       */
      required?: boolean;
      /**
       * Value used when the caller passes none.
       * @default - empty for its type
       */
      default?: Scalar;
      /** Type of the value callers pass. */
      type: 'boolean' | 'number' | 'string';
    };
  };
  /**
   * Values returned to the caller, by name.
   * @default - no outputs
   */
  outputs?: {
    [output: string]: {
      /**
       * Documents the output for callers.
       * @default - no description
       */
      description?: string;
      /** Expression giving the value, usually a job output (`jobs.<job>.outputs.<name>`). */
      value: string;
    };
  };
  /**
   * Secrets callers pass with `secrets:`, by name.
   * @default - no secrets
   */
  secrets?: {
    [secret: string]: {
      /**
       * Documents the secret for callers.
       * @default - no description
       */
      description?: string;
      /**
       * Whether callers must pass it.
       * @default false
       */
      required?: boolean;
    } | null;
  };
}

/** Any other event: optionally narrowed to some activity types. */
export interface ActivityTrigger {
  /**
   * Activity types the event must have.
   * @default - every activity type
   */
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
/** An event configured only by activity `types`. */
export type ActivityEvent = (typeof ACTIVITY_EVENTS)[number];

/** `on`, in its map form (the only form emitted: it has room for every filter). */
export type Triggers = {
  /** Pushes of commits or tags; `null` for every push. */
  push?: PushTrigger | null;
  /** Pull requests, run on the merge commit; runs for forks get no secrets. */
  pull_request?: PullRequestTrigger | null;
  /** Pull requests, run in the context of the base branch and with secrets, even for forks. */
  pull_request_target?: PullRequestTrigger | null;
  /** Cron schedules, in UTC. */
  schedule?: ScheduleTrigger[];
  /** Runs started by hand. */
  workflow_dispatch?: WorkflowDispatchTrigger | null;
  /** Calls from other workflows (`jobs.<id>.uses`). */
  workflow_call?: WorkflowCallTrigger | null;
  /** Runs of other workflows. */
  workflow_run?: WorkflowRunTrigger | null;
} & { [event in ActivityEvent]?: ActivityTrigger | null };

/** The order events are emitted in: the filtered ones first, then the rest alphabetically. */
export const TRIGGER_ORDER = ['push', 'pull_request', 'pull_request_target', 'schedule', 'workflow_dispatch', 'workflow_call', 'workflow_run', ...ACTIVITY_EVENTS];

/** A job's deployment environment: its protection rules and secrets apply to the job. */
export interface Environment {
  /** Environment name, as configured in the repository settings. */
  name: string;
  /**
   * Shown on the deployment; maps to `environment_url` of the deployments API.
   * @default - no URL
   */
  url?: string;
}

/** A Docker container a job runs in, or a service container beside it. */
export interface Container {
  /** Image to run, e.g. `postgres:16`. */
  image: string;
  /**
   * Registry login for a private image.
   * @default - anonymous pull
   */
  credentials?: {
    /** Registry user name. */
    username: string;
    /** Registry password or token, normally a `secrets.*` expression. */
    password: string;
  };
  /**
   * Env of the container.
   * @default - no env
   */
  env?: Env;
  /**
   * Ports to expose, `host:container` or just the container port.
   * @default - none exposed
   */
  ports?: Array<number | string>;
  /**
   * Volumes to mount, `source:/path`.
   * @default - none
   */
  volumes?: string[];
  /**
   * Extra `docker create` options.
   * @default - none
   */
  options?: string;
}

/** `strategy`: runs the job once per combination of the matrix. */
export interface Strategy {
  /** Matrix variables (with `include`/`exclude`), or an expression producing them. */
  matrix: { [key: string]: unknown } | string;
  /**
   * Cancel the other combinations when one fails.
   * @default true
   */
  'fail-fast'?: boolean | string;
  /**
   * Combinations run at once.
   * @default - as many as runners allow
   */
  'max-parallel'?: number | string;
}

/** One step of a job: an action (`uses`) or a shell command (`run`). */
export interface Step {
  /**
   * Id other steps use to read this step's outputs (`steps.<id>.outputs`).
   * @default - no id; the outputs cannot be referenced
   */
  id?: string;
  /**
   * Condition for running the step.
   * @default - runs when no earlier step failed (`success()`)
   */
  if?: string | boolean;
  /**
   * Shown in the run log.
   * @default - the `uses` or `run` text
   */
  name?: string;
  /**
   * An action: `owner/repo@ref`, `owner/repo/path@ref`, `./path` or `docker://image`.
   * @default - none; set this or `run`
   */
  uses?: string;
  /**
   * A shell command (multi-line allowed). Exactly one of `uses` and `run`.
   * @default - none; set this or `uses`
   */
  run?: string;
  /**
   * Directory a `run` step runs in.
   * @default - the job's `defaults.run.working-directory`, else the workspace
   */
  'working-directory'?: string;
  /**
   * Shell of a `run` step.
   * @default - the job's `defaults.run.shell`, else GitHub's default
   */
  shell?: string;
  /**
   * The action's inputs.
   * @default - no inputs
   */
  with?: { [input: string]: Scalar };
  /**
   * Env of this step only.
   * @default - the job's env only
   */
  env?: Env;
  /**
   * Let the job go on when this step fails.
   * @default false
   */
  'continue-on-error'?: boolean | string;
  /**
   * Minutes before the step is cancelled.
   * @default - the job's timeout only
   */
  'timeout-minutes'?: number | string;
}

/** One job of a workflow: a runner and its steps, or a call of a reusable workflow. */
export interface Job {
  /**
   * Shown in the Actions tab.
   * @default - the job id
   */
  name?: string;
  /**
   * `GITHUB_TOKEN` access for this job.
   * @default - the workflow's `permissions`
   */
  permissions?: Permissions;
  /**
   * Jobs that must succeed first.
   * @default - starts at once, in parallel with the others
   */
  needs?: string | string[];
  /**
   * Condition for running the job.
   * @default - runs when every job in `needs` succeeded
   */
  if?: string | boolean;
  /**
   * Runner label(s) or group; required unless `uses` calls a reusable workflow.
   * @default - none
   */
  'runs-on'?: string | string[] | {
    /**
     * Runner group to pick a runner from.
     * @default - any group
     */
    group?: string;
    /**
     * Labels the runner must have.
     * @default - any runner of the group
     */
    labels?: string | string[];
  };
  /**
   * Deployment environment the job deploys to.
   * @default - no environment
   */
  environment?: string | Environment;
  /**
   * Concurrency group of this job.
   * @default - no limit beyond the workflow's
   */
  concurrency?: string | Concurrency;
  /**
   * Values later jobs read as `needs.<job>.outputs`, usually from step outputs.
   * @default - no outputs
   */
  outputs?: { [output: string]: string };
  /**
   * Env of every step of the job.
   * @default - the workflow's env only
   */
  env?: Env;
  /**
   * Defaults for the job's `run` steps.
   * @default - the workflow's `defaults`
   */
  defaults?: Defaults;
  /**
   * Minutes before the job is cancelled.
   * @default 360
   */
  'timeout-minutes'?: number | string;
  /**
   * A matrix of job runs.
   * @default - one run
   */
  strategy?: Strategy;
  /**
   * Let the workflow succeed when this job fails.
   * @default false
   */
  'continue-on-error'?: boolean | string;
  /**
   * Container the steps run in.
   * @default - the steps run on the runner itself
   */
  container?: string | Container;
  /**
   * Service containers beside the job (a database for tests, say), by name.
   * @default - none
   */
  services?: { [service: string]: Container };
  /**
   * A reusable workflow (`owner/repo/.github/workflows/x.yml@ref` or `./.github/workflows/x.yml`) instead of steps.
   * @default - a job with `steps`
   */
  uses?: string;
  /**
   * Inputs of the reusable workflow in `uses`.
   * @default - no inputs
   */
  with?: { [input: string]: Scalar };
  /**
   * Secrets passed to the reusable workflow, or `inherit` for all of the caller's.
   * @default - none passed
   */
  secrets?: 'inherit' | { [secret: string]: string };
  /**
   * The job's steps, run in order; not with `uses`.
   * @default - none
   */
  steps?: Step[];
}

/** A whole workflow file, `.github/workflows/<name>.yml`. */
export interface Workflow {
  /**
   * Shown in the Actions tab.
   * @default - the file path
   */
  name?: string;
  /**
   * Name of each run, may use expressions.
   * @default - derived from the event (the commit message for a push)
   */
  'run-name'?: string;
  /** Events that start the workflow. */
  on: Triggers;
  /**
   * `GITHUB_TOKEN` access for every job.
   * @default - the repository's default token permissions
   */
  permissions?: Permissions;
  /**
   * Env of every job.
   * @default - no env
   */
  env?: Env;
  /**
   * Defaults for every job's `run` steps.
   * @default - GitHub's defaults
   */
  defaults?: Defaults;
  /**
   * Concurrency group of the whole workflow.
   * @default - runs may overlap
   */
  concurrency?: string | Concurrency;
  /** Jobs by id; emitted in the order given (they run by `needs`, not by order). */
  jobs: { [jobId: string]: Job };
}

/** Key order of each object, from the reference. Keys not listed follow (and the schema rejects them). */
export const WORKFLOW_KEYS = ['name', 'run-name', 'on', 'permissions', 'env', 'defaults', 'concurrency', 'jobs'];
/** Key order of a job, from the reference. */
export const JOB_KEYS = [
  'name', 'permissions', 'needs', 'if', 'runs-on', 'environment', 'concurrency', 'outputs', 'env', 'defaults',
  'timeout-minutes', 'strategy', 'continue-on-error', 'container', 'services', 'uses', 'with', 'secrets', 'steps',
];
/** Key order of a step, from the reference. */
export const STEP_KEYS = ['id', 'if', 'name', 'uses', 'run', 'working-directory', 'shell', 'with', 'env', 'continue-on-error', 'timeout-minutes'];
/** Key order of a trigger's filters, from the reference. */
export const PUSH_KEYS = ['types', 'workflows', 'branches', 'branches-ignore', 'tags', 'tags-ignore', 'paths', 'paths-ignore'];
