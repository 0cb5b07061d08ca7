import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root: the nearest folder above this file that holds package.json (works from dist/ too). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return dir;
}

export function fixturePath(rel: string): string {
  return join(projectRoot(), 'test', 'fixtures', rel);
}

export function fixture(rel: string): string {
  return readFileSync(fixturePath(rel), 'utf8');
}
