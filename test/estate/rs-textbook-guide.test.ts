/**
 * The real estate (synth.ts): every fact of shared/ESTATE.md asserted on the parsed output, and
 * every emitted file guarded by a snapshot keyed by its path.
 */
import * as fs from 'fs';
import * as path from 'path';
import { deepMerge } from '../../constructs/kamal';
import { Erb, parseYaml, Testing, YamlDialect } from '../../src';
import { buildEstate } from '../../synth';
import { runScript } from '../rails/deploy-fixture';

const app = Testing.app();
buildEstate(app);
const synthesis = Testing.synthesize(app);
const files = Testing.synth(app);
const yaml = (p: string): any => parseYaml(files[p]);
const merged = (dest: string): any => deepMerge(yaml('config/deploy.yml'), yaml(`config/deploy.${dest}.yml`));
const production = merged('production');
const staging = merged('staging');
const registry = yaml('config/deploy.registry.yml');
const observability = yaml('config/deploy.observability.yml');
const IP = '<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>';

describe('the estate synthesizes', () => {
  test('with no errors, and exactly the hazards the operations page records as warnings', () => {
    expect(synthesis.errors).toEqual([]);
    expect([...new Set(synthesis.warnings.map((w) => w.id))]).toEqual(['rails:action-cable-without-redis', 'rails:uploads-on-local-disk']);
    expect(synthesis.acknowledged.map((w) => w.id)).toEqual(['rails:tls-at-proxy']);
  });
});

describe('one host, many services', () => {
  test('no address is written anywhere: every deploy file takes its hosts from KAMAL_SERVER_IP_ADDRESS through ERB', () => {
    // Loopback, any-address and Docker's embedded DNS are the only addresses allowed in out/.
    const allowed = new Set(['127.0.0.1', '0.0.0.0', '127.0.0.11']);
    for (const [p, text] of Object.entries(files)) {
      const addresses = (text.match(/\b\d{1,3}(\.\d{1,3}){3}\b/g) ?? []).filter((a) => !allowed.has(a));
      expect({ file: p, addresses }).toEqual({ file: p, addresses: [] });
    }
    expect(production.servers.web.hosts).toEqual([IP]);
    expect(staging.servers.web.hosts).toEqual([IP]);
    for (const cfg of [production, staging, registry, observability]) {
      for (const a of Object.values<any>(cfg.accessories)) expect(a.host).toBe(IP);
    }
    // What Kamal does: ERB first, then YAML; the host reads back as the address string.
    const rendered = parseYaml(Erb.render(files['config/deploy.yml'], { KAMAL_SERVER_IP_ADDRESS: '203.0.113.5' })) as any;
    expect(rendered.servers.web.hosts).toEqual(['203.0.113.5']);
  });

  test('kamal-proxy terminates TLS for every domain; the Rails app gets forward_headers', () => {
    expect(production.proxy).toMatchObject({ host: 'guide.suubutsuseminar.com', ssl: true, forward_headers: true });
    expect(staging.proxy).toMatchObject({ host: 'guide-stg.suubutsuseminar.com', ssl: true, forward_headers: true });
    expect(registry.accessories.registry.proxy).toMatchObject({ host: 'repo.suubutsuseminar.com', ssl: true });
    expect(registry.accessories['docker-auth-proxy'].proxy).toMatchObject({ host: 'repo.suubutsuseminar.com', path_prefixes: ['/auth'], ssl: true });
    expect(observability.accessories.grafana.proxy).toMatchObject({ host: 'grafana.suubutsuseminar.com', ssl: true });
  });

  test('only production is public: staging has Basic auth, the registry token auth, Grafana its login', () => {
    expect(production.env.clear.BASIC_AUTH_ENABLED).toBeUndefined();
    expect(staging.env.clear.BASIC_AUTH_ENABLED).toBe('true');
    expect(staging.env.secret).toEqual(expect.arrayContaining(['BASIC_AUTH_USERNAME', 'BASIC_AUTH_PASSWORD']));
    expect(production.env.secret).not.toContain('BASIC_AUTH_PASSWORD');
    expect(yaml('config/registry/config.yml').auth.token).toBeDefined();
    expect(observability.accessories.grafana.env.clear).toMatchObject({ GF_AUTH_ANONYMOUS_ENABLED: 'false', GF_USERS_ALLOW_SIGN_UP: 'false' });
  });
});

