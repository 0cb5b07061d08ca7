/**
 * What a container node sees of its host's /etc: an allow-list, never the whole directory. The
 * host's /etc holds secrets (shadow, gshadow, SSH host keys, TLS private keys, WireGuard keys,
 * Docker and libvirt credentials) that a benchmark node has no use for; a node gets what the tools
 * it runs read (user and group names, name resolution, the dynamic loader's cache, the alternatives
 * symlinks behind java, the JVM's config, time zone, CA certificates) and nothing else.
 *
 * Used by lab containers (mounted one by one, only what exists) and by containers on real hosts
 * (the same list, expanded by the host's shell: ETC_SHELL_FUNCTIONS).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Entries of /etc a node may see (exact names; `*` matches within one name, e.g. java-17-openjdk). */
export const ETC_ALLOW = [
  'passwd',
  'group',
  'nsswitch.conf',
  'host.conf',
  'gai.conf',
  'hosts',
  'resolv.conf',
  'services',
  'protocols',
  'networks',
  'ethertypes',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'java-*-openjdk',
  'localtime',
  'timezone',
  'os-release',
  'debian_version',
  'mime.types',
  'iproute2',
  'ca-certificates.conf',
  'ssl/certs',
] as const;

/** Entries that must never be among them, whatever the list says (checked by a test). */
export const ETC_NEVER = ['shadow', 'gshadow', 'ssh', 'ssl/private', 'sudoers', 'wireguard', 'docker', 'libvirt', 'machine-id'] as const;

const matches = (pattern: string, name: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`).test(name);

export interface EtcEntry {
  /** Absolute path, e.g. /etc/passwd. */
  path: string;
  /** A directory (mounted as one) or a file. */
  dir: boolean;
}

/** The allowed entries that exist under `etc` (a symlink counts by what it points to; a dangling one is left out). */
export function etcEntries(etc = '/etc'): EtcEntry[] {
  const out: EtcEntry[] = [];
  for (const pattern of ETC_ALLOW) {
    const parent = pattern.includes('/') ? pattern.slice(0, pattern.lastIndexOf('/')) : '';
    const leaf = pattern.slice(parent ? parent.length + 1 : 0);
    let names: string[];
    try {
      names = readdirSync(join(etc, parent)).filter((n) => matches(leaf, n));
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      const rel = parent ? `${parent}/${n}` : n;
      const p = join(etc, rel);
      if (!existsSync(p)) continue;
      out.push({ path: `/etc/${rel}`, dir: statSync(p).isDirectory() });
    }
  }
  return out;
}

/**
 * Shell functions for real hosts (POSIX sh), for the node types a host runs: `etcShellFunctions`
 * gives `icb_etc_lxc` (the LXC mount entries of the allowed entries that exist on the host) and/or
 * `icb_etc_docker` (the `-v` arguments). Names have no blanks, so the output may be word-split.
 */
export function etcShellFunctions(o: { lxc: boolean; docker: boolean }): string[] {
  return [
    ...ETC_SHELL_BASE,
    ...(o.lxc
      ? ['icb_etc_lxc_line() { echo "lxc.mount.entry = $1 ${1#/} none ro,bind,create=$2 0 0"; }', 'icb_etc_lxc() { icb_etc_each icb_etc_lxc_line; }']
      : []),
    ...(o.docker ? ['icb_etc_docker_arg() { printf -- "-v %s:%s:ro " "$1" "$1"; }', 'icb_etc_docker() { icb_etc_each icb_etc_docker_arg; }'] : []),
  ];
}

const ETC_SHELL_BASE = [
  'icb_etc_each() {',
  `  for e in ${ETC_ALLOW.map((p) => `/etc/${p}`).join(' ')}; do`,
  '    [ -e "$e" ] || continue',
  '    if [ -d "$e" ]; then t=dir; else t=file; fi',
  '    "$@" "$e" "$t"',
  '  done',
  '}',
];

/** Every function (tests). */
export const ETC_SHELL_FUNCTIONS: readonly string[] = etcShellFunctions({ lxc: true, docker: true });

/** Where a run keeps its copy of the allowed /etc entries (for exports that take directories only: QEMU's 9p). */
export const etcViewDir = (workDir: string): string => join(workDir, 'etc-view');

/** Copies the allowed entries into the run's etc view (idempotent; symlinks kept as they are); returns its path. */
export function ensureEtcView(workDir: string, etc = '/etc'): string {
  const dir = etcViewDir(workDir);
  if (existsSync(dir)) return dir;
  mkdirSync(dir, { mode: 0o755 });
  for (const e of etcEntries(etc)) {
    const rel = e.path.slice('/etc/'.length);
    cpSync(join(etc, rel), join(dir, rel), { recursive: true, verbatimSymlinks: true, dereference: false });
  }
  return dir;
}
