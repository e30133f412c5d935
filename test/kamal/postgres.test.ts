import { Estate } from '../../constructs/estate';
import * as YAML from 'yaml';
import { EndpointAccess, KamalDeploy, KamalSecrets, PostgresAccessory, postgresMajor, SecretSource } from '../../constructs/kamal';
import { Annotations, Testing } from '../../src';

/** A config with one destination and its Postgres; `edit` may override the emitted accessory. */
function estate(props: { version?: number; previousVersion?: number } = {}, edit?: (deploy: KamalDeploy) => void) {
  const app = Testing.app();
  const scope = new Estate(app, 'estate');
  new KamalSecrets(scope, 'secrets', { common: { POSTGRES_PASSWORD: SecretSource.env(), KAMAL_REGISTRY_PASSWORD: SecretSource.env() } });
  const deploy = new KamalDeploy(scope, 'app', {
    service: 'shop',
    image: 'acme/shop',
    registry: { server: 'registry.example.com', username: 'deploy', passwordSecret: 'KAMAL_REGISTRY_PASSWORD' },
    builder: { arch: 'amd64' },
    roles: { web: { hosts: ['10.0.0.1'] } },
    proxy: { hosts: ['shop.example.com'], access: EndpointAccess.public() },
  });
  const production = deploy.addDestination('production');
  const pg = new PostgresAccessory(production, 'postgres', { host: '10.0.0.1', volume: 'data', databases: ['shop'], ...props });
  edit?.(deploy);
  const synth = Testing.synthesize(app);
  const fmt = (d: { path: string; message: string; id?: string }) => `[${d.path}] ${d.message}${d.id ? ` (${d.id})` : ''}`;
  return { app, deploy, pg, errors: synth.errors.map(fmt), warnings: synth.warnings.map(fmt), synth };
}

test('the data volume is mounted where the image keeps its data: /var/lib/postgresql for 18, /var/lib/postgresql/data for 17', () => {
  // WHEN
  const v18 = estate();
  const v17 = estate({ version: 17 });

  // THEN
  expect(v18.errors).toEqual([]);
  expect(v17.errors).toEqual([]);
  expect(v18.deploy.effectiveConfig('production').accessories!.postgres.volumes).toEqual(['data:/var/lib/postgresql']);
  expect(v17.deploy.effectiveConfig('production').accessories!.postgres.volumes).toEqual(['data:/var/lib/postgresql/data']);
  const file = v17.synth.files.find((f) => f.path === 'config/deploy.yml')!;
  expect(YAML.parse(file.content).accessories.postgres.image).toBe('postgres:17');
});

test('an override that moves the image to 17 under an 18 mount is refused: the data would go to an anonymous volume', () => {
  // WHEN
  const { errors } = estate({}, (d) => d.addOverride('accessories.postgres.image', 'postgres:17.2-alpine', 'production'));

  // THEN
  expect(errors).toEqual([
    "[estate/app/production/postgres] accessories/postgres of config/deploy.yml -d production: image 'postgres:17.2-alpine' keeps its data in /var/lib/postgresql/data, a volume of its own in the image, so volume 'data' mounted at /var/lib/postgresql would stay empty and the database would live in an anonymous volume, lost when the container is replaced; mount it at /var/lib/postgresql/data",
  ]);
});

test('an override that mounts 18 the old way is refused', () => {
  // WHEN
  const { errors } = estate({}, (d) => d.addOverride('accessories.postgres.volumes.0', 'data:/var/lib/postgresql/data', 'production'));

  // THEN
  expect(errors).toEqual([
    "[estate/app/production/postgres] accessories/postgres of config/deploy.yml -d production: image 'postgres:18' keeps its data under /var/lib/postgresql (PGDATA /var/lib/postgresql/18/docker), but volume 'data' is mounted at /var/lib/postgresql/data, where 18 writes nothing; mount it at /var/lib/postgresql",
  ]);
});

test('a deletion override that removes the data volume is refused', () => {
  // WHEN
  const { errors } = estate({}, (d) => d.addDeletionOverride('accessories.postgres.volumes', 'production'));

  // THEN
  expect(errors).toEqual([
    "[estate/app/production/postgres] accessories/postgres of config/deploy.yml -d production: image 'postgres:18' keeps its data in /var/lib/postgresql, but no volume is mounted there, so the database would be lost when the container is replaced; mount the data volume at /var/lib/postgresql",
  ]);
});

