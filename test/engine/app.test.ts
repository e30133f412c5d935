import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import { Annotations, App, MANIFEST_PATH, SynthError, Testing, TextFile } from '../../src';
import { tempDir } from './helpers';

describe('App as the root', () => {
  test('App.of finds the App from any construct in its tree', () => {
    // GIVEN
    const app = Testing.app();
    const deep = new Construct(new Construct(app, 'a'), 'b');

    // THEN
    expect(App.of(deep)).toBe(app);
    expect(App.isApp(app)).toBe(true);
    expect(App.isApp(deep)).toBe(false);
  });

  test('App.of outside an App says so with the construct path', () => {
    // GIVEN
    const root = new Construct(undefined as any, 'loose');
    const child = new Construct(root, 'child');

    // THEN
    expect(() => App.of(child)).toThrow('[loose/child] is not in an App; create it under new App()');
  });

  test('the output folder defaults to out/ under the working directory', () => {
    // GIVEN
    const app = new App();

    // THEN
    expect(app.outdir).toBe(path.resolve('out'));
    expect(app.outdirGiven).toBe(false);
    expect(new App({ outdir: 'build' }).outdirGiven).toBe(true);
  });
});

describe('App.synth() without the kamal-cdk command (as cdk8s apps run)', () => {
  test('writes the output folder and returns the synthesis', () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    const app = new App({ outdir: out });
    new TextFile(app, 'a', { path: 'a.txt', lines: ['a'] });

    // WHEN
    const s = app.synth();

    // THEN
    expect(s.errors).toEqual([]);
    expect(fs.readFileSync(path.join(out, 'a.txt'), 'utf8')).toBe('a\n');
    expect(fs.existsSync(path.join(out, MANIFEST_PATH))).toBe(true);
  });

  test('throws a SynthError listing every error, and writes nothing', () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    const app = new App({ outdir: out });
    new TextFile(app, 'a', { path: 'a.txt', lines: ['a'] });
    new Construct(app, 'b').node.addValidation({ validate: () => ['second', 'first'] });

    // WHEN
    let thrown: unknown;
    try {
      app.synth();
    } catch (e) {
      thrown = e;
    }

    // THEN
    expect(thrown).toBeInstanceOf(SynthError);
    expect((thrown as Error).message).toBe('Validation failed with the following errors (nothing was written):\n  error [b] first\n  error [b] second');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('strict makes an unacknowledged warning an error', () => {
    // GIVEN
    const out = path.join(tempDir(), 'out');
    const app = new App({ outdir: out, strict: true });
    const a = new TextFile(app, 'a', { path: 'a.txt', lines: ['a'] });
    Annotations.of(a).addWarning('demo:w', 'a hazard');

    // THEN
    expect(() => app.synth()).toThrow("error [a] a hazard (warning 'demo:w' under --strict; fix it or acknowledge it with a reason)");
    expect(fs.existsSync(out)).toBe(false);
  });
});
