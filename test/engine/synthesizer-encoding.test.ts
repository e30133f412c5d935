import { Construct } from 'constructs';
import { JsonFile, Testing, TextFile, YamlFile } from '../../src';

test('a lone surrogate in a value is a synth error naming the construct and where, and the file is not emitted', () => {
  // GIVEN: half of 😀 (U+D83D U+DE00), as a string cut in the middle of the emoji
  const app = Testing.app();
  const group = new Construct(app, 'site');
  new TextFile(group, 'notes', { path: 'notes.txt', lines: ['fine', `cut: ${'😀'.slice(0, 1)}!`] });
  new TextFile(app, 'ok', { path: 'ok.txt', lines: ['😀 whole'] });

  // WHEN
  const s = Testing.synthesize(app);

  // THEN
  expect(s.errors).toEqual([
    {
      severity: 'error',
      path: 'site/notes',
      message: "out/notes.txt: line 2, column 6 holds a lone surrogate U+D83D, which UTF-8 can't encode (a string cut in the middle of an emoji or other character outside the BMP?); fix the value",
    },
  ]);
  expect(s.files.map((f) => f.path)).toEqual(['.kamal-cdk/manifest.json', 'ok.txt']);
});

test('YAML and JSON write a lone surrogate as an escape, which UTF-8 holds: no error, and the same bytes every synth', () => {
  // GIVEN
  const app = Testing.app();
  new YamlFile(app, 'y', { path: 'a.yml', obj: { key: `x${'😀'.slice(1)}` } });
  new JsonFile(app, 'j', { path: 'b.json', obj: { key: '\uDFFF' } });

  // WHEN
  const s = Testing.synthesize(app);

  // THEN
  expect(s.errors).toEqual([]);
  const text = Object.fromEntries(s.files.map((f) => [f.path, f.content]));
  expect(text['a.yml']).toContain('key: "x\\ude00"\n');
  expect(text['b.json']).toContain('"key": "\\udfff"');
  expect(Buffer.from(text['a.yml'], 'utf8').toString('utf8')).toBe(text['a.yml']);
});
