/** Runs a CommonJS file with V8's code cache (kept at `cacheFile`, by default beside it) and returns its exports (see code-cache.js). */
export function loadWithCodeCache(
  file: string,
  mod?: { exports: unknown; filename?: string },
  cacheFile?: string,
  wrapRequire?: (base: NodeJS.Require) => NodeJS.Require,
  tag?: string,
): unknown;

/**
 * Compiles a CommonJS file without running it and saves that as its code cache, unless it has one
 * already; returns whether it wrote one (see code-cache.js).
 */
export function primeCodeCache(file: string, cacheFile?: string): boolean;
