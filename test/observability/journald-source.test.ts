import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { KamalDeploy, KamalSecrets, SecretSource } from '../../constructs/kamal';
import { JournaldField, JournaldSource, ObservabilityStack } from '../../constructs/observability';
import { ExitCode } from '../../cli';
import { App, Erb, Testing } from '../../src';
import { synthIn, tempDir } from '../engine/helpers';

const HOST = Erb.env('KAMAL_SERVER_IP_ADDRESS');

/** An observability stack with its admin secret declared, collecting `sources`. */
function stackIn(scope: Construct, sources: JournaldSource[]): ObservabilityStack {
  new KamalSecrets(scope, 'secrets', { withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env() } });
  return new ObservabilityStack(scope, 'observability', { service: 'obs', host: HOST, grafanaDomain: 'grafana.example.com', sources });
}

/** A config whose web role logs into `source` through Docker's journald driver. */
function appLoggingTo(scope: Construct, source: JournaldSource): KamalDeploy {
  return new KamalDeploy(scope, 'shop', {
    service: 'shop',
    registry: { server: 'localhost:5555' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: [HOST], logging: source.dockerLogging, proxy: false } },
  });
}

/** Synths into a temp folder and returns the error lines and whether the folder was created. */
function failedSynth(build: (app: App) => void): { exitCode: ExitCode; errors: string[]; wrote: boolean } {
  const out = path.join(tempDir('kamal-cdk-observability-'), 'out');
  const run = synthIn(out, [], build);
  const errors = run.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error ['));
  return { exitCode: run.exitCode, errors, wrote: fs.existsSync(out) };
}

test('a syslog-identifier source contributes SYSLOG_IDENTIFIER=<identifier> and a description', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const rails = JournaldSource.syslogIdentifier(app, 'rails', 'rails-web', { description: 'Rails containers' });
  const sudo = JournaldSource.syslogIdentifier(app, 'sudo', 'sudo');
  // THEN
  expect(rails.systemdFilter).toBe('SYSLOG_IDENTIFIER=rails-web');
  expect(rails.field).toBe(JournaldField.SYSLOG_IDENTIFIER);
  expect(rails.description).toBe('Rails containers');
  expect(sudo.systemdFilter).toBe('SYSLOG_IDENTIFIER=sudo');
  expect(sudo.description).toBe('journal entries with SYSLOG_IDENTIFIER=sudo');
});

test('a systemd-unit source contributes _SYSTEMD_UNIT=<unit>', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const ssh = JournaldSource.systemdUnit(app, 'ssh', 'ssh.service');
  // THEN
  expect(ssh.systemdFilter).toBe('_SYSTEMD_UNIT=ssh.service');
  expect(ssh.field).toBe(JournaldField.SYSTEMD_UNIT);
});

test('dockerLogging is the journald driver tagged with the identifier, and marks the source as used by Docker', () => {
  // GIVEN
  const app = Testing.app();
  const rails = JournaldSource.syslogIdentifier(app, 'rails', 'rails-web');
  expect(rails.usedForDockerLogging).toBe(false);
  // WHEN
  const logging = rails.dockerLogging;
  // THEN
  expect(logging).toEqual({ driver: 'journald', options: { tag: 'rails-web' } });
  expect(rails.usedForDockerLogging).toBe(true);
});

test('a systemd-unit source can\'t be a container\'s logging, since Docker\'s entries carry docker.service', () => {
  // GIVEN
  const app = Testing.app();
  const ssh = JournaldSource.systemdUnit(app, 'ssh', 'ssh.service');
  // WHEN
  const use = () => ssh.dockerLogging;
  // THEN
  expect(use).toThrow('[ssh] _SYSTEMD_UNIT=ssh.service can\'t be a container\'s logging: Docker\'s journald entries carry _SYSTEMD_UNIT=docker.service');
});

test('a unit without its type suffix is refused, because journald records the full unit name', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const declare = () => JournaldSource.systemdUnit(app, 'ssh', 'ssh');
  // THEN
  expect(declare).toThrow("[ssh] 'ssh' is not a full systemd unit name; journald records _SYSTEMD_UNIT with its suffix, e.g. 'ssh.service'");
});

