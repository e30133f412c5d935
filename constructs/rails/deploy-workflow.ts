import { Construct } from 'constructs';
import { compareStrings, Erb } from '../../src';
import { Expression, GitHubL1, GitHubWorkflow } from '../github';
import { KamalSecrets, L1 } from '../kamal';
import { DeployTarget } from './_deploy-target';
import { KamalDeployScripts } from './deploy-scripts';

/** What starts a deploy. */
export interface DeployTriggers {
  /** Branches whose pushes deploy. @default - pushes never deploy */
  readonly pushBranches?: string[];
  /** Whether the workflow can be run by hand (`workflow_dispatch`: Actions tab, `gh workflow run`). @default true */
  readonly manual?: boolean;
}

/** Props of DeployWorkflow: the scripts and secrets it deploys with, and what starts it. */
export interface DeployWorkflowProps {
  /** The scripts whose deploy script the workflow runs; the config and destination come with them. */
  readonly scripts: KamalDeployScripts;
  /**
   * The secrets files the config reads. Every environment variable they read for the destination
   * reaches the deploy script from the GitHub secret of the same name.
   */
  readonly secrets: KamalSecrets;
  /** What starts a deploy. */
  readonly triggers: DeployTriggers;
  /** The workflow's file name in `.github/workflows/`. @default 'deploy-<destination>.yml' */
  readonly fileName?: string;
  /** The workflow's name in the Actions tab. @default 'Deploy <destination>' */
  readonly name?: string;
  /** The GitHub secret holding the private key Kamal connects to the hosts with. @default 'SSH_PRIVATE_KEY' */
  readonly sshPrivateKeySecret?: string;
  /**
   * Where the servers' SSH host keys come from: a GitHub variable (host keys are public) or
   * secret holding known_hosts lines, such as `ssh-keyscan -t ed25519 <address>` prints them,
   * checked against the server's own `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`. The job
   * writes them to ~/.ssh/known_hosts and turns on StrictHostKeyChecking before any SSH, so Kamal
   * (whose net-ssh otherwise accepts whatever key a new host presents) talks only to these hosts.
   * @default `{ variable: 'SSH_KNOWN_HOSTS' }`
   */
  readonly knownHosts?: KnownHostsSource;
  /** The runner. @default 'ubuntu-latest' */
  readonly runsOn?: string;
  /** Minutes before GitHub cancels a hung deploy (GitHub's own default is 360). @default 30 */
  readonly timeoutMinutes?: number;
  /**
   * Whether the job runs in a GitHub environment named after the destination, with the app's URL:
   * deployments are recorded per destination, protection rules can gate them, and secrets of the
   * same name may hold different values per environment (POSTGRES_PASSWORD for staging and for
   * production). Repository secrets are read as well.
   * @default true
   */
  readonly environment?: boolean;
}

/** A GitHub variable or secret holding known_hosts lines. */
export type KnownHostsSource =
  | {
      /** Name of the GitHub variable. */
      readonly variable: string;
    }
  | {
      /** Name of the GitHub secret. */
      readonly secret: string;
    };

/** The id of the step that pins the host keys; the check finds it by this id. */
const PIN_STEP = 'pin-host-keys';
/** The variable the pin step reads the known_hosts lines from. */
const KNOWN_HOSTS_ENV = 'SSH_KNOWN_HOSTS';

/**
 * The GitHub Actions workflow that deploys one destination, in the order of the operations page:
 * check out, set up Ruby (with the bundle, for bin/rails and bin/kamal), load the SSH key, set up
 * Docker Buildx (Kamal builds the image on the runner), then run the deploy script.
 *
 * The deploy step's env is derived: every environment variable the secrets files read for the
 * destination through `SecretSource.env()`, plus RAILS_MASTER_KEY when the script reads server
 * addresses from the credentials, each from the GitHub secret of the same name. A secret added to
 * `.kamal/secrets*` reaches the workflow with no further edit; a variable that stops reaching the
 * script (an override, a later edit) fails synth, since Kamal would silently deploy it empty. Only
 * the deploy step sees them: the third-party actions before it never do.
 */
export class DeployWorkflow extends Construct {
  /** The generated workflow file. */
  public readonly file: GitHubWorkflow;
  /** The scripts whose deploy script it runs. */
  public readonly scripts: KamalDeployScripts;
  /** The secrets files whose environment variables the deploy step gets from GitHub secrets. */
  public readonly secrets: KamalSecrets;
  private readonly target: DeployTarget;

