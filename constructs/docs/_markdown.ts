/**
 * Internal: the few Markdown and Mermaid forms the operations page writes, each escaped for the
 * place it goes. Not exported from the folder.
 */

/** A GitHub-flavoured Markdown table; every row has the header's number of cells. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  for (const r of rows) {
    if (r.length !== header.length) throw new Error(`table row has ${r.length} cells, the header ${header.length}: ${JSON.stringify(r)}`);
  }
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)];
}

/** A table cell: one line, `|` escaped (also inside code spans, as GFM tables read them), never empty. */
function cell(text: string): string {
  const one = text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
  return one === '' ? '—' : one;
}

/** An inline code span that holds `text` whatever backquotes it contains. */
export function code(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A list of code spans, joined. */
export function codes(list: readonly string[], sep: string): string {
  return list.map(code).join(sep);
}

/** A fenced block (three or more backquotes and the language) whose fence no line of the body can close. */
export function fenced(lang: string, lines: readonly string[]): string[] {
  const longest = Math.max(0, ...lines.map((l) => (l.match(/^\s*(`+)/)?.[1].length ?? 0)));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, ...lines, fence];
}

/**
 * Text for a quoted Mermaid label (`["..."]`, `|"..."|`) or a sequence message: Mermaid's entity
 * codes for the characters that would end or reinterpret it. `;` ends a statement in a sequence
 * diagram, `#` starts an entity, `%%` a comment.
 */
export function mermaidText(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/#/g, '#35;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;')
    .replace(/;/g, '#59;')
    .replace(/%/g, '#37;')
    .replace(/`/g, '#96;');
}

/** A quoted Mermaid label. */
export function label(text: string): string {
  return `"${mermaidText(text)}"`;
}
