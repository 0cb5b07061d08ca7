/**
 * Pure: the LXC configuration of one lab node. The container shares the reusable skeleton root
 * (empty dirs and the merged-/usr symlinks), gets the host paths of `sharedMounts` bind-mounted at
 * the same places, has its own network namespace holding only lo (the lab wires eth0 into it),
 * and runs LXC's own minimal init, which reaps zombies, around `sleep infinity`.
 */
import { lxcAppArmorLines, type LxcAppArmor } from './lxc-apparmor.js';
import type { SharedMount } from './mounts.js';
import { PRIVATE_TMPFS } from './mounts.js';

export interface LxcConfigInput {
  /** Container name (icb-<run>-<node>), also what init.lxc is told. */
  name: string;
  /** Node name: the container's hostname. */
  hostname: string;
  rootfs: string;
  mounts: SharedMount[];
  /**
   * The node's own /etc/hosts (the host's plus `127.0.1.1 <hostname>`, as Debian's installer
   * writes it): the container's name must resolve there (Java's getLocalHost, Hadoop's daemons).
   * Replaces the host's /etc/hosts among `mounts`.
   */
  hostsFile?: string;
  /** The host's AppArmor choice for its LXC nodes (infra/virt/lxc-apparmor.ts). */
  apparmor: LxcAppArmor;
}

/** A node's /etc/hosts: the host's, and its own name on 127.0.1.1 (pure). */
export function nodeHostsFile(hostHosts: string, hostname: string): string {
  const own = hostHosts.split('\n').filter((l) => !/^127\.0\.1\.1\s/.test(l));
  return `${[...own.filter((l, i) => l !== '' || i < own.length - 1), `127.0.1.1\t${hostname}`].join('\n')}\n`;
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
    // LXC's generated profile where the host has AppArmor, unconfined where it has none
    // (infra/virt/lxc-apparmor.ts); LXC's own mounts below are made before the profile applies.
    // No seccomp filter is configured, so LXC adds none.
    ...lxcAppArmorLines(c.apparmor),
    ...PRIVATE_TMPFS.map((t) => `lxc.mount.entry = tmpfs ${rel(t)} tmpfs rw,nosuid,nodev,mode=${t === '/tmp' ? '1777' : '755'} 0 0`),
    // Mount points below /tmp or /run are made inside those tmpfs, the rest once in the skeleton.
    ...(c.hostsFile ? [`lxc.mount.entry = ${c.hostsFile} etc/hosts none ro,bind,create=file 0 0`] : []),
    ...c.mounts
      .filter((m) => !(c.hostsFile && m.path === '/etc/hosts'))
      .map((m) => `lxc.mount.entry = ${m.path} ${rel(m.path)} none ${m.readOnly ? 'ro,' : ''}bind,create=${m.file ? 'file' : 'dir'} 0 0`),
    `lxc.init.cmd = ${LXC_INIT} --name ${c.name} --quiet -- /usr/bin/sleep infinity`,
    'lxc.signal.halt = SIGTERM',
  ];
  for (const v of [c.name, c.hostname, c.rootfs, ...(c.hostsFile ? [c.hostsFile] : [])]) {
    if (!v || /\s/.test(v)) throw new Error(`lxc config: a value without blanks expected, got ${JSON.stringify(v)}`);
  }
  return lines.join('\n') + '\n';
}
