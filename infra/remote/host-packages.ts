/**
 * The Debian packages a real host needs (infra/remote/host-packages.txt, the one list the docs show
 * and the isolated SSH-sites fixture's root filesystem is built from), read and picked by need.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';

/** need (`always`, `lxc`, `pgbench`, ...) -> its Debian packages, in file order. */
export type HostPackages = Map<string, string[]>;

const NEED_RE = /^[a-z][a-z0-9-]*$/;
const PACKAGE_RE = /^[a-z0-9][a-z0-9+.-]+$/;

/** Pure: the list's text -> needs and packages; a malformed line throws with its line number. */
export function parseHostPackages(text: string, file = 'host-packages.txt'): HostPackages {
  const out: HostPackages = new Map();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^([^:\s]+):\s*(.*)$/.exec(line);
    const where = `${file}:${i + 1}`;
    if (!m || !NEED_RE.test(m[1])) throw new Error(`${where}: expected "need: package ...", got ${JSON.stringify(line)}`);
    if (out.has(m[1])) throw new Error(`${where}: need ${m[1]} listed twice`);
    const pkgs = m[2].split(/\s+/).filter(Boolean);
    const bad = pkgs.find((p) => !PACKAGE_RE.test(p));
    if (bad !== undefined || pkgs.length === 0) throw new Error(`${where}: expected Debian package names after "${m[1]}:", got ${JSON.stringify(m[2])}`);
    out.set(m[1], pkgs);
  });
  if (!out.has('always')) throw new Error(`${file}: no "always:" line (what every host needs)`);
  return out;
}

export function hostPackagesFile(): string {
  return join(packageRoot(), 'infra', 'remote', 'host-packages.txt');
}

export function loadHostPackages(file = hostPackagesFile()): HostPackages {
  return parseHostPackages(readFileSync(file, 'utf8'), file);
}

/** The packages of `always` plus the given needs, sorted, each once; an unknown need throws naming the known ones. */
export function packagesFor(list: HostPackages, needs: string[]): string[] {
  const out = new Set(list.get('always'));
  for (const n of needs) {
    const p = list.get(n);
    if (!p) throw new Error(`host packages: no need ${JSON.stringify(n)} (known: ${[...list.keys()].join(', ')})`);
    for (const x of p) out.add(x);
  }
  return [...out].sort();
}
