import { KamalSecrets, SecretSource } from '../../constructs/kamal';
import { Testing } from '../../src';

function secrets() {
  const app = Testing.app();
  const s = new KamalSecrets(app, 'secrets', {
    common: { RAILS_MASTER_KEY: SecretSource.env(), POSTGRES_PASSWORD: SecretSource.env('PG_PASSWORD'), FROM_FILE: SecretSource.command('cat config/master.key') },
    destinations: { staging: { BASIC_AUTH_PASSWORD: SecretSource.env(), API_KEY: SecretSource.adapter({ adapter: '1password', from: 'Vault/Item' }) } },
    withoutDestination: { GF_SECURITY_ADMIN_PASSWORD: SecretSource.env() },
  });
  return s;
}

test('the variables a destination\'s secrets files read are those of the common file and its own, sorted, under their variable names', () => {
  // GIVEN
  const s = secrets();

  // WHEN
  const staging = s.envVariablesRead('staging');

  // THEN
  expect(staging).toEqual(['BASIC_AUTH_PASSWORD', 'PG_PASSWORD', 'RAILS_MASTER_KEY']);
});

test('without a destination, the common file and the plain secrets file are read', () => {
  // GIVEN
  const s = secrets();

  // WHEN
  const none = s.envVariablesRead();

  // THEN
  expect(none).toEqual(['GF_SECURITY_ADMIN_PASSWORD', 'PG_PASSWORD', 'RAILS_MASTER_KEY']);
});

test('a destination with no file of its own reads the common file only', () => {
  // GIVEN
  const s = secrets();

  // WHEN
  const production = s.envVariablesRead('production');

  // THEN
  expect(production).toEqual(['PG_PASSWORD', 'RAILS_MASTER_KEY']);
});

test('commands and adapters are not environment variables and are not listed; secrets added later are', () => {
  // GIVEN
  const s = secrets();
  s.addForDestination('staging', 'SMTP_PASSWORD', SecretSource.env());

  // WHEN
  const staging = s.envVariablesRead('staging');

  // THEN
  expect(staging).not.toContain('FROM_FILE');
  expect(staging).not.toContain('API_KEY');
  expect(staging).toContain('SMTP_PASSWORD');
});
