import * as path from 'path';
import { Construct } from 'constructs';
import { compareStrings, Erb, TextFile } from '../../src';
import { KamalDeploy, KamalSecrets } from '../kamal';
import { DeployTarget, DeployTargetProps } from './_deploy-target';

export type { DeployTargetProps } from './_deploy-target';

/**
 * Props of KamalDeployScripts: what to deploy, where the server addresses are kept, and the script paths.
 */
export interface KamalDeployScriptsProps extends DeployTargetProps {
  /**
   * Where the server address is kept in the Rails credentials when the config's hosts read one
   * environment variable, dot-separated: `kamal.server_ip` is
   * `Rails.application.credentials.dig(:kamal, :server_ip)`. Not for hosts that read several
   * (`serverAddressCredentials`) or none (nothing is looked up).
   * @default 'kamal.server_ip'
   */
  readonly serverAddressCredential?: string;
  /**
   * Where each server address is kept in the Rails credentials, by the environment variable the
   * config's hosts read it from: `{ WEB_IP: 'kamal.web_ip', DB_IP: 'kamal.db_ip' }`, each path
   * written as in `serverAddressCredential`. Every variable the hosts read needs an entry, and
   * every entry must be read by the hosts. The scripts read them all with one `bin/rails runner`.
   * @default - the hosts read one variable, kept at `serverAddressCredential`, or none
   */
  readonly serverAddressCredentials?: Readonly<Record<string, string>>;
  /** The first-deploy script, relative to the app root. @default 'setup_<destination>.sh' */
  readonly setupScriptPath?: string;
  /** The deploy script, relative to the app root. @default 'deploy_<destination>.sh' */
  readonly deployScriptPath?: string;
}

/** A server address the scripts export: the variable the config's hosts read, from the Rails credentials. */
export interface ServerAddress {
  /** The environment variable the hosts read through ERB (`KAMAL_SERVER_IP_ADDRESS`). */
  readonly variable: string;
  /** Where the address is kept in the Rails credentials, dot-separated (`kamal.server_ip`). */
  readonly credential: string;
}

/** A credentials path: keys joined by '.', each letters, digits and '_'. */
const CREDENTIAL_PATH = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i;

/**
 * The two scripts that deploy one destination of a Rails app with Kamal: `setup_<dest>.sh` the
 * first time (`bin/kamal setup`), `deploy_<dest>.sh` after (`bin/kamal deploy`). When the config's
 * hosts read server addresses through ERB, each script reads them from the Rails credentials (one
 * `bin/rails runner` for all) and exports them as those variables, so no address is written
 * anywhere; hosts written as addresses need no lookup. The variables' names come from the config
 * itself, the config file and `-d` from the KamalDeploy and Destination.
 */
export class KamalDeployScripts extends Construct {
  /** The variable Rails reads the master key from when config/master.key is absent, as in CI. */
  public static readonly MASTER_KEY_VARIABLE = 'RAILS_MASTER_KEY';

  /** The config the scripts deploy. */
  public readonly deploy: KamalDeploy;
  /** The `-d` destination, or undefined for a config deployed without one. */
  public readonly destination?: string;
  /**
   * The dot-separated credentials path of the server address when the hosts read one variable and
   * no `serverAddressCredentials` is given; `serverAddresses()` says what the scripts read.
   */
  public readonly serverAddressCredential: string;
  /** The first-deploy script (`bin/kamal setup`). */
  public readonly setupScript: TextFile;
  /** The deploy script (`bin/kamal deploy`). */
  public readonly deployScript: TextFile;
  private readonly target: DeployTarget;
  private readonly credentials?: ReadonlyMap<string, string>;
  private readonly credentialGiven: boolean;

