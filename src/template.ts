import * as fs from 'fs';
import { Construct } from 'constructs';
import Handlebars from 'handlebars';
import { controlCharProblem } from './_control-chars';
import { FileBase, FileBaseProps } from './file';

/** Props of a TemplateFile: FileBase's, plus the template and its values. */
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
 * Strict mode: a variable the context lacks is an error, not an empty string, also where it is a
 * helper's argument (`{{#if tls}}`), which Handlebars' own strict mode lets through. No HTML escaping:
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
    return fn(strictContext(ctx));
  }

  protected markerLine(): string | undefined {
    return this.commentPrefix === undefined ? undefined : `${this.commentPrefix} ${this.marker}`;
  }
}

/**
 * Handlebars' strict mode checks `{{name}}` but looks up helper arguments (`{{#if name}}`,
 * `{{#each name}}`) leniently, so a misspelt condition silently renders as false. Reading the
 * context through this proxy makes any missing key an error; pass `false` or `null` to say a value
 * is absent on purpose.
 */
function strictContext<T>(value: T, path = ''): T {
  if (typeof value === 'string') {
    // A value of a line-based format (nginx, a unit file): a line break would end the directive
    // and start another, a NUL or escape garble it. Multi-line text belongs in the template.
    const why = controlCharProblem(value);
    if (why) throw new Error(`template value ${path || '<context>'} ${why}; values of these formats are one line — remove it`);
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  return new Proxy(value as T & object, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !(key in target)) {
        throw new Error(`"${key}" not defined in the template context; pass false or null to leave it out on purpose`);
      }
      return strictContext(Reflect.get(target, key, receiver), typeof key === 'string' ? (path ? `${path}.${key}` : key) : path);
    },
  });
}
