import { Construct } from 'constructs';
import { compareStrings, YamlDialect, YamlFile } from '../../src';
import * as L1 from './l1';
import { WORKFLOW_VALIDATOR } from './schema';

/** Where GitHub looks for workflows; it reads no subfolders. */
export const WORKFLOWS_FOLDER = '.github/workflows';

/** Props of GitHubWorkflow: its file name and the workflow document. */
export interface GitHubWorkflowProps {
  /** The file name in `.github/workflows/` (`deploy-staging.yml`); must end in `.yml` or `.yaml`. */
  readonly fileName: string;
  /**
   * The workflow document. A function is called at synth, after the whole tree is built, so the
   * workflow can reflect constructs added later (a secret added to the secrets files, say).
   */
  readonly workflow: L1.Workflow | (() => L1.Workflow);
}

const WORKFLOW_SYMBOL = Symbol.for('kamal-cdk.GitHubWorkflow');

/**
 * A GitHub Actions workflow file. The document is the L1 model, emitted with keys in the order of
 * GitHub's reference (user-filled maps such as `env` and `with` sorted) and checked against the
 * workflow schema at every synth. `addOverride` patches the emitted document, which is checked
 * like everything else.
 *
 * The YAML is written 1.1-safe, like every file of the estate (so the key `on` is emitted quoted,
 * `"on":`, which any YAML reader takes as the string key GitHub expects), and synth proves that it
 * reads the same under YAML 1.2, the reading GitHub's parser follows.
 */
export class GitHubWorkflow extends YamlFile {
  /** Whether `x` is a GitHubWorkflow, also across copies of this library loaded twice. */
  public static isGitHubWorkflow(x: unknown): x is GitHubWorkflow {
    return typeof x === 'object' && x !== null && WORKFLOW_SYMBOL in x;
  }

  /** The file name in `.github/workflows/`. */
  public readonly fileName: string;

  constructor(scope: Construct, id: string, props: GitHubWorkflowProps) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/.test(props.fileName)) {
      // Checked before the path is built, so the message is about the file name.
      const where = [scope.node.path, id].filter(Boolean).join('/');
      throw new Error(`[${where}] workflow file name '${props.fileName}' must be a plain file name ending in .yml or .yaml; GitHub reads ${WORKFLOWS_FOLDER}/ only, no subfolders`);
    }
    super(scope, id, {
      path: `${WORKFLOWS_FOLDER}/${props.fileName}`,
      obj: () => orderWorkflow(typeof props.workflow === 'function' ? props.workflow() : props.workflow),
      validator: WORKFLOW_VALIDATOR,
      // GitHub follows YAML 1.2; the file is rendered for 1.1 readers too, and both must agree.
      alsoReadAs: [YamlDialect.YAML_1_2],
    });
    Object.defineProperty(this, WORKFLOW_SYMBOL, { value: true });
    this.fileName = props.fileName;
  }

  /** The workflow as GitHub will read it: the model with every override applied. */
  public workflow(): L1.Workflow {
    return this.toObject() as L1.Workflow;
  }
}

/** A copy of `w` with keys in the reference's order and user-filled maps sorted. */
export function orderWorkflow(w: L1.Workflow): L1.Workflow {
  const out = ordered(w, L1.WORKFLOW_KEYS) as any;
  if (isMap(out.on)) {
    out.on = ordered(out.on, L1.TRIGGER_ORDER);
    for (const [event, t] of Object.entries(out.on)) if (isMap(t)) out.on[event] = ordered(t, L1.PUSH_KEYS);
  }
  if (isMap(out.env)) out.env = sorted(out.env);
  orderCommon(out);
  if (isMap(out.jobs)) {
    const jobs: Record<string, unknown> = {};
    for (const [id, job] of Object.entries(out.jobs)) jobs[id] = isMap(job) ? orderJob(job) : job;
    out.jobs = jobs;
  }
  return out;
}

function orderJob(job: Record<string, unknown>): Record<string, unknown> {
  const out = ordered(job, L1.JOB_KEYS);
  for (const k of ['env', 'with', 'outputs', 'secrets']) if (isMap(out[k])) out[k] = sorted(out[k] as Record<string, unknown>);
  orderCommon(out);
  if (isMap(out.environment)) out.environment = ordered(out.environment, ['name', 'url']);
  if (Array.isArray(out.steps)) {
    out.steps = out.steps.map((step) => {
      if (!isMap(step)) return step;
      const s = ordered(step, L1.STEP_KEYS);
      for (const k of ['env', 'with']) if (isMap(s[k])) s[k] = sorted(s[k] as Record<string, unknown>);
      return s;
    });
  }
  return out;
}

/** The small objects workflows and jobs share: concurrency, defaults.run, permissions. */
function orderCommon(o: Record<string, unknown>): void {
  if (isMap(o.concurrency)) o.concurrency = ordered(o.concurrency, ['group', 'cancel-in-progress']);
  if (isMap(o.permissions)) o.permissions = ordered(o.permissions, L1.PERMISSION_SCOPES);
  if (isMap(o.defaults) && isMap(o.defaults.run)) o.defaults = { ...o.defaults, run: ordered(o.defaults.run, ['shell', 'working-directory']) };
}

/** Keys in `order` first, in that order; any others after, as given (the schema reports them). */
function ordered(o: Record<string, unknown> | object, order: readonly string[]): Record<string, unknown> {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of order) if (k in src && src[k] !== undefined) out[k] = src[k];
  for (const k of Object.keys(src)) if (!(k in out) && src[k] !== undefined) out[k] = src[k];
  return out;
}

function sorted(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort(compareStrings)) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
