import { ObjectFile } from './object-file';

/** A JSON file: two-space indent, keys in the model's order. JSON has no comments, so no marker. */
export class JsonFile extends ObjectFile {
  /** Parses the text as JSON, for the validator. */
  public parse(text: string): unknown {
    return JSON.parse(text);
  }

  protected renderBody(): string {
    return JSON.stringify(this.toObject(), undefined, 2);
  }

  protected markerLine(): undefined {
    return undefined;
  }
}
