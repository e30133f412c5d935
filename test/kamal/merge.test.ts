import { deepEqual, deepMerge, splitDestinations, verifyMerge, YamlValue } from '../../constructs/kamal/merge';
import { mulberry32 } from '../support/random';

type Hash = Record<string, YamlValue>;

function isHash(v: YamlValue | undefined): v is Hash {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Key order of every hash in a tree, so order assertions don't depend on toEqual (which ignores it). */
function keyOrder(v: YamlValue, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => keyOrder(x, `${path}/${i}`));
  if (!isHash(v)) return [];
  return [`${path || '/'}: ${Object.keys(v).join(',')}`, ...Object.keys(v).flatMap((k) => keyOrder(v[k], `${path}/${k}`))];
}

// ---------------------------------------------------------------------------------------------
// deepMerge: ActiveSupport's Hash#deep_merge
// ---------------------------------------------------------------------------------------------

test('deepMerge replaces arrays instead of concatenating them', () => {
  // GIVEN
  const base = { env: { secret: ['RAILS_MASTER_KEY', 'DB_PASSWORD'] } };
  const overlay = { env: { secret: ['STAGING_KEY'] } };

  // WHEN
  const merged = deepMerge(base, overlay);

  // THEN
  expect(merged).toEqual({ env: { secret: ['STAGING_KEY'] } });
});

test('deepMerge lets null in the overlay replace a value, and the key stays present', () => {
  // GIVEN
  const base = { proxy: { host: 'a.example.com', ssl: true } };
  const overlay = { proxy: { host: null } };

  // WHEN
  const merged = deepMerge(base, overlay) as Hash;

  // THEN
  expect(merged).toEqual({ proxy: { host: null, ssl: true } });
  expect(Object.keys(merged.proxy as Hash)).toContain('host');
});

test('deepMerge merges nested hashes and keeps the sibling keys the overlay does not name', () => {
  // GIVEN
  const base = { servers: { web: { hosts: ['1.1.1.1'], cmd: 'bin/thrust' }, jobs: { hosts: ['2.2.2.2'] } } };
  const overlay = { servers: { web: { hosts: ['3.3.3.3'] } } };

  // WHEN
  const merged = deepMerge(base, overlay);

  // THEN
  expect(merged).toEqual({
    servers: { web: { hosts: ['3.3.3.3'], cmd: 'bin/thrust' }, jobs: { hosts: ['2.2.2.2'] } },
  });
});

test('deepMerge keeps the base keys in base order and appends new overlay keys in overlay order', () => {
  // GIVEN
  const base = { service: 's', image: 'i', proxy: { ssl: true, host: 'h' } };
  const overlay = { zeta: 1, proxy: { app_port: 3000, host: 'h2' }, alpha: 2, service: 't' };

  // WHEN
  const merged = deepMerge(base, overlay) as Hash;

  // THEN
  expect(Object.keys(merged)).toEqual(['service', 'image', 'proxy', 'zeta', 'alpha']);
  expect(Object.keys(merged.proxy as Hash)).toEqual(['ssl', 'host', 'app_port']);
  expect(merged).toEqual({ service: 't', image: 'i', proxy: { ssl: true, host: 'h2', app_port: 3000 }, zeta: 1, alpha: 2 });
});

test('deepMerge replaces a hash with a scalar or an array, and a scalar with a hash', () => {
  // GIVEN
  const base = { a: { x: 1 }, b: { y: 2 }, c: 'str', d: [1] };
  const overlay = { a: 'now a string', b: [1, 2], c: { z: 3 }, d: { w: 4 } };

  // WHEN
  const merged = deepMerge(base, overlay);

  // THEN
  expect(merged).toEqual({ a: 'now a string', b: [1, 2], c: { z: 3 }, d: { w: 4 } });
});

test('deepMerge gives the results of the example in the Rails documentation', () => {
  // GIVEN
  const h1 = { x: { y: [4, 5, 6] }, z: [7, 8, 9] };
  const h2 = { x: { y: [7, 8, 9] }, z: 'xyz' };

  // WHEN
  const a = deepMerge(h1, h2);
  const b = deepMerge(h2, h1);

  // THEN
  expect(a).toEqual({ x: { y: [7, 8, 9] }, z: 'xyz' });
  expect(b).toEqual({ x: { y: [4, 5, 6] }, z: [7, 8, 9] });
});

test('deepMerge lets a non-hash overlay replace the whole value', () => {
  // GIVEN / WHEN / THEN
  expect(deepMerge({ a: 1 }, null)).toBeNull();
  expect(deepMerge('x', { a: 1 })).toEqual({ a: 1 });
  expect(deepMerge([1, 2], [3])).toEqual([3]);
});

