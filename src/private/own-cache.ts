import * as fs from 'fs';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { packageCacheDir, projectRootOf } = require('../bundle-cache.js') as { packageCacheDir(pkg: string): string; projectRootOf(dir: string): string };

/**
 * The folder of this package's caches (compiled validators, compiled templates), by
 * bundle-cache's packageCacheDir: KAMAL_CDK_CACHE_DIR, else the project's node_modules/.cache/kamal-cdk.
 * The package is the nearest folder above this module with a package.json: the checkout (src/..),
 * or node_modules/kamal-cdk (lib/ has none).
 */
export function ownCacheDir(sub: string): string {
  return path.join(packageCacheDir(projectRootOf(path.resolve(__dirname, '..'))), sub);
}

/** Writes `text` to `file` whole (a temporary file renamed into place), or not at all. */
export function writeCacheFile(file: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only cache: the next run compiles again.
  }
}
