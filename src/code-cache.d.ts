/** Runs a CommonJS file with V8's code cache and returns its exports (see code-cache.js). */
export function loadWithCodeCache(file: string, mod?: { exports: unknown; filename?: string }): unknown;
