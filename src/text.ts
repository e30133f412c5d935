import { Construct } from 'constructs';
import { FileBase, FileBaseProps } from './file';

/** Props of a TextFile: FileBase's, plus its lines. */
export interface TextFileProps extends FileBaseProps {
  /** The lines of the file, without line ends. A function is called at synth. */
  readonly lines: readonly string[] | (() => readonly string[]);
  /**
   * What starts a comment line in this format (`#` for shell and dotenv files), for the marker.
   * @default - no comments, no marker
   */
  readonly commentPrefix?: string;
}

/** A plain text file: shell scripts (with `executable`), dotenv files, anything line-based. */
export class TextFile extends FileBase {
  private readonly lines: TextFileProps['lines'];
  private readonly commentPrefix?: string;

  constructor(scope: Construct, id: string, props: TextFileProps) {
    super(scope, id, props);
    this.lines = props.lines;
    this.commentPrefix = props.commentPrefix;
  }

  protected renderBody(): string {
    const lines = typeof this.lines === 'function' ? this.lines() : this.lines;
    return lines.join('\n');
  }

  protected markerLine(): string | undefined {
    return this.commentPrefix === undefined ? undefined : `${this.commentPrefix} ${this.marker}`;
  }
}
