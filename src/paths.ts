import * as path from 'path';

/**
 * Checks and normalises a file's path relative to the output directory. Errors are thrown at
 * construction: a path is a prop that can't be typed, and a bad one makes every later step moot.
 */
export function normalizeOutputPath(p: string, constructPath: string): string {
  const where = `[${constructPath || '<root>'}]`;
  if (typeof p !== 'string' || p.trim() === '') {
    throw new Error(`${where} file path is empty; give a path relative to the output directory, such as config/deploy.yml`);
  }
  if (p.includes('\\')) {
    throw new Error(`${where} file path '${p}' contains a backslash; use '/' between folders`);
  }
  if (p.includes('\0')) {
    throw new Error(`${where} file path '${p}' contains a NUL byte`);
  }
  if (path.posix.isAbsolute(p) || /^[a-z]:/i.test(p)) {
    throw new Error(`${where} file path '${p}' is absolute; give it relative to the output directory`);
  }
  if (p.split('/').includes('..')) {
    throw new Error(`${where} file path '${p}' climbs out with '..'; give a path inside the output directory`);
  }
  const normal = path.posix.normalize(p).replace(/\/+$/, '');
  if (normal === '.' || normal === '') {
    throw new Error(`${where} file path '${p}' names the output directory itself; give a file path`);
  }
  return normal;
}