test('a PGDATA of its own needs a volume at it or above it', () => {
  // WHEN
  const bad = estate({}, (d) => d.addOverride('accessories.postgres.env.clear.PGDATA', '/pgdata/18', 'production'));
  const good = estate({}, (d) => {
    d.addOverride('accessories.postgres.env.clear.PGDATA', '/pgdata/18', 'production');
    d.addOverride('accessories.postgres.volumes.0', 'data:/pgdata', 'production');
  });

  // THEN
  expect(bad.errors).toEqual([expect.stringContaining('PGDATA is /pgdata/18, but no volume is mounted there or above it')]);
  expect(good.errors).toEqual([]);
});

test('an image with no major version is a hazard', () => {
  // WHEN
  const { errors, warnings } = estate({}, (d) => d.addOverride('accessories.postgres.image', 'postgres:latest', 'production'));

  // THEN
  expect(errors).toEqual([]);
  expect(warnings).toEqual([
    "[estate/app/production/postgres] accessories/postgres of config/deploy.yml -d production: image 'postgres:latest' names no PostgreSQL major version, so the next pull may bring a major that can't read the data volume; pin it (postgres:18) (postgres:unknown-major)",
  ]);
});

test('a new major over data of an older one warns that pg_upgrade is needed, until previousVersion is removed', () => {
  // WHEN
  const upgrade = estate({ version: 18, previousVersion: 17 });
  const same = estate({ version: 18, previousVersion: 18 });
  const none = estate({ version: 18 });

  // THEN
  expect(upgrade.errors).toEqual([]);
  expect(upgrade.warnings).toEqual([
    "[estate/app/production/postgres] accessories/postgres of config/deploy.yml -d production: image 'postgres:18' is PostgreSQL 18, but the data in the volume was created by 17, which 18 can't read (and 18 keeps it under /var/lib/postgresql, where 17 kept it in /var/lib/postgresql/data); upgrade the data first (pg_upgrade, or dump and restore into a new volume), then remove previousVersion (postgres:major-upgrade)",
  ]);
  expect(same.warnings).toEqual([]);
  expect(none.warnings).toEqual([]);
});

test('the upgrade warning judges the emitted image, so an override that changes the major warns too, and it can be acknowledged', () => {
  // WHEN
  const { warnings } = estate({ version: 16, previousVersion: 16 }, (d) => {
    d.addOverride('accessories.postgres.image', 'postgres:17', 'production');
  });
  const acked = estate({ version: 17, previousVersion: 16 }, (d) => Annotations.of(d).acknowledge('postgres:major-upgrade', 'upgraded on 2026-11-01'));

  // THEN
  expect(warnings).toEqual([expect.stringContaining("image 'postgres:17' is PostgreSQL 17, but the data in the volume was created by 16, which 17 can't read; upgrade")]);
  expect(acked.warnings).toEqual([]);
  expect(acked.synth.acknowledged.map((a) => a.id)).toEqual(['postgres:major-upgrade']);
});

test('going back to an older major is an error: it can\'t read the newer data', () => {
  // WHEN
  const { errors } = estate({ version: 17, previousVersion: 18 });

  // THEN
  expect(errors).toEqual([expect.stringContaining("image 'postgres:17' is PostgreSQL 17, but the data was created by 18, and an older major can't read a newer one's data; restore a dump into a new volume, or go back to postgres:18")]);
});

test('the major is read from the tag of common Postgres images', () => {
  expect(postgresMajor('postgres:18')).toBe(18);
  expect(postgresMajor('postgres:17.2-alpine')).toBe(17);
  expect(postgresMajor('docker.io/library/postgres:16@sha256:' + 'a'.repeat(64))).toBe(16);
  expect(postgresMajor('pgvector/pgvector:pg17')).toBe(17);
  expect(postgresMajor('timescale/timescaledb:2.17.2-pg17')).toBe(17);
  expect(postgresMajor('postgis/postgis:17-3.5')).toBe(17);
  expect(postgresMajor('localhost:5000/postgres')).toBeUndefined();
  expect(postgresMajor('postgres:latest')).toBeUndefined();
});

test('previousVersion must be a major version', () => {
  expect(() => estate({ previousVersion: 17.5 })).toThrow('[estate/app/production/postgres] previousVersion 17.5 is not a PostgreSQL major version');
});
