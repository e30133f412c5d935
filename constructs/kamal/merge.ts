/**
 * Kamal's destination merge and its inverse (DESIGN.md principle 2, reference/kamal.md §1).
 *
 * `kamal -d <dest>` loads `deploy.yml`, then deep-merges `deploy.<dest>.yml` over it with
 * ActiveSupport's `Hash#deep_merge`. The model knows each destination's *effective* config;
 * `splitDestinations` derives the files, `verifyMerge` proves them by merging back.
 *
 * Key order caveat: these are plain JS objects, so integer-like keys (`"0"`, `"10"`) iterate
 * first and ascending whatever order they were set in. Ruby keeps insertion order for every key.
 * No Kamal key the model writes is integer-like; the comparisons here ignore hash key order.
 */

/** A YAML document as the model builds it and `yaml` renders it. */
export type YamlValue = null | boolean | number | string | YamlValue[] | { [k: string]: YamlValue };

type YamlHash = { [k: string]: YamlValue };

/**
 * Ruby's `deep_merge`, exactly: when both sides are hashes they merge key by key, recursing where
 * both values are hashes; anything else (array, scalar, null) in the overlay replaces the base
 * value, so arrays are never concatenated and a key can't be deleted (null leaves it present).
 * Key order: the base's keys in base order, then the overlay's new keys in overlay order.
 *
 * The result is a fresh tree: inputs are never mutated and no container is shared with them
 * (`yaml` would render an object reached twice in one document as an anchor and an alias).
 */
export function deepMerge(base: YamlValue, overlay: YamlValue): YamlValue {
  return merge(base, overlay, clone);
}

/** Deep equality of two YAML values: hash key order ignored, array order significant. */
export function deepEqual(a: YamlValue, b: YamlValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
  return true;
}

/**
 * Derives `deploy.yml` (`base`) and each `deploy.<dest>.yml` (`overlays`) from every destination's
 * effective config, so that `deepMerge(base, overlays[d])` deep-equals `effective[d]`.
 *
 * The base is what every destination shares, because a destination can't delete a key:
 * - a key goes into the base only if every destination has it;
 * - a hash is split further only if it is a hash in every destination (otherwise the overlays
 *   carry each destination's whole value; the base's hash would merge into it);
 * - arrays and scalars go into the base only when deep-equal in every destination;
 * - a key whose shared part is empty stays out of the base (the overlays carry it), unless every
 *   destination has it as an empty hash, so the base holds no `{}` nobody asked for.
 * Each overlay is then the minimal rest. Key order follows the first destination (the model's
 * order), then keys only later destinations have, in the order they appear. With one destination
 * the base is everything and its overlay is `{}`.
 *
 * An overlay may be empty; the caller renders it as `{}`, never as an empty file: Kamal would
 * load an empty file as `false` and fail on `symbolize_keys`, and a missing file is an error too.
 *
 * The result shares subtrees with the input (a value taken whole is the input's own object, not a
 * copy): the split is read, rendered and validated, never mutated, and copying each of thousands
 * of configs was a tenth of synth at N=1000. Callers must not mutate either side afterwards.
 */
export function splitDestinations(effective: Record<string, Record<string, YamlValue>>): {
  /** What every destination shares: the base `deploy.yml`. */
  base: Record<string, YamlValue>;
  /** Each destination's overlay file, by destination name. */
  overlays: Record<string, Record<string, YamlValue>>;
} {
  const names = Object.keys(effective);
  const overlays: Record<string, Record<string, YamlValue>> = {};
  if (names.length === 0) return { base: {}, overlays };
  const split = splitHashes(names.map((n) => effective[n]));
  names.forEach((n, i) => put(overlays, n, split.overlays[i]));
  return { base: split.base, overlays };
}

/**
 * Merges the base with each destination's overlay the way Kamal does and compares the result with
 * the destination's effective config (hash key order ignored, array order not). Returns one line
 * per mismatch, e.g. `deploy.staging: /env/clear/FOO expected "x", merged "y"`; empty when the
 * files are right. Paths are JSON Pointers (`~` and `/` in keys escaped as `~0`, `~1`). A
 * non-empty result is a bug in the split, not in the user's model: callers fail loudly.
 */
export function verifyMerge(
  base: Record<string, YamlValue>,
  overlays: Record<string, Record<string, YamlValue>>,
  effective: Record<string, Record<string, YamlValue>>,
): string[] {
  const problems: string[] = [];
  for (const d of Object.keys(effective)) {
    const report = (m: string): void => {
      problems.push(`deploy.${d}: ${m}`);
    };
    if (!Object.hasOwn(overlays, d)) {
      report(`no overlay, but Kamal fails when deploy.${d}.yml is missing`);
      continue;
    }
    // Sharing is fine here: the merged tree is only read. Paths are built only on a mismatch.
    const merged = merge(base, overlays[d], share);
    if (!deepEqual(effective[d], merged)) diff(effective[d], merged, '', report);
  }
  for (const d of Object.keys(overlays)) {
    if (!Object.hasOwn(effective, d)) problems.push(`deploy.${d}: overlay for a destination that has no effective config`);
  }
  return problems;
}

/**
 * Whether a value is a YAML mapping (a plain object), as opposed to a list or a scalar.
 * @internal
 */