describe('production and staging, same host, separated', () => {
  const facts = [
    ['production', 'rs-textbook-guide', 'daichi-629/rs-textbook-guide', 'postgres', 'rs-textbook-guide-postgres', 5432, 'rs_textbook_guide_production', 'rs_textbook_guide_production_cache', 'rs_textbook_guide_storage', 'data'],
    ['staging', 'rs-textbook-guide-staging', 'daichi-629/rs-textbook-guide-staging', 'postgres-staging', 'rs-textbook-guide-staging-postgres-staging', 5433, 'rs_textbook_guide_staging', 'rs_textbook_guide_staging_cache', 'rs_textbook_guide_storage-staging', 'data-staging'],
  ] as const;

  test.each(facts)('%s: service %s, image %s, Postgres accessory %s reached as %s:%i, databases %s and %s, volumes %s and %s', (dest, service, image, accessory, dbHost, port, primary, cache, storage, dbVolume) => {
    const cfg = merged(dest);
    expect(cfg.service).toBe(service);
    expect(cfg.image).toBe(image);
    expect(`${cfg.service}-${accessory}`).toBe(dbHost); // Kamal's accessory container name
    expect(cfg.env.clear).toMatchObject({ DB_HOST: dbHost, DB_PORT: String(port), DB_NAME: primary, CACHE_DB_NAME: cache });
    const db = cfg.accessories[accessory];
    expect(db.image).toBe('postgres:18');
    expect(db.port).toBe(`127.0.0.1:${port}:${port}`);
    expect(db.env.clear.POSTGRES_DB).toBe(primary);
    expect(files[db.files[0].split(':')[0]]).toContain(`CREATE DATABASE ${cache};`);
    expect(db.volumes).toEqual([`${dbVolume}:/var/lib/postgresql`]);
    expect(cfg.volumes).toEqual([`${storage}:/app/storage`]);
  });

  test('service names, DB names, DB ports and volumes never collide between the two', () => {
    const keys = (cfg: any) => [cfg.service, cfg.env.clear.DB_NAME, cfg.env.clear.CACHE_DB_NAME, cfg.env.clear.DB_PORT, ...cfg.volumes, ...Object.values<any>(cfg.accessories).flatMap((a) => a.volumes)];
    const a = keys(production);
    const b = keys(staging);
    expect(a.filter((x) => b.includes(x))).toEqual([]);
  });

  test('the Rails app: health check /up, journald logging with tag rails-web, clear and secret env apart', () => {
    for (const cfg of [production, staging]) {
      expect(cfg.proxy.healthcheck).toEqual({ path: '/up' });
      expect(cfg.servers.web.logging).toEqual({ driver: 'journald', options: { tag: 'rails-web' } });
      expect(cfg.env.secret).toEqual(expect.arrayContaining(['RAILS_MASTER_KEY', 'POSTGRES_PASSWORD']));
      expect(Object.keys(cfg.env)).toEqual(['clear', 'secret']);
    }
    expect(yaml('config/deploy.yml').require_destination).toBe(true);
  });
});

