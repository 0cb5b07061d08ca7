/**
 * The reusable, offline root filesystem of lab containers: a skeleton of empty directories plus
 * the host's merged-/usr symlinks (/bin -> usr/bin, ...). Everything real comes from the host's
 * /usr and /etc, bind-mounted read-only. The skeleton dir (LXC rootfs) and the Docker image made
 * from it are kept between runs and named as reusable; nothing is downloaded.
 */
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { must, run } from '../exec.js';

export const SKELETON_DIR = process.env.ICBENCH_ROOTFS_SKEL ?? '/var/lib/icbench/rootfs-skel';
export const NODE_IMAGE = 'icbench-node:1';
export const REUSABLE_LABEL = 'icbench.reusable=1';

const DIRS = ['usr', 'etc', 'proc', 'sys', 'dev', 'tmp', 'run', 'root', 'home', 'mnt', 'var/tmp', 'var/lib', 'var/log'];
const LINKS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'];

/** Creates the skeleton if missing (idempotent); returns its path. */
export function ensureSkeleton(dir = SKELETON_DIR): string {
  for (const d of DIRS) mkdirSync(join(dir, d), { recursive: true });
  for (const l of LINKS) {
    let target: string;
    try {
      if (!lstatSync(`/${l}`).isSymbolicLink()) continue;
      target = readlinkSync(`/${l}`);
    } catch {
      continue;
    } // the host has no such directory
    if (!target.replace(/^\/+/, '').startsWith('usr/')) {
      throw new Error(`/${l} -> ${target}: lab containers need a merged-/usr host (Debian 12 or later)`);
    }
    if (!existsSync(join(dir, l)) && !isLink(join(dir, l))) symlinkSync(target.replace(/^\/+/, ''), join(dir, l));
  }
  if (!isLink(join(dir, 'var/run'))) symlinkSync('../run', join(dir, 'var/run'));
  return dir;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Builds the Docker node image from the skeleton unless it exists (labelled reusable). */
export async function ensureNodeImage(image = NODE_IMAGE): Promise<void> {
  if ((await run(['docker', 'image', 'inspect', '--format', '{{.Id}}', image])).ok) return;
  const dir = ensureSkeleton();
  await must(
    'docker import of the lab node image',
    [
      'bash',
      '-o',
      'pipefail',
      '-c',
      'tar -C "$1" -c . | docker import -c "LABEL $3" -m "intercloud-bench lab node: empty skeleton, host /usr and /etc mounted at run time" - "$2"',
      'import',
      dir,
      image,
      REUSABLE_LABEL,
    ],
    { timeoutMs: 60_000 },
  );
}
