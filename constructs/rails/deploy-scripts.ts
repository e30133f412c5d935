import * as path from 'path';
import { Construct } from 'constructs';
import { Erb, TextFile } from '../../src';
import { KamalDeploy, KamalSecrets } from '../kamal';
import { DeployTarget, DeployTargetProps } from './_deploy-target';

export type { DeployTargetProps } from './_deploy-target';

/**
 * Props of KamalDeployScripts: what to deploy, where the server address is kept, and the script paths.
 */
export interface KamalDeployScriptsProps extends DeployTargetProps {
  /**
   * Where the server address is kept in the Rails credentials, dot-separated: `kamal.server_ip`
   * is `Rails.application.credentials.dig(:kamal, :server_ip)`.
   * @default 'kamal.server_ip'
   */
  readonly serverAddressCredential?: string;
  /** The first-deploy script, relative to the app root. @default 'setup_<destination>.sh' */
  readonly setupScriptPath?: string;
  /** The deploy script, relative to the app root. @default 'deploy_<destination>.sh' */
  readonly deployScriptPath?: string;
}

/**
 * The two scripts that deploy one destination of a Rails app with Kamal: `setup_<dest>.sh` the
 * first time (`bin/kamal setup`), `deploy_<dest>.sh` after (`bin/kamal deploy`). Each reads the
 * server address from the Rails credentials and exports it as the environment variable the
 * config's hosts read through ERB, so the address is written nowhere. The variable's name comes
 * from the config itself, the config file and `-d` from the KamalDeploy and Destination.
 */
export class KamalDeployScripts extends Construct {
  /** The variable Rails reads the master key from when config/master.key is absent, as in CI. */
  public static readonly MASTER_KEY_VARIABLE = 'RAILS_MASTER_KEY';

  /** The config the scripts deploy. */
  public readonly deploy: KamalDeploy;
  /** The `-d` destination, or undefined for a config deployed without one. */
  public readonly destination?: string;
  /** The dot-separated credentials path of the server address. */
  public readonly serverAddressCredential: string;
  /** The first-deploy script (`bin/kamal setup`). */
  public readonly setupScript: TextFile;
  /** The deploy script (`bin/kamal deploy`). */
  public readonly deployScript: TextFile;
  private readonly target: DeployTarget;

  constructor(scope: Construct, id: string, props: KamalDeployScriptsProps) {
    super(scope, id);
    this.target = DeployTarget.of(this.node.path, props);
    this.deploy = this.target.deploy;
    this.destination = this.target.destination;
    this.serverAddressCredential = props.serverAddressCredential ?? 'kamal.server_ip';
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i.test(this.serverAddressCredential)) {
      throw new Error(`[${this.node.path}] credentials path '${this.serverAddressCredential}' must be keys joined by '.' (kamal.server_ip), each letters, digits and '_'`);
    }
    const slug = this.target.slug('_');
    const setupPath = props.setupScriptPath ?? `setup_${slug}.sh`;
    const deployPath = props.deployScriptPath ?? `deploy_${slug}.sh`;
    this.setupScript = new TextFile(this, 'Setup', { path: setupPath, executable: true, commentPrefix: '#', lines: () => this.lines('setup', setupPath) });
    this.deployScript = new TextFile(this, 'Deploy', { path: deployPath, executable: true, commentPrefix: '#', lines: () => this.lines('deploy', deployPath) });
    this.node.addValidation({ validate: () => this.resolve().problems });
  }

  /**
   * The environment variable the config's hosts read the server address from (`Erb.envNames` of
   * their ERB), as the tree stands now; undefined when they read none or several (synth reports it).
   */
  public serverAddressVariable(): string | undefined {
    return this.resolve().variable;
  }

  /** The Kamal command line a script runs (`bin/kamal deploy -d staging`). */
  public kamalCommand(verb: 'setup' | 'deploy'): string {
    return ['bin/kamal', verb, ...this.target.kamalOptions()].join(' ');
  }

  private resolve(): { variable?: string; problems: string[] } {
    const problems = this.target.problems();
    if (problems.length > 0) return { problems };
    const hosts = this.deploy.view(this.destination).containers.flatMap((c) => c.hosts);
    const variables = [...new Set(hosts.flatMap((h) => (Erb.isErb(h) ? Erb.envNames(h) : [])))];
    const where = this.target.describe();
    if (variables.length === 1) return { variable: variables[0], problems: [] };
    if (variables.length === 0) {
      return {
        problems: [
          `the hosts of ${where} read no environment variable (${hosts.join(', ') || 'no hosts'}), so the scripts have no variable to export ${this.serverAddressCredential} as; take the hosts from Erb.env(...)`,
        ],
      };
    }
    return {
      problems: [
        `the hosts of ${where} read ${variables.join(', ')}; the scripts export one address (${this.serverAddressCredential}), so the hosts must all read one variable`,
      ],
    };
  }

  private lines(verb: 'setup' | 'deploy', file: string): string[] {
    const variable = this.resolve().variable;
    // Synth fails on the validation error; this text is never written.
    if (!variable) return ['#!/usr/bin/env bash', 'exit 1'];
    const command = this.kamalCommand(verb);
    const name = path.posix.basename(file);
    const dig = this.serverAddressCredential.split('.').map((k) => `:${k}`).join(', ');
    const secretsFiles = KamalSecrets.filesRead(this.deploy.secretsPath, this.destination).join(' and ');
    return [
      '#!/usr/bin/env bash',
      verb === 'setup'
        ? `# First deploy of ${this.target.describe()}: prepares the hosts, boots the accessories and deploys. Later deploys: the deploy script.`
        : `# Deploys ${this.target.describe()}. The first deploy: the setup script.`,
      `# Needs ${KamalDeployScripts.MASTER_KEY_VARIABLE} (or config/master.key) and the variables ${secretsFiles} read.`,
      'set -euo pipefail',
      'cd "$(dirname "$0")"',
      '',
      `# The server address is kept only in the Rails credentials (${this.serverAddressCredential}); the hosts of`,
      `# ${this.deploy.file} read it from ${variable} through ERB. bin/rails runner boots the app without`,
      '# connecting to a database (Active Record connects on first use), so this works in CI with only the',
      '# master key. Unlike credentials:show it prints this one value, not every credential, into the log;',
      '# unlike credentials:fetch it needs no Rails 8.1. Assigned, then exported: in `export X="$(...)"`',
      '# a failing command would not stop the script.',
      `${variable}="$(bin/rails runner 'print Rails.application.credentials.dig(${dig}).to_s')"`,
      `if [[ -z "\${${variable}}" || "\${${variable}}" =~ [[:space:]] ]]; then`,
      `  echo "${name}: ${this.serverAddressCredential} in the Rails credentials is empty or not one address; set it with bin/rails credentials:edit" >&2`,
      '  exit 1',
      'fi',
      `export ${variable}`,
      '',
      `exec ${command}`,
    ];
  }
}