export function isHash(v: unknown): v is YamlHash {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An order-independent identity of a YAML value (Ruby's `Hash#==`): equal values give the same
 * string whatever their key order. For sets of values and for messages; compare two values with
 * deepEqual.
 */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isHash(v)) {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Sets an own key; plain assignment of `__proto__` would set the prototype instead. */
function put(h: YamlHash, k: string, v: YamlValue): void {
  if (k === '__proto__') Object.defineProperty(h, k, { value: v, enumerable: true, writable: true, configurable: true });
  else h[k] = v;
}

function clone(v: YamlValue): YamlValue {
  if (Array.isArray(v)) return v.map(clone);
  if (!isHash(v)) return v;
  const out: YamlHash = {};
  for (const k of Object.keys(v)) put(out, k, clone(v[k]));
  return out;
}

function share(v: YamlValue): YamlValue {
  return v;
}

/** `deep_merge` with `copy` applied to every value taken whole from either side. */
function merge(base: YamlValue, overlay: YamlValue, copy: (v: YamlValue) => YamlValue): YamlValue {
  if (!isHash(base) || !isHash(overlay)) return copy(overlay);
  const out: YamlHash = {};
  for (const k of Object.keys(base)) {
    put(out, k, Object.hasOwn(overlay, k) ? merge(base[k], overlay[k], copy) : copy(base[k]));
  }
  for (const k of Object.keys(overlay)) {
    if (!Object.hasOwn(base, k)) put(out, k, copy(overlay[k]));
  }
  return out;
}

/** Keys of the first hash in its order, then each later hash's new keys in its order. */
function unionKeys(hashes: readonly YamlHash[]): string[] {
  const keys = Object.keys(hashes[0]);
  if (hashes.length === 1) return keys;
  const seen = new Set(keys);
  for (let i = 1; i < hashes.length; i++) {
    for (const k of Object.keys(hashes[i])) {
      if (!seen.has(k)) {
        seen.add(k);
        keys.push(k);
      }
    }
  }
  return keys;
}

/**
 * One level of `splitDestinations`; `overlays[i]` belongs to `hashes[i]`. Linear in the input. A
 * hash equal in every destination goes into the base whole (the first destination's own object)
 * without being split further.
 */
function splitHashes(hashes: readonly YamlHash[]): { base: YamlHash; overlays: YamlHash[] } {
  const n = hashes.length;
  const base: YamlHash = {};
  const overlays: YamlHash[] = new Array(n);
  for (let i = 0; i < n; i++) overlays[i] = {};
  for (const k of unionKeys(hashes)) {
    let inAll = true;
    let allHashes = true;
    for (let i = 0; i < n; i++) {
      const h = hashes[i];
      if (!Object.hasOwn(h, k)) {
        inAll = false;
        break;
      }
      if (!isHash(h[k])) allHashes = false;
    }
    if (!inAll) {
      for (let i = 0; i < n; i++) if (Object.hasOwn(hashes[i], k)) put(overlays[i], k, hashes[i][k]);
      continue;
    }
    const first = hashes[0][k];
    let same = true;
    for (let i = 1; i < n && same; i++) same = deepEqual(hashes[i][k], first);
    if (same) {
      // Shared whole, hash or not; an empty hash goes into the base only when every destination has it.
      put(base, k, first);
    } else if (allHashes) {
      const subs: YamlHash[] = new Array(n);
      for (let i = 0; i < n; i++) subs[i] = hashes[i][k] as YamlHash;
      const sub = splitHashes(subs);
      if (hasKeys(sub.base)) {
        put(base, k, sub.base);
        for (let i = 0; i < n; i++) if (hasKeys(sub.overlays[i])) put(overlays[i], k, sub.overlays[i]);
      } else {
        // Nothing shared below k, so each sub-overlay is that destination's whole value.
        for (let i = 0; i < n; i++) put(overlays[i], k, sub.overlays[i]);
      }
    } else {
      for (let i = 0; i < n; i++) put(overlays[i], k, hashes[i][k]);
    }
  }
  return { base, overlays };
}

function hasKeys(h: YamlHash): boolean {
  for (const k in h) if (Object.hasOwn(h, k)) return true;
  return false;
}

/** Reports where `merged` differs from `expected`, as precisely as the shapes allow. */
function diff(expected: YamlValue, merged: YamlValue, path: string, report: (m: string) => void): void {
  if (isHash(expected) && isHash(merged)) {
    for (const k of Object.keys(expected)) {
      const p = `${path}/${escapePointer(k)}`;
      if (Object.hasOwn(merged, k)) diff(expected[k], merged[k], p, report);
      else report(`${p} expected ${show(expected[k])}, merged (missing)`);
    }
    for (const k of Object.keys(merged)) {
      if (!Object.hasOwn(expected, k)) report(`${path}/${escapePointer(k)} expected (missing), merged ${show(merged[k])}`);
    }
    return;
  }
  if (Array.isArray(expected) && Array.isArray(merged) && expected.length === merged.length) {
    for (let i = 0; i < expected.length; i++) diff(expected[i], merged[i], `${path}/${i}`, report);
    return;
  }
  if (!deepEqual(expected, merged)) report(`${path || '/'} expected ${show(expected)}, merged ${show(merged)}`);
}

function escapePointer(k: string): string {
  return k.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** A value for an error message: JSON, cut short so one mismatch stays one line. */
function show(v: YamlValue): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
