import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (the folder holding its package.json), from source or dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'infra'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('intercloud-bench: package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function wanemBinary(): string {
  const p = join(packageRoot(), 'infra', 'wanem', 'wanem');
  if (!existsSync(p)) throw new Error(`wanem binary missing at ${p}: run \`npm run build\` (it compiles infra/wanem with make and cc)`);
  return p;
}

/** infra/nsconf/nsconf: configures many namespaces from one process (lab stand-up). */
export function nsconfBinary(): string {
  const p = join(packageRoot(), 'infra', 'nsconf', 'nsconf');
  if (!existsSync(p)) throw new Error(`nsconf binary missing at ${p}: run \`npm run build\` (it compiles infra/nsconf with make and cc)`);
  return p;
}

/** infra/nsconf/nsfds: opens sockets inside lab namespaces for one process (Terasort group workers). */
export function nsfdsBinary(): string {
  const p = join(packageRoot(), 'infra', 'nsconf', 'nsfds');
  if (!existsSync(p)) throw new Error(`nsfds binary missing at ${p}: run \`npm run build\` (it compiles infra/nsconf with make and cc)`);
  return p;
}
