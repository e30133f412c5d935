import { Construct } from 'constructs';
import { FileBase, FileBaseProps } from './file';
import { parseYaml, stringifyYaml, YamlDialect } from './yaml';

/** Props of a MarkdownFile: FileBase's, plus its frontmatter and body. */
export interface MarkdownFileProps extends FileBaseProps {
  /**
   * The YAML frontmatter (`title`, `description`, ...), written first between `---` lines, where
   * static site generators (Astro, Starlight) look for it. A function is called at synth.
   * @default - no frontmatter
   */
  readonly frontmatter?: Readonly<Record<string, unknown>> | (() => Readonly<Record<string, unknown>>);
  /** The Markdown body, without the frontmatter. A function is called at synth. */
  readonly body: string | (() => string);
}

/** A Markdown document read back: its frontmatter (parsed as YAML) and its body. */
export interface MarkdownDocument {
  /** The frontmatter mapping; undefined when the file has none. */
  readonly frontmatter?: unknown;
  /** Everything after the frontmatter. */
  readonly body: string;
}

/**
 * A Markdown page. The marker is an HTML comment, which Markdown renderers keep out of the page,
 * placed after the frontmatter: Astro and other generators read frontmatter only at the very
 * start of the file.
 */
export class MarkdownFile extends FileBase {
  /** Splits a Markdown text into its frontmatter (parsed as YAML 1.2, as Astro reads it) and body. */
  public static read(text: string): MarkdownDocument {
    const m = /^---\n([\s\S]*?\n)?---\n/.exec(text);
    if (!m) return { body: text };
    return { frontmatter: parseYaml(m[1] ?? '', YamlDialect.YAML_1_2), body: text.slice(m[0].length) };
  }

  private readonly frontmatter: MarkdownFileProps['frontmatter'];
  private readonly body: MarkdownFileProps['body'];

  constructor(scope: Construct, id: string, props: MarkdownFileProps) {
    super(scope, id, props);
    this.frontmatter = props.frontmatter;
    this.body = props.body;
  }

  /** The document as a site generator reads it: the frontmatter and the body. */
  public parse(text: string): MarkdownDocument {
    return MarkdownFile.read(text);
  }

  protected renderBody(): string {
    const fm = typeof this.frontmatter === 'function' ? this.frontmatter() : this.frontmatter;
    const body = typeof this.body === 'function' ? this.body() : this.body;
    if (fm === undefined) return body;
    return `---\n${stringifyYaml(fm)}---\n${body}`;
  }

  protected markerLine(): string {
    // `--` may not appear inside an HTML comment.
    return `<!-- ${this.marker.replace(/--/g, '- -')} -->`;
  }

  /** The marker right after the frontmatter, or first when there is none. */
  protected placeMarker(body: string): string {
    const m = /^---\n[\s\S]*?\n?---\n/.exec(body);
    if (!m) return `${this.markerLine()}\n${body}`;
    return `${m[0]}${this.markerLine()}\n${body.slice(m[0].length)}`;
  }
}