  constructor(scope: Construct, id: string, props: DeployWorkflowProps) {
    super(scope, id);
    this.scripts = props.scripts;
    this.secrets = props.secrets;
    this.target = DeployTarget.of(this.node.path, { deploy: props.scripts.deploy, destination: props.scripts.destination });
    const where = `[${this.node.path}]`;
    const triggers = props.triggers;
    if (!triggers.pushBranches?.length && triggers.manual === false) {
      throw new Error(`${where} the workflow would never run; give pushBranches, or leave manual on`);
    }
    const sshKey = Expression.secret(props.sshPrivateKeySecret ?? 'SSH_PRIVATE_KEY');
    const knownHosts = props.knownHosts ?? { variable: KNOWN_HOSTS_ENV };
    const knownHostsName = 'variable' in knownHosts ? knownHosts.variable : knownHosts.secret;
    const knownHostsWhy = Expression.secretNameProblem(knownHostsName);
    if (knownHostsWhy) throw new Error(`${where} knownHosts '${knownHostsName}' can't be a GitHub ${'variable' in knownHosts ? 'variable' : 'secret'} name: ${knownHostsWhy}`);
    const knownHostsRef = 'variable' in knownHosts ? `\${{ vars.${knownHostsName} }}` : Expression.secret(knownHostsName);
    const knownHostsWhat = `the ${'variable' in knownHosts ? 'variable' : 'secret'} ${knownHostsName}`;
    const timeout = props.timeoutMinutes ?? 30;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 360) throw new Error(`${where} timeoutMinutes must be a whole number from 1 to 360`);
    const slug = this.target.slug('-');
    const environment = props.environment ?? true;

