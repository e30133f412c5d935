import * as path from 'path';
import { controlCharProblem } from './_control-chars';

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
  const control = controlCharProblem(p);
  if (control) throw new Error(`${where} file path ${JSON.stringify(p)} ${control}; name files with printable characters`);
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
  const executed = executedLocation(normal);
  if (executed) throw new Error(`${where} file path '${p}' ${executed}; give it another path`);
  return normal;
}

/**
 * Why a path is somewhere that code runs from once out/ is copied over an app repository, or
 * undefined. `.git/` holds the repository's hooks and config (git runs `.git/hooks/*` on commit,
 * and `core.hooksPath`, `core.fsmonitor` or a filter in `.git/config` run any program); git never
 * tracks it, so nothing there can be reviewed. Any segment spelt so that a case-insensitive file
 * system, Windows (trailing dots and spaces dropped) or its 8.3 short name (`GIT~1`) reads it as
 * `.git` counts, as git itself refuses them (CVE-2014-9390). Folders that a product runs files
 * from (Kamal's hooks) are the product's to judge, where it knows its settings; workflows in
 * `.github/workflows/` are generated and reviewed like every other file.
 */
function executedLocation(normal: string): string | undefined {
  for (const s of normal.split('/')) {
    const folded = s.toLowerCase().replace(/[. ]+$/, '');
    if (folded === '.git' || folded === 'git~1') {
      return `is inside git's own folder ('${s}' reads as .git), where git runs hooks and reads its config from, and which it never commits`;
    }
  }
  return undefined;
}