test('deepMerge never mutates its inputs and returns no container shared with them', () => {
  // GIVEN
  const base: Hash = { servers: { web: ['a'] }, env: { clear: { A: '1' } }, keep: { deep: { x: [{ y: 1 }] } } };
  const overlay: Hash = { servers: { web: ['b'] }, env: { clear: { B: '2' } }, added: { z: [1] } };
  const before = JSON.stringify([base, overlay]);

  // WHEN
  const merged = deepMerge(base, overlay) as Hash;

  // THEN
  expect(JSON.stringify([base, overlay])).toBe(before);
  expect(merged.keep).toEqual(base.keep);
  expect(merged.keep).not.toBe(base.keep);
  expect(((merged.keep as Hash).deep as Hash).x).not.toBe(((base.keep as Hash).deep as Hash).x);
  expect(merged.added).not.toBe(overlay.added);
});

test('deepMerge treats __proto__ as an ordinary key', () => {
  // GIVEN
  const base = JSON.parse('{"__proto__": {"a": 1}, "b": 1}') as Hash;
  const overlay = JSON.parse('{"__proto__": {"c": 2}}') as Hash;

  // WHEN
  const merged = deepMerge(base, overlay) as Hash;

  // THEN
  expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  expect(Object.keys(merged)).toEqual(['__proto__', 'b']);
  expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toEqual({ a: 1, c: 2 });
});

// ---------------------------------------------------------------------------------------------
// deepEqual
// ---------------------------------------------------------------------------------------------

