import * as fs from 'fs';
import { Construct } from 'constructs';
import Handlebars from 'handlebars';
import { FileBase, FileBaseProps, MARKER } from './file';

export interface TemplateFileProps extends FileBaseProps {
  /** Absolute path of the Handlebars template, kept as a file in the repository. */
  readonly template: string;
  /** The values the template reads. A function is called at synth. */
  readonly context: object | (() => object);
  /**
   * What starts a comment line in the rendered format (`#` for nginx), for the marker.
   * @default - no comments, no marker
   */
  readonly commentPrefix?: string;
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/**
 * A text file rendered from a Handlebars template, for formats that have no serializer (nginx).
 * Strict mode: a variable the context lacks is an error, not an empty string. No HTML escaping:
 * these are config files, and values are checked by the constructs that provide them.
 */
export class TemplateFile extends FileBase {
  private readonly template: string;
  private readonly context: TemplateFileProps['context'];
  private readonly commentPrefix?: string;

  constructor(scope: Construct, id: string, props: TemplateFileProps) {
    super(scope, id, props);
    if (!fs.existsSync(props.template)) {
      throw new Error(`[${this.node.path}] template ${props.template} does not exist; templates live beside the construct that uses them`);
    }
    this.template = props.template;
    this.context = props.context;
    this.commentPrefix = props.commentPrefix;
  }

  protected renderBody(): string {
    let fn = compiled.get(this.template);
    if (!fn) {
      fn = Handlebars.compile(fs.readFileSync(this.template, 'utf8'), { strict: true, noEscape: true });
      compiled.set(this.template, fn);
    }
    const ctx = typeof this.context === 'function' ? (this.context as () => object)() : this.context;
    return fn(ctx);
  }

  protected markerLine(): string | undefined {
    return this.commentPrefix === undefined ? undefined : `${this.commentPrefix} ${MARKER}`;
  }
}
