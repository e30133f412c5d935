/**
 * The scalars the YAML renderer takes on sight as reading back unchanged (src/private/plain-scalars.ts)
 * are proved here once, wholesale, against the readers: real Psych (Ruby's YAML, which Kamal uses)
 * and the yaml package in YAML 1.1 and 1.2. Everything else is proved at synth by a round trip.
 */
import { spawnSync } from 'child_process';
import { parseYaml, stringifyYaml, YamlDialect } from '../../src';
import { obviouslyReadsBack, obviouslyString } from '../../src/private/plain-scalars';

/** A deterministic pseudo-random sequence (mulberry32), so a failure names a string that stays. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings near the edge: the characters the rule allows, and those it must keep out, in short runs. */
function candidates(count: number): string[] {
  const next = random(20261129);
  const alphabet = 'aAyYnNoOfFtTeE01239_./:@- #&*!|>%\'",[]{}?~=+\t';
  const words = ['yes', 'No', 'on', 'OFF', 'true', 'null', 'Null', '~', 'y', 'n', '.inf', '.nan', '0x1F', '0o17', '1_000', '1:20', '2026-11-29', ':sym', 'a:', 'a: b', '@x', '/etc/x:ro', 'set up'];
  const out = new Set<string>(words);
  while (out.size < count) {
    const len = 1 + Math.floor(next() * 10);
    let s = '';
    for (let i = 0; i < len; i++) s += next() < 0.15 ? words[Math.floor(next() * words.length)] : alphabet[Math.floor(next() * alphabet.length)];
    out.add(s);
  }
  return [...out];
}

/** What Psych reads from a map: [class, text] of each key and each value, in order. */
function psychRead(yamlText: string): Array<[string, string]> {
  const script = 'h = YAML.unsafe_load($stdin.read); puts JSON.generate(h.flat_map { |k, v| [[k.class.name, k.to_s], [v.class.name, v.to_s]] })';
  const r = spawnSync('ruby', ['-ryaml', '-rjson', '-rdate', '-e', script], { input: yamlText, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Array<[string, string]>;
}

/** The same for a model: a string is a String, an integer an Integer. */
function typed(model: Record<string, string | number>): Array<[string, string]> {
  const one = (v: string | number): [string, string] => [typeof v === 'string' ? 'String' : 'Integer', String(v)];
  return Object.entries(model).flatMap(([k, v]) => [one(k), one(v)]);
}

describe('the scalars that need no read-back proof', () => {
  const accepted = candidates(40_000).filter(obviouslyString);
  const integers = [0, 1, -1, 7, 10, 22, 3000, 65535, -273, 2 ** 53 - 1, -(2 ** 53 - 1)];

  test('the rule accepts a good share of the candidates, and the ones it must', () => {
    // THEN: enough to mean something, and the everyday shapes are in
    expect(accepted.length).toBeGreaterThan(1000);
    expect(accepted.filter((s) => s.includes(' ')).length).toBeGreaterThan(100);
    expect(accepted.filter((s) => s.includes('@')).length).toBeGreaterThan(100);
    expect(accepted.filter((s) => s.startsWith('/')).length).toBeGreaterThan(100);
    for (const s of ['Set up pnpm', 'actions/checkout@v4', '/etc/registry-auth:/etc/registry-auth:ro', 'db.internal', 'a-b_c']) expect(obviouslyString(s)).toBe(true);
    for (const s of ['yes', 'On', 'null', 'a:', 'a: b', '1:20', '.inf', ':sym', '@x', 'a #b', 'a  b', ' a', 'a ', '~', '0x1F', '-', 'e3', 'E-2']) expect(obviouslyString(s)).toBe(false);
    expect([1.5, NaN, Infinity, -0, 2 ** 53].map(obviouslyReadsBack)).toEqual([false, false, false, false, false]);
  });

  test.each([YamlDialect.YAML_1_1, YamlDialect.YAML_1_2])('each accepted string and integer, rendered as a value and as a key for YAML %s, reads back as itself in Psych and in the yaml package', (dialect) => {
    // GIVEN
    const values = Object.fromEntries([...accepted, ...integers].map((v, i) => [`v${i}`, v]));
    const keys = Object.fromEntries(accepted.map((s) => [s, 0]));

    // WHEN
    const texts = [stringifyYaml(values, { dialect }), stringifyYaml(keys, { dialect })];

    // THEN: every string is emitted plain (nothing quoted it to make it safe), and reads back
    const lines = new Set(texts[1].split('\n'));
    expect(accepted.filter((s) => !lines.has(`${s}: 0`))).toEqual([]);
    for (const [text, model] of [[texts[0], values], [texts[1], keys]] as const) {
      expect(psychRead(text)).toEqual(typed(model));
      expect(parseYaml(text, YamlDialect.YAML_1_1)).toEqual(model);
      expect(parseYaml(text, YamlDialect.YAML_1_2)).toEqual(model);
    }
  });
});