    this.file = new GitHubWorkflow(this, 'File', {
      fileName: props.fileName ?? `deploy-${slug}.yml`,
      workflow: (): GitHubL1.Workflow => ({
        name: props.name ?? `Deploy ${slug}`,
        on: {
          ...(triggers.pushBranches?.length ? { push: { branches: [...triggers.pushBranches] } } : {}),
          ...(triggers.manual === false ? {} : { workflow_dispatch: {} }),
        },
        permissions: { contents: 'read' },
        // One deploy of a destination at a time. Never cancelled midway: an interrupted Kamal
        // deploy leaves its lock on the host, and the next deploy would stop at it.
        concurrency: { group: `deploy-${slug}`, 'cancel-in-progress': false },
        jobs: {
          deploy: {
            'runs-on': props.runsOn ?? 'ubuntu-latest',
            environment: environment ? this.environment(slug) : undefined,
            'timeout-minutes': timeout,
            steps: [
              { name: 'Check out', uses: 'actions/checkout@v4' },
              // The Ruby of .ruby-version, and the bundle (kamal, rails) installed and cached.
              { name: 'Set up Ruby', uses: 'ruby/setup-ruby@v1', with: { 'bundler-cache': true } },
              // A 0.x action has no major to follow: pinned to the release.
              { name: 'Set up SSH', uses: 'webfactory/ssh-agent@v0.9.1', with: { 'ssh-private-key': sshKey } },
              {
                id: PIN_STEP,
                name: 'Pin the SSH host keys',
                env: { [KNOWN_HOSTS_ENV]: knownHostsRef },
                run: pinHostKeysScript(knownHostsWhat),
              },
              { name: 'Set up Docker Buildx', uses: 'docker/setup-buildx-action@v3' },
              {
                id: 'deploy',
                name: `Deploy ${this.target.describe()}`,
                run: this.scriptCommand(),
                // Not Expression.secret: a name GitHub refuses is reported by the validation, with
                // the secrets file that reads it, rather than as a crash while rendering.
                env: Object.fromEntries(this.variablesNeeded().map((v) => [v, `\${{ secrets.${v} }}`])),
              },
            ],
          },
        },
      }),
    });
    this.node.addValidation({ validate: () => this.check() });
  }

  /**
   * The environment variables the deploy script needs from GitHub secrets, sorted: the master key
   * when the script reads server addresses from the credentials, and whatever the secrets files
   * Kamal reads for the destination read (which may include the master key for the app).
   */
  public variablesNeeded(): string[] {
    const lookup = this.scripts.serverAddresses().length > 0 ? [KamalDeployScripts.MASTER_KEY_VARIABLE] : [];
    const names = new Set([...lookup, ...this.secrets.envVariablesRead(this.target.destination)]);
    return [...names].sort(compareStrings);
  }

  private scriptCommand(): string {
    return `./${this.scripts.deployScript.path}`;
  }

  /** The destination's environment, with the URL of the config's proxy host when it has one. */
  private environment(slug: string): GitHubL1.Environment {
    const name = this.target.destination ?? slug;
    if (this.target.problems().length > 0) return { name };
    const proxy = this.target.deploy.effectiveConfig(this.target.destination).proxy;
    const host = proxy?.host ?? proxy?.hosts?.[0];
    if (host === undefined || Erb.isErb(host)) return { name };
    const pathPrefix = proxy?.path_prefix ?? proxy?.path_prefixes?.[0] ?? '';
    return { name, url: `${proxy?.ssl ? 'https' : 'http'}://${host}${pathPrefix}` };
  }

  /**
   * The host keys are pinned as emitted (overrides included): the pin step runs before the deploy
   * step with its script and known_hosts intact, no step turns checking off or trusts keys it
   * scans, and Kamal reads ~/.ssh/config, where the pin is.
   */
  private checkHostKeys(doc: GitHubL1.Workflow, job: GitHubL1.Job | undefined): string[] {
    const errors: string[] = [];
    const file = this.file.path;
    const steps = Array.isArray(job?.steps) ? job!.steps : [];
    const pin = steps.findIndex((s) => s?.id === PIN_STEP);
    const deployAt = steps.findIndex((s) => s?.id === 'deploy');
    const pinStep = pin >= 0 ? steps[pin] : undefined;
    if (!pinStep || pin > deployAt || typeof pinStep.run !== 'string' || !pinStep.run.includes('StrictHostKeyChecking yes') || !pinStep.run.includes('~/.ssh/known_hosts')) {
      errors.push(`${file} does not pin the hosts' SSH keys before the deploy step (step '${PIN_STEP}'), so Kamal would trust whatever key answers; remove the override that changed it`);
    } else {
      const env: GitHubL1.Env = { ...doc.env, ...job?.env, ...pinStep.env };
      const value = env[KNOWN_HOSTS_ENV];
      if (typeof value !== 'string' || value.trim() === '') {
        errors.push(`${file} step '${PIN_STEP}' reads no known_hosts lines (${KNOWN_HOSTS_ENV} is not set); pass the variable or secret that holds them`);
      }
    }
    steps.forEach((s, i) => {
      const text = `${typeof s?.run === 'string' ? s.run : ''}\n${JSON.stringify(s?.with ?? {})}`;
      if (/StrictHostKeyChecking[ =]+(?:no|off|accept-new)/i.test(text)) {
        errors.push(`${file} step ${s?.id ?? s?.name ?? i} turns SSH host key checking off; remove it: the pinned keys are the only ones to trust`);
      }
      if (/\bssh-keyscan\b/.test(text)) {
        errors.push(`${file} step ${s?.id ?? s?.name ?? i} scans host keys at deploy time, trusting whatever key answers; put the checked keys in the known_hosts variable instead`);
      }
    });
    if (this.target.problems().length === 0) {
      const config = this.target.deploy.effectiveConfig(this.target.destination).ssh?.config;
      const files = config === undefined || config === true ? undefined : config === false ? [] : Array.isArray(config) ? config : [config];
      if (files && !files.some((f) => f === '~/.ssh/config' || f === '$HOME/.ssh/config')) {
        errors.push(`${this.target.describe()} sets ssh.config to ${JSON.stringify(config)}, so Kamal does not read ~/.ssh/config, where ${file} turns on StrictHostKeyChecking; remove ssh.config or include ~/.ssh/config`);
      }
    }
    return errors;
  }

  private check(): string[] {
    const errors: string[] = [];
    // A target that names no destination of its config is the scripts' error, reported there.
    if (this.target.problems().length > 0) return errors;
    const file = this.file.path;
    const deploy = this.target.deploy;
    const secretsPath = deploy.secretsPathOf(this.target.destination);
    if (this.secrets.path !== secretsPath) {
      const run = `${deploy.file}${this.target.destination ? ` -d ${this.target.destination}` : ''}`;
      errors.push(`${file} is given the secrets files of ${this.secrets.path} [${this.secrets.node.path}], but ${run} reads ${secretsPath}; pass the KamalSecrets for ${secretsPath}`);
      return errors;
    }
    const secretsFiles = KamalSecrets.filesRead(this.secrets.path, this.target.destination).join(' and ');
    for (const v of this.variablesNeeded()) {
      const why = Expression.secretNameProblem(v);
      if (why) errors.push(`${file} can't pass ${v} (read by ${secretsFiles}) from a GitHub secret: ${why}; read the secret from another variable, SecretSource.env('OTHER_NAME')`);
    }

    // What the script will see, as emitted (overrides included): workflow, then job, then step env.
    const doc = this.file.workflow();
    const job = doc.jobs?.deploy;
    // An override may leave any shape; the schema reports the shape, this check only what it can read.
    const step = Array.isArray(job?.steps) ? job.steps.find((s) => s?.id === 'deploy') : undefined;
    const script = this.scriptCommand();
    if (!step || typeof step.run !== 'string' || !step.run.includes(script)) {
      errors.push(`${file} has no step 'deploy' in job 'deploy' that runs ${script}; remove the override that changed it`);
      return errors;
    }
    const env: GitHubL1.Env = { ...doc.env, ...job?.env, ...step.env };
    for (const v of this.variablesNeeded()) {
      const ref = `\${{ secrets.${v} }}`;
      if (!(v in env)) {
        const reader = v === KamalDeployScripts.MASTER_KEY_VARIABLE && !this.secrets.envVariablesRead(this.target.destination).includes(v)
          ? 'bin/rails reads the credentials with it'
          : `${secretsFiles} read it, and Kamal would deploy it empty`;
        errors.push(`${file} does not pass ${v} to ${script}, but ${reader}; pass it as ${ref}`);
      } else if (!Expression.isSecretReference(env[v])) {
        errors.push(`${file} sets ${v} to a value written in the file; a secret's value comes from GitHub's secret store: ${ref}`);
      }
    }
    errors.push(...this.checkHostKeys(doc, job));
    if (this.target.problems().length === 0) {
      const exported = new Set(this.scripts.serverAddresses().map((a) => a.variable));
      for (const [name, key] of erbVariables(deploy.effectiveConfig(this.target.destination))) {
        if (!exported.has(name) && !(name in env)) {
          errors.push(`${this.target.describe()} reads ${name} through ERB (${key}), but neither ${script} nor ${file} sets it, so Kamal would render it empty; set it in the workflow's env or stop reading it`);
        }
      }
    }
    return errors;
  }
}

