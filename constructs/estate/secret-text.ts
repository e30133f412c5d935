/**
 * What clear env looks like when it holds a secret. Every function here reads user-supplied text
 * in time linear in its length: a value can be megabytes long, and a backtracking regex over it
 * (the old URL pattern) took seconds per 100 kB.
 */

/** Name endings that say "secret": …PASS, …PWD, …TOKEN, …KEY, …SECRET, …CREDENTIAL(S), and DSN. */
const SECRET_SUFFIXES = ['PASS', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'PWD', 'TOKEN', 'KEY', 'SECRET', 'CREDENTIAL', 'CREDENTIALS'];
/** Words that say "secret" wherever they stand in the name (`SECRET_KEY_BASE`, `TOKEN_AUDIENCE` does not). */
const SECRET_WORDS = new Set(['SECRET', 'PASSWORD', 'PASSWD', 'PASSPHRASE', 'CREDENTIALS', 'DSN']);

/** Whether an env var's name looks like a secret's. */
export function secretLookingName(name: string): boolean {
  const upper = name.toUpperCase();
  if (upper === 'DSN' || upper.endsWith('_DSN')) return true;
  if (SECRET_SUFFIXES.some((s) => upper.endsWith(s))) return true;
  return upper.split('_').some((w) => SECRET_WORDS.has(w));
}

/** Anchored or literal-led patterns only: each runs in linear time on any input. */
const SECRET_VALUE: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/, 'a PEM private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  // Bounded repetitions: "at least N" is the same question as "N", and an unbounded one overflows on megabytes.
  [/\b(gh[pousr]_[A-Za-z0-9]{30}|sk_live_[A-Za-z0-9]{16}|xox[abpr]-[A-Za-z0-9-]{10})/, 'an API token'],
  [/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/, 'a bcrypt hash'],
];

/** What a clear env value looks like if it looks like a secret (`a URL with credentials`), else undefined. */
export function secretLookingValue(value: string): string | undefined {
  if (urlWithCredentials(value)) return 'a URL with credentials';
  const shape = wholeValueShape(value);
  if (shape) return shape;
  return SECRET_VALUE.find(([re]) => re.test(value))?.[1];
}

/**
 * A whole value that is one long hex string, or one long random-looking token (letters and
 * digits, base64/base64url, up to two `=`): a loop, not a regex, since an unbounded repetition
 * over megabytes overflows the regex engine's stack.
 */
function wholeValueShape(value: string): string | undefined {
  if (value.length < 32) return undefined;
  let hex = true;
  let digit = false;
  let letter = false;
  let token = true;
  let body = value.length;
  while (body > 0 && value.length - body < 2 && value[body - 1] === '=') body--;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const isDigit = c >= 48 && c <= 57;
    const isLetter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!(isDigit || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) hex = false;
    if (i < body && !(isDigit || isLetter || c === 43 || c === 47 || c === 95 || c === 45)) token = false;
    if (i >= body && c !== 61) token = false;
    digit ||= isDigit;
    letter ||= isLetter;
    if (!hex && !token) return undefined;
  }
  if (hex) return 'a long hex string (a key?)';
  return token && body >= 40 && digit && letter ? 'a long random-looking string (a key?)' : undefined;
}

const URL_END = new Set(['/', '?', '#', ' ', '\t', '\r', '\n', '"', "'", '<', '>']);

/**
 * Whether the text holds `scheme://user:password@host`. One pass: each `://` is found by
 * indexOf and its authority scanned up to the first `/`, which ends it; the next `://` can
 * only start at or after that `/`, so no character is scanned twice by the authority scan.
 */
export function urlWithCredentials(text: string): boolean {
  let from = 0;
  for (;;) {
    const sep = text.indexOf('://', from);
    if (sep < 0) return false;
    const schemeChar = sep > 0 && /[a-z0-9+.-]/i.test(text[sep - 1]);
    let colon = -1;
    let at = -1;
    let i = sep + 3;
    for (; i < text.length && !URL_END.has(text[i]); i++) {
      if (text[i] === '@') at = i;
      else if (text[i] === ':' && at < 0 && colon < 0) colon = i;
    }
    // user:password@ with both parts non-empty.
    if (schemeChar && at > 0 && colon > sep + 3 && colon < at - 1) return true;
    from = sep + 1;
  }
}
