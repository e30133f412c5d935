/**
 * Control characters in values that reach a config file. One scan, linear in the text: the same
 * rule for YAML scalars, INI, template values, Kamal values and output paths.
 */

const ANY_CONTROL = /[\x00-\x1f\x7f]/;
const CONTROL_BUT_TAB_LF = /[\x00-\x08\x0b-\x1f\x7f]/;

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape',
  0x7f: 'DEL',
};

/**
 * Why `s` can't be written as one value, or undefined: the first C0 control character or DEL in
 * it, named. `multiLine` allows tab and line feed, for text that is legitimately several lines (a
 * YAML block scalar holding a script or a file body).
 */
export function controlCharProblem(s: string, multiLine = false): string | undefined {
  const i = s.search(multiLine ? CONTROL_BUT_TAB_LF : ANY_CONTROL);
  if (i < 0) return undefined;
  const code = s.charCodeAt(i);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const name = NAMES[code] ? ` (${NAMES[code]})` : '';
  return `contains the control character U+${hex}${name} at offset ${i}`;
}
