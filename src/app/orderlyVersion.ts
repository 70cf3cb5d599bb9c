import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Orderly's version from its package.json, found by walking up from this file: the same code runs
 * from `src/app` (tests) and from `dist/src/app` (npm start), at different depths.
 */
export function orderlyVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'orderly' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: one level up
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
