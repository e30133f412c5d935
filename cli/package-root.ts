import * as fs from 'fs';
import * as path from 'path';

/**
 * The folder of the kamal-cdk package this code runs from: the checkout (cli/ runs bundled from
 * there) or node_modules/kamal-cdk (the compiled lib/cli).
 */
export function packageRoot(): string {
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'kamal-cdk') return dir;
  }
  return path.resolve(__dirname, '..');
}
