import { createHash } from 'crypto';
/**
 * ERB as Kamal runs it on a deploy file before YAML (`ERB.new(template, trim_mode: "-").result`),
 * for the forms real configs use: `<%= ENV["X"] %>`, `ENV.fetch("X")`, `ENV.fetch("X", "d")`,
 * `ENV.fetch("X") { "d" }`, `a || b`, string and integer literals, `.to_i`/`.to_s`/`.strip`,
 * comments `<%# %>`, `<%%` and `-%>` / `<%-` trimming. Anything else is not run: its tag becomes
 * an opaque placeholder and a warning names the line.
 */

/** Something a tag could not give, with where it is. */
export interface ErbNote {
  /** The 1-based line of the tag. */
  readonly line: number;
  /** What went wrong, in words for the user. */
  readonly message: string;
}

/** A tag that was not evaluated: its placeholder stands in the rendered text. */
export interface OpaqueTag {
  /** The plain-scalar-safe word that stands for the tag in the rendered text. */
  readonly placeholder: string;
  /** The tag as written. */
  readonly tag: string;
  /** The 1-based line of the tag. */
  readonly line: number;
  /**
   * Names the tag reads that code tags of the template define (`<% name = ... %>`, block
   * parameters, constants, instance variables, methods): without those tags, Ruby raises NameError.
   */
  readonly readsLocals: string[];
}

/** How a tag's value came about, for import: an environment reference keeps its ERB. */
export interface EnvTag {
  /** The word that stands for the tag in the rendered text. */
  readonly placeholder: string;
  /** The tag as kamal-cdk writes it back (`<%= ENV["X"] %>`, `<%= ENV.fetch("X") %>`...). */
  readonly tag: string;
  /** The environment variables it reads. */
  readonly names: string[];
}

/** An environment variable a tag read that is not set. */
export interface UnsetVariable {
  /** The 1-based line of the tag. */
  readonly line: number;
  /** The variable. */
  readonly name: string;
}

/** A rendered template and what could not be rendered. */
export interface ErbResult {
  /** The text YAML reads. */
  readonly text: string;
  /** Tags not run or not evaluated, by line. */
  readonly warnings: ErbNote[];
  /** What Kamal would raise while rendering (an unset `ENV.fetch` without a default). */
  readonly errors: ErbNote[];
  /** The tags not evaluated, and their placeholders. */
  readonly opaque: OpaqueTag[];
  /** Only with `keepEnv`: the placeholders that stand for environment references. */
  readonly envTags: EnvTag[];
  /** Environment variables a tag read that are not set (ERB gave nil for `ENV["X"]`). */
  readonly unset: UnsetVariable[];
}

/** How to render. */
export interface ErbOptions {
  /** The environment ERB reads. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Leave each output tag that reads ENV as a placeholder (listed in `envTags`) instead of its
   * value, so an importer can write it back as ERB.
   * @default false
   */
  readonly keepEnv?: boolean;
}

const OPAQUE_PREFIX = 'kamal_cdk_erb_opaque_';
const ENV_PREFIX = 'kamal_cdk_erb_env_';

/**
 * The placeholder of a tag: named by its text, so the same tag has the same placeholder in every
 * file of a repository and two tags never share one (a counter per file gave the first tag of
 * deploy.staging.yml the placeholder of deploy.yml's first), and all of one length, so none is
 * the start of another.
 */
function placeholderOf(prefix: string, tag: string): string {
  return `${prefix}${createHash('sha256').update(tag).digest('hex').slice(0, 16)}`;
}

/** Whether a string contains an opaque placeholder, and which tags. */
export function opaqueIn(s: string, opaque: readonly OpaqueTag[]): OpaqueTag[] {
  if (!s.includes(OPAQUE_PREFIX)) return [];
  return opaque.filter((o) => s.includes(o.placeholder));
}

