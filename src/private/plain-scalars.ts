/**
 * Which scalars need no read-back proof (src/yaml.ts proves every other one by a real round trip).
 */

/**
 * Strings that every YAML reader (1.1, 1.2 core, Psych, Go's yaml, libyaml) takes as plain strings:
 * a letter or `/`, then letters, digits and `_ . / : @ -`, not ending in `:` and not a bool/null
 * word; or such words (without `:`) joined by single spaces. No number, date, base-60, symbol,
 * alias, tag, comment or indicator starts that way (`@` and `:` mean something only at the start,
 * or before a space), so they need no proof; every other scalar is proved by a real round trip.
 * One exception starts with a letter: the yaml package reads an exponent without a mantissa
 * (`e3`, `E-2`) as a float.
 */
const PLAIN_STRING = /^[A-Za-z/][A-Za-z0-9_./:@-]*$/;
const PLAIN_WORDS = /^[A-Za-z/][A-Za-z0-9_./@-]*(?: [A-Za-z0-9_./@-]+)+$/;
const BARE_EXPONENT = /^[eE][-+]?[0-9]+$/;
const KEYWORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null']);

/** Whether `s` is such a string. */
export function obviouslyString(s: string): boolean {
  if (PLAIN_STRING.test(s)) return !s.endsWith(':') && !KEYWORDS.has(s.toLowerCase()) && !BARE_EXPONENT.test(s);
  return PLAIN_WORDS.test(s);
}

/** Scalars that read back as themselves in every reader without proof: such strings, and integers a double holds exactly. */
export function obviouslyReadsBack(v: string | number): boolean {
  return typeof v === 'string' ? obviouslyString(v) : Number.isSafeInteger(v) && !Object.is(v, -0);
}