  constructor(scope: Construct, id: string, props: KamalDeployScriptsProps) {
    super(scope, id);
    this.target = DeployTarget.of(this.node.path, props);
    this.deploy = this.target.deploy;
    this.destination = this.target.destination;
    this.serverAddressCredential = props.serverAddressCredential ?? 'kamal.server_ip';
    this.credentialGiven = props.serverAddressCredential !== undefined;
    if (!CREDENTIAL_PATH.test(this.serverAddressCredential)) {
      throw new Error(`[${this.node.path}] credentials path '${this.serverAddressCredential}' must be keys joined by '.' (kamal.server_ip), each letters, digits and '_'`);
    }
    if (props.serverAddressCredentials !== undefined) {
      if (this.credentialGiven) {
        throw new Error(`[${this.node.path}] serverAddressCredential and serverAddressCredentials both say where the addresses are kept; pass serverAddressCredentials only`);
      }
      for (const [variable, credential] of Object.entries(props.serverAddressCredentials)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
          throw new Error(`[${this.node.path}] serverAddressCredentials key '${variable}' is not an environment variable name; use letters, digits and '_'`);
        }
        if (typeof credential !== 'string' || !CREDENTIAL_PATH.test(credential)) {
          throw new Error(`[${this.node.path}] credentials path '${String(credential)}' of ${variable} must be keys joined by '.' (kamal.server_ip), each letters, digits and '_'`);
        }
      }
      this.credentials = new Map(Object.entries(props.serverAddressCredentials));
    }
    const slug = this.target.slug('_');
    const setupPath = props.setupScriptPath ?? `setup_${slug}.sh`;
    const deployPath = props.deployScriptPath ?? `deploy_${slug}.sh`;
    this.setupScript = new TextFile(this, 'Setup', { path: setupPath, executable: true, commentPrefix: '#', lines: () => this.lines('setup', setupPath) });
    this.deployScript = new TextFile(this, 'Deploy', { path: deployPath, executable: true, commentPrefix: '#', lines: () => this.lines('deploy', deployPath) });
    this.node.addValidation({ validate: () => this.resolve().problems });
  }

  /**
   * The server addresses the scripts read from the Rails credentials and export, sorted by
   * variable: one per environment variable the config's hosts read through ERB (`Erb.envNames`),
   * as the tree stands now. Empty when the hosts are addresses written in the config. When synth
   * reports the hosts' variables (one without a credentials path, say), only those that resolve.
   */
  public serverAddresses(): ReadonlyArray<ServerAddress> {
    return this.resolve().addresses;
  }

  /** The Kamal command line a script runs (`bin/kamal deploy -d staging`). */
  public kamalCommand(verb: 'setup' | 'deploy'): string {
    return ['bin/kamal', verb, ...this.target.kamalOptions()].join(' ');
  }

  private resolve(): { addresses: ServerAddress[]; problems: string[] } {
    const problems = this.target.problems();
    if (problems.length > 0) return { addresses: [], problems };
    const hosts = this.deploy.view(this.destination).containers.flatMap((c) => c.hosts);
    const variables = [...new Set(hosts.flatMap((h) => (Erb.isErb(h) ? Erb.envNames(h) : [])))].sort(compareStrings);
    const where = this.target.describe();
    const literal = [...new Set(hosts)].join(', ') || 'no hosts';
    const suggest = (names: readonly string[]) => names.map((v) => `${v}: 'kamal.${v.toLowerCase()}'`).join(', ');

    if (this.credentials === undefined) {
      if (variables.length === 1) return { addresses: [{ variable: variables[0], credential: this.serverAddressCredential }], problems: [] };
      if (variables.length === 0) {
        return {
          addresses: [],
          problems: this.credentialGiven
            ? [`the hosts of ${where} read no environment variable (${literal}), so the scripts look nothing up and serverAddressCredential '${this.serverAddressCredential}' is never read; remove it`]
            : [],
        };
      }
      return {
        addresses: [],
        problems: [
          `the hosts of ${where} read ${variables.join(', ')}; the scripts export each from the Rails credentials, so say where each is kept: serverAddressCredentials: { ${suggest(variables)} }`,
        ],
      };
    }

    const mapped = [...this.credentials.keys()];
    const missing = variables.filter((v) => !this.credentials!.has(v));
    const extra = mapped.filter((v) => !variables.includes(v)).sort(compareStrings);
    if (missing.length > 0) {
      problems.push(
        `the hosts of ${where} read ${missing.join(', ')}, which serverAddressCredentials does not map; add ${suggest(missing)} (where ${missing.length === 1 ? 'it is' : 'each is'} kept in the Rails credentials)`,
      );
    }
    if (extra.length > 0) {
      const read = variables.length > 0 ? `they read ${variables.join(', ')}` : `they read none: ${literal}`;
      problems.push(`serverAddressCredentials maps ${extra.join(', ')}, but the hosts of ${where} do not read ${extra.length === 1 ? 'it' : 'them'} (${read}); remove ${extra.length === 1 ? 'it' : 'them'}`);
    }
    const addresses = variables.filter((v) => this.credentials!.has(v)).map((v) => ({ variable: v, credential: this.credentials!.get(v)! }));
    return { addresses, problems };
  }

  private lines(verb: 'setup' | 'deploy', file: string): string[] {
    const { addresses, problems } = this.resolve();
    // Synth fails on the validation error; this text is never written.
    if (problems.length > 0) return ['#!/usr/bin/env bash', 'exit 1'];
    const secretsFiles = KamalSecrets.filesRead(this.deploy.secretsPathOf(this.destination), this.destination).join(' and ');
    const header = [
      '#!/usr/bin/env bash',
      verb === 'setup'
        ? `# First deploy of ${this.target.describe()}: prepares the hosts, boots the accessories and deploys. Later deploys: the deploy script.`
        : `# Deploys ${this.target.describe()}. The first deploy: the setup script.`,
    ];
    const run = ['', `exec ${this.kamalCommand(verb)}`];
    if (addresses.length === 0) {
      // Kamal still reads the secrets files; the master key is needed only if they read it.
      return [
        ...header,
        `# Needs the variables ${secretsFiles} read.`,
        `# The hosts of ${this.target.describe()} are addresses written in the config: nothing is looked up in the Rails credentials.`,
        'set -euo pipefail',
        'cd "$(dirname "$0")"',
        ...run,
      ];
    }
    const name = path.posix.basename(file);
    const dig = (credential: string) => `Rails.application.credentials.dig(${credential.split('.').map((k) => `:${k}`).join(', ')})`;
    const check = (a: ServerAddress) => [
      `if [[ -z "\${${a.variable}}" || "\${${a.variable}}" =~ [[:space:]] ]]; then`,
      `  echo "${name}: ${a.credential} in the Rails credentials is empty or not one address; set it with bin/rails credentials:edit" >&2`,
      '  exit 1',
      'fi',
    ];
    const prelude = [
      ...header,
      `# Needs ${KamalDeployScripts.MASTER_KEY_VARIABLE} (or config/master.key) and the variables ${secretsFiles} read.`,
      'set -euo pipefail',
      'cd "$(dirname "$0")"',
      '',
    ];
    if (addresses.length === 1) {
      const [a] = addresses;
      return [
        ...prelude,
        `# The server address is kept only in the Rails credentials (${a.credential}); the hosts of`,
        `# ${this.deploy.file} read it from ${a.variable} through ERB. bin/rails runner boots the app without`,
        '# connecting to a database (Active Record connects on first use), so this works in CI with only the',
        '# master key. Unlike credentials:show it prints this one value, not every credential, into the log;',
        '# unlike credentials:fetch it needs no Rails 8.1. Assigned, then exported: in `export X="$(...)"`',
        '# a failing command would not stop the script.',
        `${a.variable}="$(bin/rails runner 'print ${dig(a.credential)}.to_s')"`,
        ...check(a),
        `export ${a.variable}`,
        ...run,
      ];
    }
    // Not exported, so Kamal never sees it; named apart from the hosts' variables.
    let all = 'ADDRESSES';
    while (addresses.some((a) => a.variable === all)) all = `_${all}`;
    const credentials = addresses.map((a) => a.credential).join(', ');
    return [
      ...prelude,
      `# The server addresses are kept only in the Rails credentials; the hosts of ${this.deploy.file} read them`,
      `# through ERB: ${addresses.map((a) => `${a.variable} (${a.credential})`).join(', ')}.`,
      '# One bin/rails runner prints them, one a line, each after the mark kamal-cdk:, booting the app once',
      '# and without connecting to a database (Active Record connects on first use), so this works in CI',
      '# with only the master key. Unlike credentials:show it prints these values, not every credential,',
      '# into the log; unlike credentials:fetch it needs no Rails 8.1. Every line must carry the mark and',
      '# there must be one per address: a line printed at boot, or a value with a line break, would',
      '# otherwise shift the addresses after it (the mark also keeps an empty last value from vanishing',
      '# with the trailing newlines). Assigned, then exported: in `export X="$(...)"` a failing command',
      '# would not stop the script.',
      `${all}="$(bin/rails runner 'puts [${addresses.map((a) => dig(a.credential)).join(', ')}].map { |v| "kamal-cdk:#{v}" }')"`,
      `if [[ "$(wc -l <<<"\${${all}}")" -ne ${addresses.length} || "$(grep -c '^kamal-cdk:' <<<"\${${all}}")" -ne ${addresses.length} ]]; then`,
      `  echo "${name}: bin/rails runner did not print ${addresses.length} marked lines (${credentials}, one a line): an address in the Rails credentials holds a line break, or the app printed something else; check them with bin/rails credentials:edit" >&2`,
      '  exit 1',
      'fi',
      ...addresses.flatMap((a, i) => [`${a.variable}="$(sed -n '${i + 1}s/^kamal-cdk://p' <<<"\${${all}}")"`, ...check(a)]),
      `export ${addresses.map((a) => a.variable).join(' ')}`,
      ...run,
    ];
  }
}
