import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { Annotations, App, JsonFile, MANIFEST_PATH, Testing, TextFile, YamlFile } from '../../src';
import { readTree, synthIn, tempDir } from './helpers';

function estate(app: App): void {
  new YamlFile(app, 'deploy', { path: 'config/deploy.yml', obj: { service: 'demo' } });
  new TextFile(app, 'run', { path: 'bin/run', executable: true, commentPrefix: '#', lines: ['#!/bin/sh'] });
  new JsonFile(new Construct(app, 'nested'), 'data', { path: 'data.json', obj: { a: 1 } });
}

test('Testing.synth returns exactly the files synth writes, without the manifest', () => {
  // GIVEN
  const out = path.join(tempDir(), 'out');
  synthIn(out, [], estate);
  const written = readTree(out);
  const app = Testing.app();
  estate(app);

  // WHEN
  const files = Testing.synth(app);

  // THEN
  expect(Object.keys(files)).toEqual(['bin/run', 'config/deploy.yml', 'data.json']);
  expect(written[MANIFEST_PATH]).toBeDefined();
  delete written[MANIFEST_PATH];
  expect(files).toEqual(written);
});

test('Testing.synth touches no disk, even for an App with an output folder', () => {
  // GIVEN
  const out = path.join(tempDir(), 'out');
  const app = new App({ outdir: out });
  estate(app);

  // WHEN
  Testing.synth(app);

  // THEN
  expect(fs.existsSync(out)).toBe(false);
  expect(fs.readdirSync(path.dirname(out))).toEqual([]);
});

test('Testing.synth throws with every error, formatted as the command line prints them', () => {
  // GIVEN
  const app = Testing.app();
  estate(app);
  new Construct(app, 'b').node.addValidation({ validate: () => ['second'] });
  new Construct(app, 'a').node.addValidation({ validate: () => ['first'] });

  // WHEN
  const synth = () => Testing.synth(app);

  // THEN
  expect(synth).toThrow('Validation failed with the following errors:\n  error [a] first\n  error [b] second');
});

test('Testing.synthesize exposes warnings, and strict turns them into errors', () => {
  // GIVEN
  const app = Testing.app();
  estate(app);
  Annotations.of(app.node.findChild('deploy')).addWarning('w', 'hazard');

  // WHEN
  const lenient = Testing.synthesize(app);
  const strict = Testing.synthesize(app, true);

  // THEN
  expect(lenient.errors).toEqual([]);
  expect(lenient.warnings.map((w) => w.message)).toEqual(['hazard']);
  expect(strict.warnings).toEqual([]);
  expect(strict.errors.map((e) => e.path)).toEqual(['deploy']);
  expect(() => Testing.synth(app)).not.toThrow();
});

test('an App reads no command line: flags on argv change nothing', () => {
  // GIVEN
  const saved = process.argv;
  process.argv = [...saved.slice(0, 2), '--check', '--strict', '--outdir', 'elsewhere'];

  // WHEN
  let app: App;
  try {
    app = Testing.app();
  } finally {
    process.argv = saved;
  }

  // THEN
  expect(app.strict).toBe(false);
  expect(app.outdir).toBe(path.resolve('out'));
  expect(app.outdirGiven).toBe(false);
});
