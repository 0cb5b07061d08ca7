/**
 * Pure: the LXC configuration of one lab node. The container shares the reusable skeleton root
 * (empty dirs and the merged-/usr symlinks), gets the host paths of `sharedMounts` bind-mounted at
 * the same places, has its own network namespace holding only lo (the lab wires eth0 into it),
 * and runs LXC's own minimal init, which reaps zombies, around `sleep infinity`.
 */
import type { SharedMount } from './mounts.js';
import { PRIVATE_TMPFS } from './mounts.js';

export interface LxcConfigInput {
  /** Container name (icb-<run>-<node>), also what init.lxc is told. */
  name: string;
  /** Node name: the container's hostname. */
  hostname: string;
  rootfs: string;
  mounts: SharedMount[];
}

export const LXC_INIT = '/usr/sbin/init.lxc';

export function lxcConfig(c: LxcConfigInput): string {
  const rel = (p: string) => p.replace(/^\/+/, '');
  const lines = [
    `# lab node ${c.hostname}: written by intercloud-bench, removed with the run`,
    `lxc.uts.name = ${c.hostname}`,
    `lxc.rootfs.path = dir:${c.rootfs}`,
    'lxc.net.0.type = empty',
    'lxc.mount.auto = proc:mixed sys:ro cgroup:mixed',
    'lxc.autodev = 1',
    'lxc.pty.max = 16',
    'lxc.tty.max = 0',
    // Where the host has AppArmor, the default profile forbids the bind mounts above; no seccomp
    // filter is configured, so LXC adds none.
    'lxc.apparmor.profile = unconfined',
    'lxc.apparmor.allow_nesting = 0',
    ...PRIVATE_TMPFS.map((t) => `lxc.mount.entry = tmpfs ${rel(t)} tmpfs rw,nosuid,nodev,mode=${t === '/tmp' ? '1777' : '755'} 0 0`),
    // Mount points below /tmp or /run are made inside those tmpfs, the rest once in the skeleton.
    ...c.mounts.map((m) => `lxc.mount.entry = ${m.path} ${rel(m.path)} none ${m.readOnly ? 'ro,' : ''}bind,create=${m.file ? 'file' : 'dir'} 0 0`),
    `lxc.init.cmd = ${LXC_INIT} --name ${c.name} --quiet -- /usr/bin/sleep infinity`,
    'lxc.signal.halt = SIGTERM',
  ];
  for (const v of [c.name, c.hostname, c.rootfs]) {
    if (!v || /\s/.test(v)) throw new Error(`lxc config: a value without blanks expected, got ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}
