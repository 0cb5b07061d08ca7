/**
 * What a lab container sees of this machine, at the same paths as the host: /usr read-only and
 * the allowed entries of /etc read-only, one by one (infra/virt/etc-allow.ts: never shadow, SSH
 * host keys or other secrets; Debian is merged-/usr, so /bin, /lib, /sbin come along as symlinks in the skeleton),
 * the package read-only (runners start node workers and scripts from it) and the run's work dir
 * read-write. /tmp, /run, /proc, /sys and /dev are the container's own.
 */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { packageRoot } from '../paths.js';
import { etcEntries, type EtcEntry } from './etc-allow.js';

export interface SharedMount {
  path: string;
  readOnly: boolean;
  /** A file, not a directory (LXC creates the mount point as a file). */
  file?: boolean;
}

/** The container's own tmpfs mounts (mounted before the shared paths, which may lie below them). */
export const PRIVATE_TMPFS = ['/tmp', '/run'] as const;

/**
 * Package roots: the one this code runs from and, when that is a build output whose package.json
 * and node_modules are symlinks (a dist/ elsewhere), the folder they point into.
 */
export function packageRoots(root = packageRoot()): string[] {
  const roots = [root];
  try {
    const real = dirname(realpathSync(`${root}/package.json`));
    if (real !== root) roots.push(real);
  } catch {
    /* no package.json: only the root */
  }
  return roots;
}

/** Pure but for `etc`: the mount list for a run whose work dir is `workDir`, shallow paths first. */
export function sharedMounts(workDir: string, roots: string[], etc: EtcEntry[] = etcEntries()): SharedMount[] {
  const out: SharedMount[] = [{ path: '/usr', readOnly: true }, ...etc.map((e) => ({ path: e.path, readOnly: true, ...(e.dir ? {} : { file: true }) }))];
  for (const r of roots) out.push({ path: r, readOnly: true });
  out.push({ path: workDir, readOnly: false });
  for (const m of out) {
    if (!m.path.startsWith('/') || m.path.includes('\n') || /\s/.test(m.path)) {
      throw new Error(`container mount path must be absolute without blanks, got ${JSON.stringify(m.path)}`);
    }
  }
  // Drop a path already covered by an earlier one with the same access (e.g. a root inside /usr).
  const kept = out.filter((m, i) => !out.some((o, j) => j < i && o.readOnly === m.readOnly && (m.path === o.path || m.path.startsWith(o.path + '/'))));
  return kept.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
}