test('deepEqual ignores hash key order but not array order', () => {
  // GIVEN / WHEN / THEN
  expect(deepEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
  expect(deepEqual([1, 2], [2, 1])).toBe(false);
  expect(deepEqual([{ a: 1 }], [{ a: 1 }])).toBe(true);
});

test('deepEqual tells apart the values YAML tells apart', () => {
  // GIVEN / WHEN / THEN
  expect(deepEqual({ a: null }, {})).toBe(false);
  expect(deepEqual({}, { a: null })).toBe(false);
  expect(deepEqual([], {})).toBe(false);
  expect(deepEqual({}, [])).toBe(false);
  expect(deepEqual(null, {})).toBe(false);
  expect(deepEqual('1', 1)).toBe(false);
  expect(deepEqual(0, false)).toBe(false);
  expect(deepEqual([1], [1, 1])).toBe(false);
  expect(deepEqual(NaN, NaN)).toBe(true);
});

// ---------------------------------------------------------------------------------------------
// splitDestinations
// ---------------------------------------------------------------------------------------------

test('keys that only some destinations have go to those destinations overlays', () => {
  // GIVEN
  const effective = {
    production: { service: 'app', accessories: { db: { image: 'postgres:16' } } },
    staging: { service: 'app', aliases: { console: 'app exec -i bin/rails console' } },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ service: 'app' });
  expect(overlays.production).toEqual({ accessories: { db: { image: 'postgres:16' } } });
  expect(overlays.staging).toEqual({ aliases: { console: 'app exec -i bin/rails console' } });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('differing scalars go to the overlays and equal ones to the base', () => {
  // GIVEN
  const effective = {
    production: { service: 'app', image: 'org/app', retain_containers: 5, primary_role: 'web' },
    staging: { service: 'app', image: 'org/app', retain_containers: 2, primary_role: 'web' },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ service: 'app', image: 'org/app', primary_role: 'web' });
  expect(overlays).toEqual({ production: { retain_containers: 5 }, staging: { retain_containers: 2 } });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('shared nested parts go to the base and only the differing leaves to the overlays', () => {
  // GIVEN
  const effective = {
    production: {
      proxy: { ssl: true, host: 'app.example.com', app_port: 3000 },
      env: { clear: { RAILS_ENV: 'production', WEB_CONCURRENCY: '2' }, secret: ['RAILS_MASTER_KEY'] },
    },
    staging: {
      proxy: { ssl: true, host: 'staging.example.com', app_port: 3000 },
      env: { clear: { RAILS_ENV: 'production', WEB_CONCURRENCY: '1' }, secret: ['RAILS_MASTER_KEY'] },
    },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({
    proxy: { ssl: true, app_port: 3000 },
    env: { clear: { RAILS_ENV: 'production' }, secret: ['RAILS_MASTER_KEY'] },
  });
  expect(overlays.production).toEqual({ proxy: { host: 'app.example.com' }, env: { clear: { WEB_CONCURRENCY: '2' } } });
  expect(overlays.staging).toEqual({ proxy: { host: 'staging.example.com' }, env: { clear: { WEB_CONCURRENCY: '1' } } });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('arrays go to the base only when equal in every destination, order included', () => {
  // GIVEN
  const effective = {
    production: { hosts: ['a', 'b'], roles: ['web'] },
    staging: { hosts: ['b', 'a'], roles: ['web'] },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ roles: ['web'] });
  expect(overlays).toEqual({ production: { hosts: ['a', 'b'] }, staging: { hosts: ['b', 'a'] } });
});

test('a key that is a hash in one destination and a scalar in another is carried whole by the overlays', () => {
  // GIVEN
  const effective = {
    production: { service: 'app', servers: { web: { hosts: ['1.1.1.1'] }, jobs: { hosts: ['2.2.2.2'] } } },
    staging: { service: 'app', servers: ['3.3.3.3'] },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ service: 'app' });
  expect(overlays.production).toEqual({ servers: { web: { hosts: ['1.1.1.1'] }, jobs: { hosts: ['2.2.2.2'] } } });
  expect(overlays.staging).toEqual({ servers: ['3.3.3.3'] });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('a single destination puts everything in the base and leaves an empty overlay', () => {
  // GIVEN
  const effective = { production: { service: 'app', proxy: { ssl: true }, boot: {}, env: { secret: [] } } };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual(effective.production);
  expect(keyOrder(base)).toEqual(keyOrder(effective.production));
  expect(overlays).toEqual({ production: {} });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('no destinations give an empty base and no overlays', () => {
  // GIVEN / WHEN
  const result = splitDestinations({});

  // THEN
  expect(result).toEqual({ base: {}, overlays: {} });
});

test('three destinations share in the base only what all three have', () => {
  // GIVEN
  const effective = {
    production: { service: 'app', proxy: { ssl: true, host: 'p.example.com' }, builder: { arch: 'amd64' } },
    staging: { service: 'app', proxy: { ssl: true, host: 's.example.com' }, builder: { arch: 'amd64' } },
    review: { service: 'app', proxy: { ssl: false, host: 'r.example.com' }, builder: { arch: 'amd64' }, x: 1 },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ service: 'app', builder: { arch: 'amd64' } });
  expect(overlays.production).toEqual({ proxy: { ssl: true, host: 'p.example.com' } });
  expect(overlays.staging).toEqual({ proxy: { ssl: true, host: 's.example.com' } });
  expect(overlays.review).toEqual({ proxy: { ssl: false, host: 'r.example.com' }, x: 1 });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('an empty hash stays out of the base unless every destination has it empty', () => {
  // GIVEN
  const effective = {
    production: { labels: {}, options: {}, logging: { options: { 'max-size': '10m' } }, volumes: {} },
    staging: { labels: {}, options: { memory: '1g' }, logging: { options: { 'max-size': '20m' } } },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(base).toEqual({ labels: {} });
  expect(overlays.production).toEqual({ options: {}, logging: { options: { 'max-size': '10m' } }, volumes: {} });
  expect(overlays.staging).toEqual({ options: { memory: '1g' }, logging: { options: { 'max-size': '20m' } } });
  expect(verifyMerge(base, overlays, effective)).toEqual([]);
});

test('base and overlays follow the first destination key order, then keys only later ones have', () => {
  // GIVEN
  const effective = {
    production: { service: 'app', image: 'i', proxy: { host: 'p', ssl: true }, env: { clear: { A: '1' } } },
    staging: { extra: 1, env: { clear: { A: '2' } }, proxy: { ssl: true, host: 's' }, image: 'i', service: 'app' },
  };

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(Object.keys(base)).toEqual(['service', 'image', 'proxy']);
  expect(Object.keys(overlays.staging)).toEqual(['proxy', 'env', 'extra']);
  expect(Object.keys(overlays.production)).toEqual(['proxy', 'env']);
});

test('splitDestinations never mutates its input; what it takes whole it shares instead of copying', () => {
  // GIVEN
  const shared = ['RAILS_MASTER_KEY'];
  const effective: Record<string, Hash> = {
    production: { env: { secret: shared, clear: { A: '1' } }, hosts: ['a'], builder: { arch: 'amd64' } },
    staging: { env: { secret: shared, clear: { A: '2' } }, hosts: ['b'], builder: { arch: 'amd64' } },
  };
  const before = JSON.stringify(effective);

  // WHEN
  const { base, overlays } = splitDestinations(effective);

  // THEN
  expect(JSON.stringify(effective)).toBe(before);
  expect((base.env as Hash).secret).toBe(shared);
  expect(overlays.production.hosts).toBe(effective.production.hosts);
  expect(base.env).not.toBe(effective.production.env); // a hash split further is a new hash
  expect(base.builder).toBe(effective.production.builder); // one equal everywhere is shared whole
});

// ---------------------------------------------------------------------------------------------
// verifyMerge
// ---------------------------------------------------------------------------------------------

test('verifyMerge names the destination, the path and both values of each mismatch', () => {
  // GIVEN
  const base = { env: { clear: { FOO: 'y', GONE: '1' } }, hosts: ['a', 'b'], labels: { 'a/b~c': 'x' } };
  const overlays = { staging: {} };
  const effective = { staging: { env: { clear: { FOO: 'x', NEW: '2' } }, hosts: ['a', 'c'], labels: { 'a/b~c': 'y' } } };

  // WHEN
  const problems = verifyMerge(base, overlays, effective);

  // THEN
  expect(problems).toEqual([
    'deploy.staging: /env/clear/FOO expected "x", merged "y"',
    'deploy.staging: /env/clear/NEW expected "2", merged (missing)',
    'deploy.staging: /env/clear/GONE expected (missing), merged "1"',
    'deploy.staging: /hosts/1 expected "c", merged "b"',
    'deploy.staging: /labels/a~1b~0c expected "y", merged "x"',
  ]);
});

test('verifyMerge reports a missing overlay, a stray overlay and arrays of another length', () => {
  // GIVEN
  const base = { hosts: ['a'] };
  const overlays = { production: {}, review: {} };
  const effective = { production: { hosts: ['a', 'b'] }, staging: { hosts: ['a'] } };

  // WHEN
  const problems = verifyMerge(base, overlays, effective);

  // THEN
  expect(problems).toEqual([
    'deploy.production: /hosts expected ["a","b"], merged ["a"]',
    'deploy.staging: no overlay, but Kamal fails when deploy.staging.yml is missing',
    'deploy.review: overlay for a destination that has no effective config',
  ]);
});

test('verifyMerge ignores hash key order', () => {
  // GIVEN
  const base = { b: 1, a: { y: 2, x: 1 } };
  const effective = { production: { a: { x: 1, y: 2 }, b: 1 } };

  // WHEN
  const problems = verifyMerge(base, { production: {} }, effective);

  // THEN
  expect(problems).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Property: for random destination sets, the split merges back and is minimal
// ---------------------------------------------------------------------------------------------


const KEYS = ['a', 'b', 'c', 'd', 'e'];
const SCALARS: YamlValue[] = [null, true, false, 0, 1, 2, 'x', 'y', ''];
const DESTINATIONS = ['production', 'staging', 'review', 'demo'];
const MAX_DEPTH = 4;

/** 1–4 destinations derived from one random template, so they overlap as real ones do. */
function randomDestinations(seed: number): Record<string, Hash> {
  const rand = mulberry32(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const shuffled = <T>(xs: readonly T[]): T[] => {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };

  const hash = (depth: number): Hash => {
    const h: Hash = {};
    for (const k of shuffled(KEYS)) if (rand() < 0.45) h[k] = value(depth + 1);
    return h;
  };
  const array = (depth: number): YamlValue[] =>
    Array.from({ length: int(4) }, () => (depth < MAX_DEPTH && rand() < 0.2 ? hash(depth + 1) : pick(SCALARS)));
  const value = (depth: number): YamlValue => {
    const r = rand();
    if (depth < MAX_DEPTH && r < 0.4) return hash(depth);
    if (r < 0.55) return array(depth);
    return pick(SCALARS);
  };
  const mutateHash = (h: Hash, depth: number): Hash => {
    const out: Hash = {};
    for (const k of Object.keys(h)) if (rand() >= 0.1) out[k] = mutate(h[k], depth + 1);
    for (const k of KEYS) if (!(k in out) && rand() < 0.1) out[k] = value(depth + 1);
    return out;
  };
  const mutate = (v: YamlValue, depth: number): YamlValue => {
    const r = rand();
    if (r < 0.12) return value(depth);
    if (isHash(v)) return mutateHash(v, depth);
    // Sometimes the very same object, sometimes an equal copy: both must count as shared.
    return r < 0.5 ? v : structuredClone(v);
  };

  const template = hash(0);
  const effective: Record<string, Hash> = {};
  for (const d of shuffled(DESTINATIONS).slice(0, 1 + int(4))) {
    effective[d] = rand() < 0.1 ? hash(0) : mutateHash(template, 0);
  }
  return effective;
}

/** Value at `path` if every step is an own key of a hash. */
function lookup(root: Hash, path: readonly string[]): { found: boolean; value?: YamlValue } {
  let cur: YamlValue = root;
  for (const k of path) {
    if (!isHash(cur) || !Object.hasOwn(cur, k)) return { found: false };
    cur = cur[k];
  }
  return { found: true, value: cur };
}

/** Every way the split could be right by merge-back and still not be minimal. */
function minimalityProblems(effective: Record<string, Hash>, base: Hash, overlays: Record<string, Hash>): string[] {
  const problems: string[] = [];
  const names = Object.keys(effective);

  // No overlay restates what the base already provides.
  const walkOverlay = (d: string, o: Hash, b: YamlValue | undefined, path: string[]): void => {
    for (const k of Object.keys(o)) {
      const p = [...path, k];
      const bv = isHash(b) && Object.hasOwn(b, k) ? b[k] : undefined;
      if (bv === undefined) continue;
      const ov = o[k];
      if (isHash(ov) && isHash(bv)) {
        if (Object.keys(ov).length === 0) problems.push(`overlay ${d} has a no-op {} at /${p.join('/')}`);
        walkOverlay(d, ov, bv, p);
      } else if (!isHash(ov) && deepEqual(ov, bv)) {
        problems.push(`overlay ${d} repeats the base at /${p.join('/')}`);
      }
    }
  };
  for (const d of names) walkOverlay(d, overlays[d], base, []);

  // Every base leaf (non-hash, or an empty hash) is in every destination, with that value.
  const walkBase = (b: Hash, path: string[]): void => {
    for (const k of Object.keys(b)) {
      const p = [...path, k];
      const v = b[k];
      if (isHash(v) && Object.keys(v).length > 0) {
        walkBase(v, p);
        continue;
      }
      for (const d of names) {
        const got = lookup(effective[d], p);
        if (!got.found) problems.push(`base has /${p.join('/')} which ${d} lacks`);
        else if (!deepEqual(got.value as YamlValue, v)) problems.push(`base has /${p.join('/')} which differs in ${d}`);
      }
    }
  };
  walkBase(base, []);

  // And the base holds every leaf all destinations share (reached through hashes in all of them).
  const walkShared = (hs: Hash[], path: string[]): void => {
    for (const k of Object.keys(hs[0])) {
      if (!hs.every((h) => Object.hasOwn(h, k))) continue;
      const p = [...path, k];
      const vs = hs.map((h) => h[k]);
      if (vs.every(isHash)) {
        if (vs.every((v) => Object.keys(v as Hash).length === 0) && !lookup(base, p).found) {
          problems.push(`every destination has {} at /${p.join('/')} but the base does not`);
        }
        walkShared(vs as Hash[], p);
      } else if (vs.every((v) => deepEqual(v, vs[0])) && !lookup(base, p).found) {
        problems.push(`every destination has /${p.join('/')} = ${JSON.stringify(vs[0])} but the base does not`);
      }
    }
  };
  if (names.length > 0) walkShared(names.map((d) => effective[d]), []);

  if (names.length === 1 && Object.keys(overlays[names[0]]).length > 0) problems.push('a single destination has a non-empty overlay');
  if (Object.keys(overlays).join() !== names.join()) problems.push(`overlays ${Object.keys(overlays)} for destinations ${names}`);
  return problems;
}

test('random destination sets split into a base and overlays that merge back and are minimal', () => {
  // GIVEN
  // Replay one case with MERGE_SEED=<seed> npx jest test/kamal/merge.test.ts
  const replay = process.env.MERGE_SEED || undefined;
  const seeds = replay !== undefined ? [Number(replay)] : Array.from({ length: 1000 }, (_, i) => 0x5eed0000 + i);
  const failures: string[] = [];
  let multiDestination = 0;

  for (const seed of seeds) {
    const effective = randomDestinations(seed);
    const before = JSON.stringify(effective);
    if (Object.keys(effective).length > 1) multiDestination++;

    // WHEN
    const { base, overlays } = splitDestinations(effective);

    // THEN
    const problems = [
      ...verifyMerge(base, overlays, effective),
      ...minimalityProblems(effective, base, overlays),
      ...(JSON.stringify(effective) !== before ? ['splitDestinations mutated its input'] : []),
    ];
    if (problems.length > 0) {
      failures.push(
        `seed ${seed} (replay: MERGE_SEED=${seed} npx jest test/kamal/merge.test.ts)\n` +
          `  ${problems.join('\n  ')}\n  effective: ${before}\n  base: ${JSON.stringify(base)}\n  overlays: ${JSON.stringify(overlays)}`,
      );
      if (failures.length >= 5) break;
    }
  }

  expect(failures).toEqual([]);
  if (replay === undefined) expect(multiDestination).toBeGreaterThan(500);
});