/**
 * The step that pins the host keys: known_hosts lines from GitHub, checked to parse as keys, added
 * to ~/.ssh/known_hosts, and StrictHostKeyChecking put first in ~/.ssh/config (first match wins),
 * which Kamal's net-ssh reads: an unknown or changed host key then stops the deploy.
 */
function pinHostKeysScript(what: string): string {
  return [
    'set -eu',
    `test -n "$${KNOWN_HOSTS_ENV}" || { echo "::error::${what} is empty; set it to the servers' known_hosts lines, checked against each server's own host key"; exit 1; }`,
    'install -d -m 700 ~/.ssh',
    `printf '%s\\n' "$${KNOWN_HOSTS_ENV}" > "$RUNNER_TEMP/known_hosts"`,
    `ssh-keygen -l -f "$RUNNER_TEMP/known_hosts" > /dev/null || { echo "::error::${what} holds no known_hosts line"; exit 1; }`,
    'cat "$RUNNER_TEMP/known_hosts" >> ~/.ssh/known_hosts',
    `{ printf 'Host *\\n  StrictHostKeyChecking yes\\n\\n'; cat ~/.ssh/config 2> /dev/null || true; } > "$RUNNER_TEMP/ssh_config"`,
    'install -m 600 "$RUNNER_TEMP/ssh_config" ~/.ssh/config',
    '',
  ].join('\n');
}

/** Every environment variable a config's ERB reads, with the first key that reads it. */
function erbVariables(cfg: L1.DeployConfig): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if (Erb.isErb(v)) for (const n of Erb.envNames(v)) if (!found.has(n)) found.set(n, key || '/');
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, `${key}/${i}`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        walk(k, `${key}/${k}`);
        walk(x, `${key}/${k}`);
      }
    }
  };
  walk(cfg, '');
  return found;
}
