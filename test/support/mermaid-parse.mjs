// Parses Mermaid diagrams with Mermaid's own parser (the `mermaid` package's `mermaid.parse`), for
// tests: reads a JSON array of diagram texts on stdin, prints a JSON array of results, one per
// diagram: `{ ok: true, type }` or `{ ok: false, error }`. Mermaid is ESM-only and sanitises labels
// with DOMPurify, which needs a DOM: jsdom provides one, no browser is involved.
import { JSDOM } from 'jsdom';

const { window } = new JSDOM('');
globalThis.window = window;
globalThis.document = window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    const r = await mermaid.parse(text);
    results.push({ ok: true, type: r.diagramType });
  } catch (e) {
    results.push({ ok: false, error: String(e && e.message ? e.message : e) });
  }
}
process.stdout.write(JSON.stringify(results));
