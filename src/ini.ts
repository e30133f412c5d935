import * as ini from 'ini';
import { MARKER } from './file';
import { ObjectFile } from './object-file';

/**
 * An INI file written by the `ini` package (`key = value`, `[section]`), for consumers that read
 * real INI such as grafana.ini. Not for Fluent Bit's classic format, which is not INI.
 */
export class IniFile extends ObjectFile {
  public parse(text: string): unknown {
    return ini.parse(text);
  }

  protected renderBody(): string {
    return ini.stringify(this.toObject() as Record<string, unknown>, { whitespace: true });
  }

  protected markerLine(): string {
    return `; ${MARKER}`;
  }
}
