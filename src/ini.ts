import * as ini from 'ini';
import { controlCharProblem } from './_control-chars';
import { ObjectFile } from './object-file';

/**
 * An INI file written by the `ini` package (`key = value`, `[section]`), for consumers that read
 * real INI such as grafana.ini. Not for Fluent Bit's classic format, which is not INI.
 */
export class IniFile extends ObjectFile {
  /** Parses the text as the `ini` package reads it, for the validator. */
  public parse(text: string): unknown {
    return ini.parse(text);
  }

  protected renderBody(): string {
    const doc = this.toObject() as Record<string, unknown>;
    assertSingleLine(doc, []);
    return ini.stringify(doc, { whitespace: true });
  }

  protected markerLine(): string {
    return `; ${this.marker}`;
  }
}

/**
 * INI is one line per key: a section, key or value with a line break or another control
 * character would be cut, quoted or read as another key by the reader, so none may carry one.
 */
function assertSingleLine(v: unknown, path: string[]): void {
  if (typeof v === 'string') {
    const why = controlCharProblem(v);
    if (why) throw new Error(`value of ${path.join('.') || '<root>'} ${why}; INI values are one line — remove it`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => assertSingleLine(x, [...path, String(i)]));
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      const why = controlCharProblem(k);
      if (why) throw new Error(`${path.length ? 'key' : 'section or key'} ${JSON.stringify(k)}${path.length ? ` in ${path.join('.')}` : ''} ${why}; remove it`);
      assertSingleLine(x, [...path, k]);
    }
  }
}
