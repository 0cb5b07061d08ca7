/**
 * AppArmor for LXC nodes, lab and real hosts alike (issue 24): confined where the host has
 * AppArmor, unconfined only where it has none. Pure: the probe is shell text (run on this machine
 * or over SSH), its key=value answer is parsed, and the choice is a function of it.
 *
 * Where the kernel has AppArmor on (/sys/module/apparmor/parameters/enabled = Y) and LXC was built
 * with it, a node runs under LXC's `generated` profile (lxc.container.conf(5)): LXC writes a
 * profile for the container and loads it with apparmor_parser, then sets it as init's label on
 * exec, after its own set-up (rootfs, the lxc.mount.entry bind mounts): the mounts LXC makes are
 * not mediated by it, while the container's processes may not mount /proc, /sys or /dev over, write
 * most of /proc/sys and /sys, nor read /proc/kcore. `lxc.apparmor.allow_nesting` stays 0 (nesting
 * would add a rule allowing every mount; nodes run no containers). A kernel without AppArmor's
 * mount mediation gets `allow_incomplete = 1` (file, capability and network rules still apply;
 * LXC refuses to start otherwise), recorded as such. A host with AppArmor on but no
 * apparmor_parser cannot load a generated profile: that is a preflight problem naming the package,
 * never a silent fall-back to unconfined. LXC built without AppArmor ignores lxc.apparmor.*: the
 * node is unconfined and run.json says why.
 */

/** What a host says about AppArmor, as the probe below reads it. */
export interface AppArmorProbe {
  /** /sys/module/apparmor/parameters/enabled: 'Y', 'N', or null when the kernel has no AppArmor. */
  kernel: 'Y' | 'N' | null;
  /** /sys/kernel/security/apparmor/features/mount/mask exists (mount mediation). */
  mountMediation: boolean;
  /** apparmor_parser is installed (LXC loads the generated profile with it). */
  parser: boolean;
  /** liblxc has its AppArmor driver (built with AppArmor). */
  lxc: boolean;
}

/** The AppArmor settings of a host's LXC nodes, as written to their config and to run.json. */
export interface LxcAppArmor {
  profile: 'generated' | 'unconfined';
  allow_incomplete: boolean;
  allow_nesting: false;
  /** Why this profile, in words (run.json). */
  reason: string;
}

/**
 * The probe (sh): key=value lines `aa.kernel`, `aa.mount`, `aa.parser`, `aa.lxc`. Reads only.
 * `root` prefixes every path (a test's fake tree; '' on a host).
 */
export function appArmorProbe(root = ''): string {
  if (!/^[A-Za-z0-9._/-]*$/.test(root)) throw new Error(`apparmor probe: a plain path expected as root, got ${JSON.stringify(root)}`);
  const libs = ['/usr/lib/*/liblxc.so.1', '/usr/lib/liblxc.so.1', '/usr/lib64/liblxc.so.1'].map((l) => root + l).join(' ');
  return [
    `echo "aa.kernel=$(cat ${root}/sys/module/apparmor/parameters/enabled 2>/dev/null || echo none)"`,
    `echo "aa.mount=$([ -e ${root}/sys/kernel/security/apparmor/features/mount/mask ] && echo yes || echo no)"`,
    `echo "aa.parser=$({ command -v apparmor_parser >/dev/null 2>&1 || [ -x ${root}/sbin/apparmor_parser ] || [ -x ${root}/usr/sbin/apparmor_parser ]; } && echo yes || echo no)"`,
    // LXC's AppArmor driver (compiled in only with AppArmor support) carries this message.
    `echo "aa.lxc=$(for l in ${libs}; do [ -f "$l" ] && grep -qa 'Cannot use generated profile' "$l" && { echo yes; break; }; done)"`,
  ].join('\n');
}

/** The probe as run on a host. */
export const APPARMOR_PROBE: string = appArmorProbe();

/** The probe's answer (its output, or key=value pairs already parsed; other keys ignored) as typed facts. */
export function parseAppArmorProbe(answer: Record<string, string> | string): AppArmorProbe {
  const p: Record<string, string> = {};
  if (typeof answer === 'string') {
    for (const line of answer.split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) p[line.slice(0, i)] = line.slice(i + 1).trim();
    }
  } else Object.assign(p, answer);
  const k = (p['aa.kernel'] ?? '').trim();
  return {
    kernel: k === 'Y' ? 'Y' : k === 'N' ? 'N' : null,
    mountMediation: p['aa.mount'] === 'yes',
    parser: p['aa.parser'] === 'yes',
    lxc: p['aa.lxc'] === 'yes',
  };
}

/**
 * The profile of a host's LXC nodes from its probe: `generated` where the kernel and LXC have
 * AppArmor, `unconfined` where either has none. A problem (string) where AppArmor is on but
 * apparmor_parser is missing: `where` names the host in it.
 */
export function lxcAppArmorChoice(p: AppArmorProbe, where: string): LxcAppArmor | { problem: string } {
  const unconfined = (reason: string): LxcAppArmor => ({ profile: 'unconfined', allow_incomplete: false, allow_nesting: false, reason });
  if (p.kernel === null) return unconfined('the kernel has no AppArmor');
  if (p.kernel === 'N') return unconfined('AppArmor is disabled in the kernel (apparmor=0)');
  if (!p.lxc) return unconfined('LXC here was built without AppArmor support: it ignores lxc.apparmor.*');
  if (!p.parser)
    return {
      problem: `${where}: AppArmor is on in the kernel but apparmor_parser is missing, and LXC's generated profile for the lxc nodes needs it: apt-get install apparmor`,
    };
  if (!p.mountMediation)
    return {
      profile: 'generated',
      allow_incomplete: true,
      allow_nesting: false,
      reason:
        "LXC's generated profile; the kernel has no AppArmor mount mediation, so lxc.apparmor.allow_incomplete = 1 (file, capability and network rules apply)",
    };
  return { profile: 'generated', allow_incomplete: false, allow_nesting: false, reason: "LXC's generated profile (AppArmor on in the kernel)" };
}

/** The lxc.apparmor.* lines of a node's config. */
export function lxcAppArmorLines(a: LxcAppArmor): string[] {
  return [
    `lxc.apparmor.profile = ${a.profile}`,
    `lxc.apparmor.allow_nesting = ${a.allow_nesting ? 1 : 0}`,
    ...(a.profile === 'generated' ? [`lxc.apparmor.allow_incomplete = ${a.allow_incomplete ? 1 : 0}`] : []),
  ];
}