/** Renders `template`; never throws. */
export function renderErb(template: string, options: ErbOptions): ErbResult {
  const warnings: ErbNote[] = [];
  const opaque: OpaqueTag[] = [];
  const envTags: EnvTag[] = [];
  const unset: UnsetVariable[] = [];
  const errors: ErbNote[] = [];
  // Names that code tags define, and the expression of each opaque tag.
  const locals = new Set<string>();
  const opaqueExpr: string[] = [];
  let out = '';
  let i = 0;
  const lineAt = (pos: number) => template.slice(0, pos).split('\n').length;
  while (i < template.length) {
    const open = template.indexOf('<%', i);
    if (open < 0) {
      out += template.slice(i);
      break;
    }
    if (template.startsWith('<%%', open)) {
      out += template.slice(i, open) + '<%';
      i = open + 3;
      continue;
    }
    let text = template.slice(i, open);
    const close = template.indexOf('%>', open + 2);
    const line = lineAt(open);
    if (close < 0) {
      warnings.push({ line, message: 'ERB tag is not closed with %>; the rest of the file is kept as text' });
      out += template.slice(i);
      break;
    }
    let body = template.slice(open + 2, close);
    let end = close + 2;
    // `<%-`: the indentation before the tag goes when only blanks precede it on its line.
    if (body.startsWith('-')) {
      body = body.slice(1);
      const lineStart = text.lastIndexOf('\n') + 1;
      if (/^[ \t]*$/.test(text.slice(lineStart))) text = text.slice(0, lineStart);
    }
    // `-%>`: the newline after the tag goes.
    if (body.endsWith('-')) {
      body = body.slice(0, -1);
      if (template.startsWith('\r\n', end)) end += 2;
      else if (template.startsWith('\n', end)) end += 1;
    }
    out += text;
    i = end;
    const tag = template.slice(open, close + 2);
    if (body.startsWith('#')) continue;
    if (!body.startsWith('=')) {
      for (const name of localsSetBy(body)) locals.add(name);
      warnings.push({ line, message: `ERB code tag ${oneLine(tag)} is not run (only output tags are evaluated); its text around it is kept as if it were absent` });
      continue;
    }
    const expr = body.slice(1).trim();
    let value: EvalResult;
    try {
      value = evaluate(expr, options.env);
    } catch (e) {
      value = { kind: 'opaque', why: (e as Error).message };
    }
    if (value.kind !== 'value') {
      const placeholder = placeholderOf(OPAQUE_PREFIX, tag);
      // As written: joining its lines would change the Ruby (a line break ends a statement, a
      // comment would swallow the rest), so a tag that spans lines is refused by synth.
      opaque.push({ placeholder, tag, line, readsLocals: [] });
      opaqueExpr.push(expr);
      if (value.kind === 'raise') errors.push({ line, message: value.message });
      else warnings.push({ line, message: `ERB ${oneLine(tag)} can't be evaluated here (${value.why}); its value is unknown to every check` });
      out += placeholder;
      continue;
    }
    for (const name of value.envNames) if (options.env[name] === undefined) unset.push({ line, name });
    if (options.keepEnv && value.envNames.length > 0 && value.canonical !== undefined) {
      const erbTag = `<%= ${value.canonical} %>`;
      const placeholder = placeholderOf(ENV_PREFIX, erbTag);
      if (!envTags.some((t) => t.placeholder === placeholder)) envTags.push({ placeholder, tag: erbTag, names: value.envNames });
      out += placeholder;
    } else {
      out += value.value;
    }
  }
  // A code tag after the output tag may set the name as well (in a loop); ERB's order does not matter here.
  const withLocals = opaque.map((o, k) => ({ ...o, readsLocals: [...locals].filter((name) => readsName(opaqueExpr[k], name)) }));
  return { text: out, warnings, errors, opaque: withLocals, envTags, unset };
}

/**
 * The names a code tag's Ruby defines for later tags: local variables (`a = `, `a ||= `,
 * `a, b = `, `for a in`, block parameters `|a, (b, c)|`), constants (`A = `), instance and
 * global variables (`@a = `, `$a = `) and methods (`def a`).
 */
function localsSetBy(ruby: string): string[] {
  const code = rubyCode(ruby);
  const names: string[] = [];
  const NAME = '[@$]{0,2}[A-Za-z_][A-Za-z0-9_]*';
  const TARGET = `\\*?${NAME}`;
  // One whitespace-and-punctuation run between the targets and the operator: linear, however long.
  for (const m of code.matchAll(new RegExp(`(^|[^\\w.@$:])\\(?(${TARGET}(?:[ \\t]*,[ \\t]*${TARGET})*)[\\s,)]*(?:\\|\\||&&|[-+*/%|&^]|<<|>>|\\*\\*)?=(?![=~>])`, 'g'))) {
    names.push(...m[2].split(',').map((n) => n.trim().replace(/^\*/, '')));
  }
  for (const m of code.matchAll(/\bdef\s+(?:self\.)?([A-Za-z_][A-Za-z0-9_]*[?!]?)/g)) names.push(m[1]);
  for (const m of code.matchAll(/\bfor\s+([^]*?)\s+in\b/g)) names.push(...paramNames(m[1]));
  for (const m of code.matchAll(/\brescue\b[^;\n]*?=>\s*([a-z_][A-Za-z0-9_]*)/g)) names.push(m[1]);
  for (const m of code.matchAll(/\|([^|]*)\|/g)) names.push(...paramNames(m[1]));
  return [...new Set(names)];
}