test('an identifier with a space or an equals sign is refused, since it would change the journal match', () => {
  // GIVEN
  const app = Testing.app();
  // WHEN
  const spaced = () => JournaldSource.syslogIdentifier(app, 'a', 'rails web');
  const assigned = () => JournaldSource.syslogIdentifier(app, 'b', 'tag=x');
  // THEN
  expect(spaced).toThrow("[a] journald source 'rails web' must be non-empty with no spaces or '='");
  expect(assigned).toThrow("[b] journald source 'tag=x' must be non-empty with no spaces or '='");
});

test('JournaldSource.all lists the sources of one App wherever they are declared, in creation order', () => {
  // GIVEN
  const app = Testing.app();
  const other = Testing.app();
  const deep = new Construct(new Construct(app, 'a'), 'b');
  // WHEN
  const first = JournaldSource.syslogIdentifier(app, 'rails', 'rails-web');
  const second = JournaldSource.systemdUnit(deep, 'ssh', 'ssh.service');
  JournaldSource.syslogIdentifier(other, 'sudo', 'sudo');
  // THEN
  expect(JournaldSource.all(app)).toEqual([first, second]);
  expect(JournaldSource.all(second)).toEqual([first, second]);
  expect(JournaldSource.all(other).map((s) => s.value)).toEqual(['sudo']);
});

test('a source that no FluentBit collects fails synth on the source, and nothing is written', () => {
  // GIVEN
  const build = (app: App) => {
    const rails = JournaldSource.syslogIdentifier(app, 'rails', 'rails-web');
    JournaldSource.syslogIdentifier(new Construct(app, 'cron'), 'logs', 'CRON');
    stackIn(app, [rails]);
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
  expect(run.errors).toEqual([
    'error [cron/logs] SYSLOG_IDENTIFIER=CRON is declared but no FluentBit collects it, so its logs never reach Loki — add it with fluentBit.addSource() (or to ObservabilityStack\'s sources), or remove it',
  ]);
  expect(run.wrote).toBe(false);
});

test('a source collected after the stack is built, with addSource, counts as collected', () => {
  // GIVEN
  const app = Testing.app();
  const stack = stackIn(app, [JournaldSource.syslogIdentifier(app, 'rails', 'rails-web')]);
  const cron = JournaldSource.syslogIdentifier(app, 'cron', 'CRON');
  // WHEN
  stack.addSource(cron);
  // THEN
  expect(Testing.errors(app)).toEqual([]);
  expect(cron.collectedBy).toEqual([stack.fluentBit]);
  expect(stack.fluentBit.systemdFilters).toEqual(['SYSLOG_IDENTIFIER=rails-web', 'SYSLOG_IDENTIFIER=CRON']);
});

test('a Docker logging tag that Docker would expand as a template fails synth on the source, and nothing is written', () => {
  // GIVEN
  const tag = 'rails-{{.Name}}';
  const build = (app: App) => {
    const templated = JournaldSource.syslogIdentifier(app, 'rails', tag);
    appLoggingTo(app, templated);
    stackIn(app, [templated]);
  };
  // WHEN
  const run = failedSynth(build);
  // THEN
  expect(run.exitCode).toBe(ExitCode.VALIDATION_FAILED);
  expect(run.errors).toEqual([
    `error [rails] '${tag}' is used as a Docker journald tag, but Docker reads the tag as a Go template and Kamal passes it through a shell, ` +
      `so SYSLOG_IDENTIFIER would not be '${tag}' — use letters, digits, '.', '_', '@' and '-' only (e.g. 'rails-web')`,
  ]);
  expect(run.wrote).toBe(false);
});

test('the same identifier is fine for a program that names itself, where Docker is not involved', () => {
  // GIVEN
  const app = Testing.app();
  const odd = JournaldSource.syslogIdentifier(app, 'odd', 'rails-{{.Name}}');
  // WHEN
  stackIn(app, [odd]);
  // THEN
  expect(Testing.errors(app)).toEqual([]);
});
