/**
 * A small Rails estate for the deploy-flow tests, and a sandbox that runs a generated deploy
 * script for real (bash, set -euo pipefail and all) with stand-ins for bin/rails and bin/kamal.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Estate } from '../../constructs/estate';
import { BasicAuth, EndpointAccess, KamalDeploy, KamalSecrets, SecretSource } from '../../constructs/kamal';
import { RailsApp } from '../../constructs/rails';
import { App, Erb, Testing } from '../../src';

export function guideEstate(app: App = Testing.app(), hostVariable = 'KAMAL_SERVER_IP_ADDRESS') {
  const estate = new Estate(app, 'estate');
  const secrets = new KamalSecrets(estate, 'secrets', {
    common: { KAMAL_REGISTRY_PASSWORD: SecretSource.env(), RAILS_MASTER_KEY: SecretSource.env(), POSTGRES_PASSWORD: SecretSource.env() },
    destinations: { staging: { BASIC_AUTH_USERNAME: SecretSource.env(), BASIC_AUTH_PASSWORD: SecretSource.env() } },
  });
  const rails = new RailsApp(estate, 'app', {
    service: 'guide',
    image: 'acme/guide',
    registry: { server: 'registry.example.com', username: 'admin', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    host: Erb.env(hostVariable),
    rails: { forceSsl: true, assumeSsl: true },
  });
  const production = rails.addDestination('production', {
    domain: 'guide.example.com',
    access: EndpointAccess.public(),
    database: { volume: 'data', databases: ['guide_production'] },
  });
  const staging = rails.addDestination('staging', {
    service: 'guide-staging',
    domain: 'guide-stg.example.com',
    access: EndpointAccess.restricted(new BasicAuth()),
    database: { name: 'postgres-staging', port: 5433, volume: 'data-staging', databases: ['guide_staging'] },
  });
  return { app, estate, secrets, rails, production, staging };
}

export interface ScriptRun {
  readonly status: number | null;
  readonly stderr: string;
  /** What bin/rails was called with, one argument a line, call after call; undefined if it was not called. */
  readonly railsArgs?: string;
  /** What bin/kamal was called with; undefined if it was not called. */
  readonly kamalArgs?: string;
  /** The server address bin/kamal saw in its environment. */
  readonly kamalSawAddress?: string;
  /** What bin/kamal saw in each of `addressVariables`; undefined if it was not called. */
  readonly kamalSawAddresses?: Record<string, string>;
}

export interface ScriptRunOptions {
  /** What the bin/rails stand-in prints, as the credentials lookup would. */
  readonly credentialsPrint?: string;
  /** Make the bin/rails stand-in fail (a missing master key, a broken boot). */
  readonly railsFails?: boolean;
  /** The variable bin/kamal should see the address in. @default 'KAMAL_SERVER_IP_ADDRESS' */
  readonly addressVariable?: string;
  /** Further variables whose values bin/kamal reports in `kamalSawAddresses`. @default - none */
  readonly addressVariables?: readonly string[];
}

/**
 * Writes `text` as `name` (with the mode synth gave it) into a fresh app root holding stand-ins for
 * bin/rails and bin/kamal, runs it from another folder with a minimal environment, and reports
 * what the stand-ins saw. Nothing outside the temp folder is touched.
 */
export function runScript(name: string, text: string, executable: boolean, opts: ScriptRunOptions = {}): ScriptRun {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kamal-cdk-script-')));
  try {
    fs.mkdirSync(path.join(root, 'bin'));
    const stub = (file: string, body: string) => fs.writeFileSync(path.join(root, 'bin', file), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    stub('rails', [
      'printf \'%s\\n\' "$@" >> "$(dirname "$0")/../rails.args"',
      'if [[ -n "${FAKE_RAILS_FAILS-}" ]]; then echo "rails: missing master key" >&2; exit 3; fi',
      'printf \'%s\' "${FAKE_CREDENTIALS_PRINT-}"',
    ].join('\n'));
    const variable = opts.addressVariable ?? 'KAMAL_SERVER_IP_ADDRESS';
    const others = opts.addressVariables ?? [];
    stub('kamal', [
      'printf \'%s\' "$*" > "$(dirname "$0")/../kamal.args"',
      `printf '%s' "\${${variable}-}" > "$(dirname "$0")/../kamal.address"`,
      ...others.map((v) => `printf '%s' "\${${v}-}" > "$(dirname "$0")/../kamal.env.${v}"`),
    ].join('\n'));
    const script = path.join(root, name);
    fs.writeFileSync(script, text, { mode: executable ? 0o755 : 0o644 });
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root };
    if (opts.credentialsPrint !== undefined) env.FAKE_CREDENTIALS_PRINT = opts.credentialsPrint;
    if (opts.railsFails) env.FAKE_RAILS_FAILS = '1';
    const r = spawnSync(script, [], { cwd: os.tmpdir(), env, encoding: 'utf8', timeout: 20_000 });
    if (r.error) throw r.error;
    const read = (f: string) => (fs.existsSync(path.join(root, f)) ? fs.readFileSync(path.join(root, f), 'utf8') : undefined);
    const kamalArgs = read('kamal.args');
    const kamalSawAddresses = kamalArgs === undefined ? undefined : Object.fromEntries(others.map((v) => [v, read(`kamal.env.${v}`) ?? '']));
    return { status: r.status, stderr: r.stderr, railsArgs: read('rails.args'), kamalArgs, kamalSawAddress: read('kamal.address'), kamalSawAddresses };
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** `bash -n`: the script parses. */
export function bashSyntaxCheck(text: string): { status: number | null; stderr: string } {
  const r = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, stderr: r.stderr };
}

/** A config without destinations (config/deploy.tools.yml) whose web and jobs roles run on the hosts given. */
export function toolsDeploy(scope: App, hosts: { readonly web: string; readonly jobs: string }): KamalDeploy {
  return new KamalDeploy(scope, 'tools', {
    service: 'tools',
    file: 'config/deploy.tools.yml',
    image: 'acme/tools',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [hosts.web] }, jobs: { hosts: [hosts.jobs] } },
  });
}
