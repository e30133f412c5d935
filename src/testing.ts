import { IConstruct } from 'constructs';
import { formatDiagnostic } from './annotations';
import { App } from './app';
import { MANIFEST_PATH, synthesize, Synthesis } from './synthesizer';

/** Helpers for tests: the same pipeline as `npm run synth`, without touching disk. */
export class Testing {
  /** An App for a test: nothing is written unless the test asks. */
  public static app(): App {
    return new App();
  }

  /** Every emitted file (without the manifest) as `{ 'config/deploy.yml': text }`; throws on errors. */
  public static synth(root: IConstruct): Record<string, string> {
    const s = Testing.synthesize(root);
    if (s.errors.length > 0) {
      throw new Error(`Validation failed with the following errors:\n${s.errors.map((e) => `  ${formatDiagnostic(e)}`).join('\n')}`);
    }
    const out: Record<string, string> = {};
    for (const f of s.files) if (f.path !== MANIFEST_PATH) out[f.path] = f.content;
    return out;
  }

  /** The whole synthesis (files, errors, warnings), for tests of what goes wrong. */
  public static synthesize(root: IConstruct, strict = false): Synthesis {
    return synthesize(root, { strict });
  }

  /** The error messages, formatted as the command line prints them. */
  public static errors(root: IConstruct): string[] {
    return Testing.synthesize(root).errors.map(formatDiagnostic);
  }
}