/** The names in a parameter list: `a, (b, c), *d, &e, f = 1, g:`. */
function paramNames(list: string): string[] {
  return [...list.matchAll(/(?:^|[\s,(*&])([a-z_][A-Za-z0-9_]*)(?=\s*(?:[,)=:]|$))/g)].map((m) => m[1]);
}

/**
 * Whether Ruby `expr` reads `name`: not as a method of something, not inside a string, not
 * inside a block of the tag whose own parameter it is.
 */
function readsName(expr: string, name: string): boolean {
  let code = rubyCode(expr);
  // Blank the blocks `{ |...name...| ... }` and `do |...name...| ... end` of the tag itself.
  for (;;) {
    const b = [...code.matchAll(/(\{|\bdo)\s*\|([^|]*)\|/g)].find((x) => paramNames(x[2]).includes(name));
    if (!b) break;
    const start = b.index!;
    let end = code.length;
    if (b[1] === '{') {
      let depth = 0;
      for (let j = start; j < code.length; j++) {
        if (code[j] === '{') depth++;
        else if (code[j] === '}' && --depth === 0) {
          end = j + 1;
          break;
        }
      }
    } else {
      const close = /\bend\b/.exec(code.slice(start));
      if (close) end = start + close.index + 3;
    }
    code = code.slice(0, start) + ' '.repeat(end - start) + code.slice(end);
  }
  const escaped = name.replace(/[$?!]/g, (c) => `\\${c}`);
  // Not a hash label (`name: 1`), not assigned here (`name = ...`); a range's end (`1..name`) is a read.
  return new RegExp(`(^|[^\\w.@$:]|\\.\\.)${escaped}(?![\\w?!]|:(?!:)|\\s*=[^=~>])`).test(code);
}

/**
 * Ruby source with what is not code blanked: the text of string literals (the code of their
 * `#{...}` kept), symbols' quoted names, `%w[]`/`%i[]` lists and comments.
 */
function rubyCode(src: string): string {
  let out = '';
  let i = 0;
  const n = src.length;
  // The code inside a literal from i (its opening delimiter already read) to `close`: only interpolations.
  const literal = (interpolates: boolean, close: string, open?: string): void => {
    let depth = 0;
    while (i < n) {
      const c = src[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (interpolates && c === '#' && src[i + 1] === '{') {
        i += 2;
        out += ` ${codeUntil('}')} `;
        continue;
      }
      i++;
      if (open !== undefined && c === open) depth++;
      else if (c === close && depth-- === 0) return;
    }
  };
  // Code up to the `close` that ends it (an interpolation's `}`), literals inside blanked.
  const codeUntil = (close: string): string => {
    const before = out;
    out = '';
    let depth = 0;
    while (i < n) {
      const c = src[i];
      if (c === close && depth === 0) {
        i++;
        break;
      }
      if (c === '{') depth++;
      else if (c === '}') depth--;
      step();
    }
    const code = out;
    out = before;
    return code;
  };
  const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', '<': '>' };
  const step = (): void => {
    const c = src[i];
    // A literal leaves an operand (0) behind, so that a `%` or `/` after it reads as an operator.
    let k = out.length - 1;
    while (k >= 0 && /\s/.test(out[k])) k--;
    const operand = k >= 0 && /[\w)\]}]/.test(out[k]);
    if (c === '"' || c === '`') {
      i++;
      out += ' 0';
      literal(true, c);
    } else if (c === "'") {
      i++;
      out += ' 0';
      literal(false, "'");
    } else if (c === '?' && !operand && /^[^\s\w]$/.test(src[i + 1] ?? '') ) {
      // A character literal (?' ?"), not the ternary operator.
      i += 2;
      out += ' 0';
    } else if (c === '/' && !operand) {
      // A regex (where an operand is expected); a division otherwise.
      i++;
      out += ' 0';
      literal(true, '/');
    } else if (c === '%' && !operand && /^(?:[qQwWiIxr][([{<|!/]|[([{<|!/])/.test(src.slice(i + 1, i + 3))) {
      const kind = /[([{<|!/]/.test(src[i + 1]) ? 'Q' : src[i + 1];
      const open = kind === 'Q' && /[([{<|!/]/.test(src[i + 1]) ? src[i + 1] : src[i + 2];
      i += open === src[i + 1] ? 2 : 3;
      out += ' 0';
      literal('QWIxr'.includes(kind), PAIRS[open] ?? open, PAIRS[open] ? open : undefined);
    } else if (c === ':' && src[i + 1] === '"') {
      i += 2;
      out += ' 0';
      literal(true, '"');
    } else if (c === '#') {
      while (i < n && src[i] !== '\n') i++;
    } else {
      out += c;
      i++;
    }
  };
  while (i < n) step();
  return out;
}

/**
 * The tag with its single-quoted Ruby strings written double-quoted, and the single-quoted words
 * of its backtick commands likewise, when that provably means the same: kamal-cdk single-quotes
 * ERB values in YAML, which would double a `'` inside the tag. Only plain tags are rewritten:
 * strings without `"`, `\\` or `#` inside, commands without `"`, `\\`, `#` or `$`, and no `/`,
 * `?`, `%` or comment in the code (a regex, a character literal, a `%q()` or `%x()` literal could
 * hold a quote of another meaning). Any other tag, or one with a `'` left, is returned as it was.
 */
export function withDoubleQuotedLiterals(tag: string): string {
  const m = /^(<%=)([\s\S]*?)(-?%>)$/.exec(tag);
  if (!m || !m[2].includes("'")) return tag;
  const body = m[2];
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === "'" || c === '"' || c === '`') {
      const end = body.indexOf(c, i + 1);
      if (end < 0) return tag;
      const text = body.slice(i + 1, end);
      if (c === "'") {
        if (/["\\#]/.test(text)) return tag;
        out += `"${text}"`;
      } else if (c === '"') {
        if (/[\\']/.test(text)) return tag;
        out += body.slice(i, end + 1);
      } else {
        if (/["\\#$]/.test(text)) return tag;
        out += `\`${text.replace(/'([^']*)'/g, '"$1"')}\``;
      }
      i = end + 1;
    } else if ('/?%#'.includes(c)) {
      return tag;
    } else {
      out += c;
      i++;
    }
  }
  return out.includes("'") ? tag : `${m[1]}${out}${m[3]}`;
}

/** A tag on one line, as a message shows it. */
export function oneLine(tag: string): string {
  return tag.replace(/\s+/g, ' ');
}

type RubyValue = string | number | null;

type EvalResult =
  | { kind: 'value'; value: string; envNames: string[]; canonical?: string }
  | { kind: 'opaque'; why: string }
  /** What Kamal would raise rendering the tag in this environment. */
  | { kind: 'raise'; message: string };

/** A tiny parser for the expressions ERB tags in deploy files hold. */
function evaluate(expr: string, env: Readonly<Record<string, string | undefined>>): EvalResult {
  const p = new Parser(expr, env);
  const v = p.orExpr();
  p.skip();
  if (p.pos < expr.length) return { kind: 'opaque', why: `unsupported Ruby at '${expr.slice(p.pos, p.pos + 20)}'` };
  // Ruby's KeyError, as Kamal prints it (`ERROR (KeyError): key not found: "X"`).
  if (p.unsetFetch.length > 0) return { kind: 'raise', message: `key not found: ${JSON.stringify(p.unsetFetch[0])} (ENV.fetch without a default; ${p.unsetFetch[0]} is not set here)` };
  return { kind: 'value', value: v.value === null ? '' : String(v.value), envNames: p.envNames, canonical: v.canonical };
}

interface Val {
  value: RubyValue;
  /** The expression rewritten in kamal-cdk's spelling (double quotes), when it is one we write back. */
  canonical?: string;
}

class Parser {
  public pos = 0;
  public readonly envNames: string[] = [];
  public readonly unsetFetch: string[] = [];

  constructor(private readonly s: string, private readonly env: Readonly<Record<string, string | undefined>>) {}

  public skip(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  private eat(token: string): boolean {
    this.skip();
    if (this.s.startsWith(token, this.pos)) {
      this.pos += token.length;
      return true;
    }
    return false;
  }

  private expect(token: string): void {
    if (!this.eat(token)) throw new Error(`expected '${token}' at '${this.s.slice(this.pos, this.pos + 20)}'`);
  }

  public orExpr(): Val {
    let left = this.postfix();
    while (this.eat('||')) {
      const right = this.postfix();
      const canonical = left.canonical !== undefined && right.canonical !== undefined ? `${left.canonical} || ${right.canonical}` : undefined;
      left = { value: left.value === null ? right.value : left.value, canonical };
    }
    return left;
  }

  private postfix(): Val {
    let v = this.primary();
    for (;;) {
      this.skip();
      const m = /^\.(to_i|to_s|strip|to_str)\b/.exec(this.s.slice(this.pos));
      if (!m) break;
      this.pos += m[0].length;
      const method = m[1];
      if (method === 'to_i') v = { value: rubyToI(v.value), canonical: v.canonical !== undefined ? `${v.canonical}.to_i` : undefined };
      else if (method === 'strip') v = { value: v.value === null ? fail('undefined method strip for nil') : String(v.value).trim(), canonical: v.canonical !== undefined ? `${v.canonical}.strip` : undefined };
      else v = { value: v.value === null ? '' : String(v.value), canonical: v.canonical !== undefined ? `${v.canonical}.${method}` : undefined };
    }
    return v;
  }

  private primary(): Val {
    this.skip();
    if (this.eat('(')) {
      const v = this.orExpr();
      this.expect(')');
      return { value: v.value, canonical: v.canonical !== undefined ? `(${v.canonical})` : undefined };
    }
    const str = this.stringLiteral();
    if (str !== undefined) return { value: str, canonical: JSON.stringify(str) };
    const num = /^-?\d+(?:_\d+)*/.exec(this.s.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      const n = Number(num[0].replace(/_/g, ''));
      return { value: n, canonical: String(n) };
    }
    if (this.eat('nil')) return { value: null, canonical: 'nil' };
    if (this.s.startsWith('ENV', this.pos)) {
      this.pos += 3;
      if (this.eat('[')) {
        const name = this.envName();
        this.expect(']');
        this.envNames.push(name);
        return { value: this.env[name] ?? null, canonical: `ENV[${JSON.stringify(name)}]` };
      }
      if (this.eat('.fetch')) {
        this.expect('(');
        const name = this.envName();
        this.envNames.push(name);
        let fallback: Val | undefined;
        if (this.eat(',')) fallback = this.orExpr();
        this.expect(')');
        if (!fallback && this.eat('{')) {
          // `{ |key| ... }` takes the key; the forms seen in configs ignore it.
          if (this.eat('|')) {
            while (this.pos < this.s.length && this.s[this.pos] !== '|') this.pos++;
            this.expect('|');
          }
          fallback = this.orExpr();
          this.expect('}');
          const value = this.env[name] ?? fallback.value;
          return { value, canonical: fallback.canonical !== undefined ? `ENV.fetch(${JSON.stringify(name)}) { ${fallback.canonical} }` : undefined };
        }
        if (fallback) {
          return { value: this.env[name] ?? fallback.value, canonical: fallback.canonical !== undefined ? `ENV.fetch(${JSON.stringify(name)}, ${fallback.canonical})` : undefined };
        }
        if (this.env[name] === undefined) this.unsetFetch.push(name);
        return { value: this.env[name] ?? null, canonical: `ENV.fetch(${JSON.stringify(name)})` };
      }
    }
    throw new Error(`unsupported Ruby at '${this.s.slice(this.pos, this.pos + 20)}'`);
  }

  private envName(): string {
    const s = this.stringLiteral();
    if (s === undefined) throw new Error('ENV takes a string literal here');
    return s;
  }

  /** `"..."` (with the escapes configs use, no interpolation) or `'...'`. */
  private stringLiteral(): string | undefined {
    this.skip();
    const q = this.s[this.pos];
    if (q !== '"' && q !== "'") return undefined;
    let out = '';
    let j = this.pos + 1;
    while (j < this.s.length && this.s[j] !== q) {
      if (this.s[j] === '\\' && j + 1 < this.s.length) {
        const c = this.s[j + 1];
        if (q === "'") out += c === "'" || c === '\\' ? c : `\\${c}`;
        else if (c === 'n') out += '\n';
        else if (c === 't') out += '\t';
        else out += c;
        j += 2;
        continue;
      }
      if (q === '"' && this.s[j] === '#' && this.s[j + 1] === '{') throw new Error('string interpolation is not evaluated');
      out += this.s[j++];
    }
    if (j >= this.s.length) throw new Error('unterminated string');
    this.pos = j + 1;
    return out;
  }
}

function fail(message: string): never {
  throw new Error(message);
}

/** Ruby `String#to_i`: leading integer, else 0; nil.to_i is 0. */
function rubyToI(v: RubyValue): number {
  if (v === null) return 0;
  if (typeof v === 'number') return Math.trunc(v);
  const m = /^\s*([-+]?\d+(?:_\d+)*)/.exec(v);
  return m ? Number(m[1].replace(/_/g, '')) : 0;
}
