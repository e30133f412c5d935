import * as ini from 'ini';
import { IniFile, Testing } from '../../src';

test('an INI value, key or section with a line break is refused: it would be read as another key', () => {
  // GIVEN
  const value = Testing.app();
  new IniFile(value, 'grafana', { path: 'grafana.ini', obj: { security: { admin_user: 'admin\nadmin_password = x' } } });
  const key = Testing.app();
  new IniFile(key, 'grafana', { path: 'grafana.ini', obj: { security: { 'a\rb': 'x' } } });
  const section = Testing.app();
  new IniFile(section, 'grafana', { path: 'grafana.ini', obj: { 'sec\0': { a: 'x' } } });

  // THEN
  expect(Testing.errors(value)).toEqual([
    'error [grafana] out/grafana.ini: could not render: value of security.admin_user contains the control character U+000A (line feed) at offset 5; INI values are one line — remove it',
  ]);
  expect(Testing.errors(key)).toEqual([expect.stringContaining('key "a\\rb" in security contains the control character U+000D (carriage return)')]);
  expect(Testing.errors(section)).toEqual([expect.stringContaining('section or key "sec\\u0000" contains the control character U+0000 (NUL)')]);
});

test('a control character that enters through an override is refused too', () => {
  // GIVEN
  const app = Testing.app();
  const file = new IniFile(app, 'grafana', { path: 'grafana.ini', obj: { server: { domain: 'grafana.example.com' } } });

  // WHEN
  file.addOverride('server.root_url', 'https://x\x7f');

  // THEN
  expect(Testing.errors(app)).toEqual([expect.stringContaining('value of server.root_url contains the control character U+007F (DEL)')]);
});

test('printable INI values render and read back', () => {
  // GIVEN
  const app = Testing.app();
  new IniFile(app, 'grafana', { path: 'grafana.ini', marker: false, obj: { server: { domain: 'grafana.example.com', root_url: '%(protocol)s://%(domain)s/' } } });

  // THEN
  expect(ini.parse(Testing.synth(app)['grafana.ini'])).toEqual({ server: { domain: 'grafana.example.com', root_url: '%(protocol)s://%(domain)s/' } });
});
