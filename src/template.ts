import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Construct } from 'constructs';
import Handlebars from 'handlebars';
import { loadWithCodeCache } from './code-cache';
import { ownCacheDir, writeCacheFile } from './private/own-cache';
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
const COMPILE_OPTIONS = Object.freeze({ strict: true, noEscape: true });
/** Templates precompiled by Handlebars, with the package's other caches. */
const CACHE_DIR = ownCacheDir('templates');

/**
 * The template at `file`, compiled once per process. Handlebars' precompiled form of it is cached
 * on disk under a key of the template's text, the Handlebars version and the options, so a later
 * run loads a small module (with its code cache) instead of parsing and compiling the template
 * again (about 30 ms a run for the registry's nginx template). Speed only: it is the very code
 * Handlebars.compile would generate.
 */
function compiledTemplate(file: string): HandlebarsTemplateDelegate {
  const text = fs.readFileSync(file, 'utf8');
  const key = createHash('sha256').update(`${Handlebars.VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0${text}`).digest('hex').slice(0, 40);
  const memo = compiled.get(key);
  if (memo) return memo;
  const cacheFile = path.join(CACHE_DIR, `${key}.js`);
  let spec: (TemplateSpecification & { key?: string }) | undefined;
  try {
    spec = loadWithCodeCache(cacheFile) as TemplateSpecification & { key?: string };
  } catch {
    spec = undefined;
  }
  if (spec?.key !== key) {
    // A copy: Handlebars adds its defaults to the options object it is given.
    const source = Handlebars.precompile(text, { ...COMPILE_OPTIONS }) as string;
    writeCacheFile(cacheFile, `module.exports = ${source};\nmodule.exports.key = ${JSON.stringify(key)};\n`);
    spec = new Function(`return ${source};`)() as TemplateSpecification;
  }
  const fn = Handlebars.template(spec);
  compiled.set(key, fn);
  return fn;
}

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
    const fn = compiledTemplate(this.template);
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