describe('private registry', () => {
  test('Kamal\'s common registry is repo.suubutsuseminar.com, user admin, password secret KAMAL_REGISTRY_PASSWORD', () => {
    expect(yaml('config/deploy.yml').registry).toEqual({ server: 'repo.suubutsuseminar.com', username: 'admin', password: ['KAMAL_REGISTRY_PASSWORD'] });
  });

  test('registry, docker-auth and docker-auth-proxy in config/deploy.registry.yml, which does not log in to itself', () => {
    expect(Object.keys(registry.accessories).sort()).toEqual(['docker-auth', 'docker-auth-proxy', 'registry']);
    expect(registry.registry.server).not.toBe('repo.suubutsuseminar.com');
    expect(registry.registry.server).toMatch(/^localhost:/);
    expect(registry.accessories.registry.volumes).toContain('docker-registry:/var/lib/registry');
    expect(registry.accessories.registry.proxy.healthcheck).toEqual({ path: '/' });
    expect(registry.accessories['docker-auth-proxy'].proxy.healthcheck).toEqual({ path: '/up' });
  });

  test('docker-auth signs with the certificate and key under /etc/registry-auth; the registry trusts that certificate', () => {
    const auth = yaml('config/registry/docker_auth/auth_config.yml.erb');
    const reg = yaml('config/registry/config.yml');
    expect(auth.token.certificate).toBe('/etc/registry-auth/token.crt');
    expect(auth.token.key).toBe('/etc/registry-auth/token.key');
    expect(reg.auth.token.rootcertbundle).toBe(auth.token.certificate);
    expect(reg.auth.token.issuer).toBe(auth.token.issuer);
    expect(reg.auth.token.realm).toBe('https://repo.suubutsuseminar.com/auth');
  });

  test('docker-auth-proxy forwards repo.suubutsuseminar.com/auth to docker-auth', () => {
    const conf = files['config/registry/nginx/docker-auth-proxy.conf'];
    expect(conf).toContain(`http://${registry.service}-docker-auth:5001`);
    expect(conf).toMatch(/location \/auth \{\s+proxy_pass \$\w+;/);
  });
});

describe('observability', () => {
  test.each([
    ['loki', 'grafana/loki:3.4.1', 'loki-data'],
    ['fluent-bit', 'fluent/fluent-bit:4.2.2', 'fluentbit-state'],
    ['grafana', 'grafana/grafana:12.3.1', 'grafana-data'],
  ])('%s runs %s with volume %s', (name, image, volume) => {
    const a = observability.accessories[name];
    expect(a.image).toBe(image);
    expect(a.volumes.some((v: string) => v.startsWith(`${volume}:`))).toBe(true);
  });

  test('Fluent Bit collects rails-web, ssh.service and sudo from journald and ships to rs-textbook-guide-observability-loki:3100', () => {
    const fb = yaml('config/observability/fluent-bit.yaml');
    expect(observability.service).toBe('rs-textbook-guide-observability');
    expect(fb.pipeline.inputs[0].systemd_filter).toEqual(['SYSLOG_IDENTIFIER=rails-web', '_SYSTEMD_UNIT=ssh.service', 'SYSLOG_IDENTIFIER=sudo']);
    expect(fb.pipeline.outputs[0]).toMatchObject({ name: 'loki', host: 'rs-textbook-guide-observability-loki', port: 3100 });
  });

  test('Grafana\'s default datasource is Loki, provisioned; health check /api/health', () => {
    const ds = yaml('config/observability/grafana/datasources.yaml');
    expect(ds.datasources).toEqual([expect.objectContaining({ type: 'loki', isDefault: true, url: 'http://rs-textbook-guide-observability-loki:3100' })]);
    expect(observability.accessories.grafana.proxy.healthcheck).toEqual({ path: '/api/health' });
    expect(observability.accessories.grafana.env.secret).toEqual(['GF_SECURITY_ADMIN_PASSWORD']);
  });
});

describe('secrets, by name only', () => {
  const lines = (p: string) => files[p].split('\n').filter((l) => l && !l.startsWith('#'));

  test('common, staging-only and observability secrets are where Kamal reads them', () => {
    expect(lines('.kamal/secrets-common').map((l) => l.split('=')[0])).toEqual(['KAMAL_REGISTRY_PASSWORD', 'POSTGRES_PASSWORD', 'RAILS_MASTER_KEY']);
    expect(lines('.kamal/secrets.staging').map((l) => l.split('=')[0])).toEqual(['BASIC_AUTH_PASSWORD', 'BASIC_AUTH_USERNAME']);
    expect(lines('.kamal/secrets').map((l) => l.split('=')[0])).toEqual(['GF_SECURITY_ADMIN_PASSWORD']);
    expect(files['.kamal/secrets.production']).toBeUndefined();
  });

  test('every secrets line is a reference ($VAR or $(command)), never a value', () => {
    for (const p of Object.keys(files).filter((f) => f.startsWith('.kamal/'))) {
      for (const l of lines(p)) expect(l).toMatch(/^[A-Z_][A-Z0-9_]*=\$(\(|[A-Z_])/);
    }
  });
});

describe('deploy flow', () => {
  const workflow = (name: string): any => yaml(`.github/workflows/${name}`);
  const deployStep = (wf: any) => wf.jobs.deploy.steps.find((s: any) => s.id === 'deploy');
  const file = (p: string) => synthesis.files.find((f) => f.path === p);
  const destinations = [
    ['staging', 'deploy-staging.yml'],
    ['production', 'deploy-production.yml'],
  ] as const;

  test('staging deploys from GitHub Actions on push to main or by hand; production only by hand', () => {
    expect(workflow('deploy-staging.yml').on).toEqual({ push: { branches: ['main'] }, workflow_dispatch: {} });
    expect(workflow('deploy-production.yml').on).toEqual({ workflow_dispatch: {} });
  });

  test('the four scripts sit at the app root and are written executable; nothing else is', () => {
    const scripts = ['deploy_production.sh', 'deploy_staging.sh', 'setup_production.sh', 'setup_staging.sh'];
    for (const p of scripts) expect({ p, executable: file(p)?.executable }).toEqual({ p, executable: true });
    expect(synthesis.files.filter((f) => f.executable).map((f) => f.path)).toEqual(scripts);
  });

  test.each([
    ['setup_staging.sh', 'setup', 'staging'],
    ['deploy_staging.sh', 'deploy', 'staging'],
    ['setup_production.sh', 'setup', 'production'],
    ['deploy_production.sh', 'deploy', 'production'],
  ])('%s exports KAMAL_SERVER_IP_ADDRESS from the credentials kamal.server_ip, then runs bin/kamal %s -d %s', (p, verb, dest) => {
    const text = files[p];
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('#!/usr/bin/env bash');
    expect(lines[1]).toMatch(/^# Generated by kamal-cdk/);
    expect(lines).toContain('set -euo pipefail');
    // The variable is the one the deploy files' hosts read.
    expect(Erb.envNames(IP)).toEqual(['KAMAL_SERVER_IP_ADDRESS']);
    expect(lines).toContain(`KAMAL_SERVER_IP_ADDRESS="$(bin/rails runner 'print Rails.application.credentials.dig(:kamal, :server_ip).to_s')"`);
    expect(lines).toContain('export KAMAL_SERVER_IP_ADDRESS');
    expect(lines[lines.length - 1]).toBe(`exec bin/kamal ${verb} -d ${dest}`);
    // And run for real: the address reaches Kamal, an empty one stops the script before Kamal.
    const ok = runScript(p, text, file(p)!.executable, { credentialsPrint: '203.0.113.5' });
    expect(ok).toMatchObject({ status: 0, kamalArgs: `${verb} -d ${dest}`, kamalSawAddress: '203.0.113.5' });
    const empty = runScript(p, text, file(p)!.executable, { credentialsPrint: '' });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('kamal.server_ip in the Rails credentials is empty');
    expect(empty.kamalArgs).toBeUndefined();
  });

  test.each(destinations)('the %s workflow: checkout, Ruby setup, SSH setup, host keys pinned, Docker Buildx setup, then the deploy script', (dest, name) => {
    const steps = workflow(name).jobs.deploy.steps;
    expect(steps.map((s: any) => s.uses ?? s.id ?? s.run)).toEqual([
      'actions/checkout@v4',
      'ruby/setup-ruby@v1',
      'webfactory/ssh-agent@v0.9.1',
      'pin-host-keys',
      'docker/setup-buildx-action@v3',
      'deploy',
    ]);
    expect(steps[5].run).toBe(`./deploy_${dest}.sh`);
    expect(steps[3].env).toEqual({ SSH_KNOWN_HOSTS: '${{ vars.SSH_KNOWN_HOSTS }}' });
    expect(steps[3].run).toContain('StrictHostKeyChecking yes');
    expect(steps[1].with).toEqual({ 'bundler-cache': true });
    expect(steps[2].with).toEqual({ 'ssh-private-key': '${{ secrets.SSH_PRIVATE_KEY }}' });
  });

  test.each(destinations)('the %s workflow never runs two deploys of the destination at once', (dest, name) => {
    expect(workflow(name).concurrency).toEqual({ group: `deploy-${dest}`, 'cancel-in-progress': false });
    expect(workflow(name).jobs.deploy.environment.name).toBe(dest);
  });

  test.each(destinations)('the %s workflow passes every variable the secrets files read, plus RAILS_MASTER_KEY, each from the GitHub secret of its name', (dest, name) => {
    const read = new Set(['RAILS_MASTER_KEY']);
    for (const p of ['.kamal/secrets-common', `.kamal/secrets.${dest}`]) {
      for (const l of (files[p] ?? '').split('\n')) {
        const m = /^[A-Z_][A-Z0-9_]*=\$([A-Z_][A-Z0-9_]*)$/.exec(l);
        if (m) read.add(m[1]);
      }
    }
    const env = deployStep(workflow(name)).env;
    expect(Object.keys(env).sort()).toEqual([...read].sort());
    for (const [k, v] of Object.entries(env)) expect(v).toBe(`\${{ secrets.${k} }}`);
    expect(env).not.toHaveProperty('KAMAL_SERVER_IP_ADDRESS');
  });

  test('the staging workflow carries the Basic auth secrets; production\'s does not', () => {
    expect(Object.keys(deployStep(workflow('deploy-staging.yml')).env)).toEqual(expect.arrayContaining(['BASIC_AUTH_USERNAME', 'BASIC_AUTH_PASSWORD']));
    expect(deployStep(workflow('deploy-production.yml')).env).not.toHaveProperty('BASIC_AUTH_PASSWORD');
  });

  test('docs: on push to main touching docs/**, pnpm run build in docs/, then wrangler pages deploy dist with the Cloudflare secrets', () => {
    const docs = workflow('deploy-docs.yml');
    expect(docs.on).toEqual({ push: { branches: ['main'], paths: ['docs/**'] } });
    const job = docs.jobs.deploy;
    expect(job.defaults.run['working-directory']).toBe('docs');
    const runs = job.steps.filter((s: any) => s.run).map((s: any) => s.run);
    expect(runs).toEqual([
      'pnpm install --frozen-lockfile',
      'pnpm run build',
      'npx --yes wrangler@4 pages deploy dist --project-name=rs-textbook-guide-docs --branch=main',
    ]);
    expect(deployStep(docs).env).toEqual({
      CLOUDFLARE_ACCOUNT_ID: '${{ secrets.CLOUDFLARE_ACCOUNT_ID }}',
      CLOUDFLARE_API_TOKEN: '${{ secrets.CLOUDFLARE_API_TOKEN }}',
    });
  });

  test('every workflow quotes the key on for YAML 1.1 and reads the same as YAML 1.2; actions are pinned', () => {
    for (const name of ['deploy-docs.yml', 'deploy-production.yml', 'deploy-staging.yml']) {
      const text = files[`.github/workflows/${name}`];
      expect(text).toMatch(/^"on":$/m);
      expect(parseYaml(text, YamlDialect.YAML_1_2)).toEqual(parseYaml(text, YamlDialect.YAML_1_1));
      for (const s of (parseYaml(text) as any).jobs.deploy.steps) if (s.uses) expect(s.uses).toMatch(/@v\d+(\.\d+\.\d+)?$/);
    }
  });
});

describe('guards', () => {
  test.each(Object.keys(files).sort())('emitted file %s matches its snapshot', (p) => {
    expect(files[p]).toMatchSnapshot();
  });

  test('the set of emitted paths equals the set of snapshot keys: no file slips in or out unguarded', () => {
    const snap = path.join(__dirname, '__snapshots__', `${path.basename(__filename)}.snap`);
    const keys = Object.keys(require(snap)).map((k) => k.replace(/^guards emitted file (.*) matches its snapshot 1$/, '$1')).sort();
    expect(keys).toEqual(Object.keys(files).sort());
  });

  test('synth is deterministic: a second build of the estate gives the same bytes', () => {
    const again = Testing.app();
    buildEstate(again);
    expect(Testing.synth(again)).toEqual(files);
    expect(fs.existsSync(path.join(__dirname, '..', '..', 'out'))).toBe(true);
  });

  test('the committed out/ is exactly what synth makes', () => {
    for (const f of synthesis.files) {
      expect(fs.readFileSync(path.join(__dirname, '..', '..', 'out', f.path), 'utf8')).toBe(f.content);
    }
  });
});

