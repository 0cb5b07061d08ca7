/**
 * Preflight on every real host, in parallel, before anything is created: root, the tools the
 * node type and benchmarks need, VXLAN support, free disk, clock offset against the controller;
 * and the host facts that go into run.json. One error names every host and missing piece.
 */
import { run } from '../exec.js';
import type { Inventory } from '../inventory/types.js';
import type { Progress } from '../progress.js';
import type { SshSession } from '../ssh/session.js';
import { migrationCapability, type MigrationGuestType } from '../xen/capabilities.js';
import { hostTools } from '../rumprun/preflight.js';
import { type HostFeature, hostFeatures, missingLine, missingPackages, type Prerequisite, prerequisiteProbe, prerequisitesOf } from '../host-prerequisites.js';
import { kernelTcpScript, parseKernelTcp, tcpCcProblem, type TcpCc } from '../tcp-stack.js';
import { APPARMOR_PROBE, lxcAppArmorChoice, parseAppArmorProbe, type LxcAppArmor } from '../virt/lxc-apparmor.js';

export interface HostFacts {
  host: string;
  site: string;
  kernel: string;
  cpu_model: string;
  cpus: number;
  memory_mb: number;
  /** Free space under /var/tmp, MB. */
  disk_free_mb: number;
  /** Host clock minus controller clock, ms (the ssh round trip is taken off by halving it). */
  clock_offset_ms: number;
  tools: Record<string, string>;
  /** icbench_l2vpn provided: the host's interface on the segment and its MTU. */
  l2_interface?: { name: string; mtu: number };
  /** The host kernel's congestion controls: available, allowed in namespaces, its default, and its default qdisc. */
  tcp?: { available: string[]; allowed: string[]; default: string; qdisc: string | null };
  /** lxc nodes: the AppArmor profile they run under on this host, and why (infra/virt/lxc-apparmor.ts). */
  lxc_apparmor?: LxcAppArmor;
}

/** Rumprun unikernels on a Xen host: tools that are no Debian package (infra/rumprun/preflight.ts says where each comes from). */
const RUMPRUN_TOOLS: Record<string, string> = hostTools('xen');

/** `xl info` fields the probe reads on Xen hosts. */
const XL_FIELDS = ['xen_version', 'xen_major', 'xen_minor', 'virt_caps', 'xen_caps', 'total_memory', 'free_memory', 'nr_cpus'];

/** What real sites need of their hosts beyond the node type (set by the scenario). */
export interface PreflightNeeds {
  /** The scenario live-migrates Xen guests of this type: every Xen host must be able to (infra/xen/capabilities.ts). */
  migration?: MigrationGuestType;
  /** --tcp-cc's algorithm for every node (null or absent: the kernels' own): each host's kernel must allow it in namespaces. */
  tcpCc?: TcpCc | null;
  /** The benchmarks' host features (infra/host-prerequisites.ts): their packages are checked too. */
  features?: readonly HostFeature[];
}

/**
 * A Xen host's answer to the probe: its `xl info` fields, and the problems for what the run needs.
 * Pure (the probe's key=value lines in), so tested on real `xl info` output.
 */
export function xenHostCheck(host: string, p: Record<string, string>, needs: PreflightNeeds = {}): { problems: string[]; facts: Record<string, string> } {
  if (p['xl.ok'] !== 'yes')
    return {
      problems: [`${host}: xl info failed (${p['xl.error'] || 'no output'}): the host must run Xen with this as dom0 and xencommons started`],
      facts: {},
    };
  const fields: Record<string, string> = {};
  for (const f of XL_FIELDS) fields[f] = p[`xl.${f}`] ?? '';
  const facts: Record<string, string> = { xen: fields.xen_version, 'xen virt_caps': fields.virt_caps, 'xen xen_caps': fields.xen_caps };
  const problems: string[] = [];
  if (needs.migration) {
    const info = {
      xenVersion: fields.xen_version,
      totalMemoryMiB: Number(fields.total_memory),
      freeMemoryMiB: Number(fields.free_memory),
      nrCpus: Number(fields.nr_cpus),
      fields,
    };
    const cap = migrationCapability(info, needs.migration);
    facts['xen migration'] = cap.ok === null ? 'unknown' : cap.ok ? 'yes' : 'no';
    if (cap.ok === false) problems.push(`${host}: cannot live-migrate ${needs.migration.toUpperCase()} guests: ${cap.reason}`);
  }
  return { problems, facts };
}

/**
 * --tcp-cc on one host: its kernel must have the algorithm and let namespaces use it (the allowed
 * list is the host's own, which the harness leaves alone); Xen guests boot their own kernel, which
 * cannot be checked before it runs, so they are refused. Pure (the probe's key=value lines in).
 */
export function hostTcpCheck(host: string, virt: string, p: Record<string, string>, want: string | null): { problems: string[]; tcp?: HostFacts['tcp'] } {
  const k = parseKernelTcp(p);
  const tcp = k ? { available: k.available, allowed: k.allowed, default: k.default, qdisc: k.qdisc } : undefined;
  if (!want) return { problems: [], tcp };
  if (virt === 'xen' || virt === 'rumprun')
    return {
      problems: [`${host}: --tcp-cc ${want} is not supported for ${virt} nodes (their kernel can only be checked once it runs): use --tcp-cc system`],
      tcp,
    };
  const problem = tcpCcProblem(want, k, `host ${host}`, { namespaces: true, canAllow: false });
  return { problems: problem ? [problem] : [], tcp };
}

/** The probe run on a host: key=value lines. Pure text, so it can be tested without a host. */
export function probeScript(tools: string[], l2Interface: string | null = null, packages: readonly Prerequisite[] = [], lxc = false): string {
  const l2 = l2Interface
    ? [
        `echo "l2if.mtu=$(cat /sys/class/net/${l2Interface}/mtu 2>/dev/null || echo MISSING)"`,
        `echo "l2if.master=$(basename "$(readlink /sys/class/net/${l2Interface}/master 2>/dev/null)" 2>/dev/null)"`,
        `echo "l2if.addrs=$(ip -o addr show dev ${l2Interface} 2>/dev/null | awk '{print $4}' | sed 's#/.*##' | tr '\n' ' ')"`,
        // The address this SSH connection arrived on (sshd sets SSH_CONNECTION: client port server port).
        'echo "ssh.server=$(echo "$SSH_CONNECTION" | awk \'{print $3}\')"',
      ]
    : [];
  return `${[
    ...l2,
    'echo "uid=$(id -u)"',
    'echo "kernel=$(uname -r)"',
    'echo "cpus=$(nproc 2>/dev/null || echo 0)"',
    `echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"`,
    `echo "memory_kb=$(sed -n 's/^MemTotal:[[:space:]]*\\([0-9]*\\).*/\\1/p' /proc/meminfo)"`,
    `echo "disk_free_kb=$(df -Pk /var/tmp 2>/dev/null | awk 'NR==2 {print $4}')"`,
    'echo "vxlan=$( [ -d /sys/module/vxlan ] || modprobe -n vxlan 2>/dev/null && echo yes || echo no)"',
    // Docker nodes: the engine must answer (its server version), not only the client exist.
    ...(tools.includes('docker') ? [`echo "docker.engine=$(docker info --format '{{.ServerVersion}}' 2>/dev/null || echo DOWN)"`] : []),
    // Xen hosts: the hypervisor must answer xl (dom0, xencommons running); its info decides migration.
    ...(tools.includes('xl')
      ? [
          // A private temp file (mktemp: a new name, mode 0600), never a fixed path in /tmp as root.
          'XLI=$(mktemp) || XLI=',
          '[ -n "$XLI" ] && xl info > "$XLI" 2>&1 && echo "xl.ok=yes" || echo "xl.ok=no"',
          ...XL_FIELDS.map((f) => `echo "xl.${f}=$([ -n "$XLI" ] && sed -n 's/^${f}[[:space:]]*: //p' "$XLI" | head -1)"`),
          'echo "xl.error=$([ -n "$XLI" ] && tail -1 "$XLI")"',
          '[ -n "$XLI" ] && rm -f "$XLI"',
        ]
      : []),
    ...tools.map(
      (t) =>
        `echo "tool.${t}=$(command -v ${t} >/dev/null 2>&1 && (${t === 'iperf3' ? 'iperf3 --version 2>&1 | head -1' : t === 'ip' ? 'ip -V 2>&1 | head -1' : 'echo present'}) || echo MISSING)"`,
    ),
    // The host prerequisites of the run's features: one dpkg-query, and command -v per command.
    ...(packages.length ? prerequisiteProbe(packages) : []),
    // lxc nodes: does the host have AppArmor (and LXC with it, and apparmor_parser)?
    ...(lxc ? [APPARMOR_PROBE] : []),
    // Read only: a real host's kernel modules are not loaded by the harness (the error says how).
    kernelTcpScript(null).trimEnd(),
    'echo "clock=$(date +%s%N)"',
  ].join('\n')}\n`;
}

export function parseProbe(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  return out;
}

export async function preflightHosts(ssh: SshSession, inv: Inventory, progress: Progress, needs: PreflightNeeds = {}): Promise<HostFacts[]> {
  const problems: string[] = [];
  progress.stage('preflight', `${ssh.targets.length} hosts`);
  const facts = await ssh.runAll(async (t, exec) => {
    const host = inv.sites.flatMap((s) => s.hosts).find((h) => h.name === t.name)!;
    const packages = prerequisitesOf(hostFeatures({ virt: host.virt, l2vpn: inv.l2vpn, benchmarks: needs.features }));
    // Tools whose version (or answer) goes to run.json; the rest are checked as packages.
    const tools = [...new Set([...packages.flatMap((p) => p.commands), ...(host.virt === 'rumprun' ? Object.keys(RUMPRUN_TOOLS) : [])])];
    const sent = Date.now();
    const l2if = inv.l2vpn === 'provided' ? (host.l2Interface ?? null) : null;
    const r = await run(exec.wrap(['sh', '-s']), { input: probeScript(tools, l2if, packages, host.virt === 'lxc'), timeoutMs: 30_000 });
    const back = Date.now();
    const p = parseProbe(r.stdout);
    if (!r.ok || p.uid === undefined) {
      problems.push(`${t.name}: the probe did not run (${(r.stderr || 'no output').trim().split('\n').pop()})`);
      return null;
    }
    if (p.uid !== '0') problems.push(`${t.name}: needs root for namespaces and links (logged in as uid ${p.uid}): set ansible_user: root`);
    let l2: HostFacts['l2_interface'];
    if (l2if) {
      const addrs = (p['l2if.addrs'] ?? '').split(/\s+/).filter(Boolean);
      const carrying = [host.ssh.host, p['ssh.server']].filter((a) => a && addrs.includes(a));
      if (p['l2if.mtu'] === 'MISSING' || p['l2if.mtu'] === undefined) problems.push(`${t.name}: icbench_l2_interface ${l2if} does not exist on the host`);
      else if (carrying.length)
        problems.push(
          `${t.name}: icbench_l2_interface ${l2if} holds ${carrying[0]}, the address SSH uses: it cannot become a bridge port (give the interface on the provided segment)`,
        );
      else if (p['l2if.master']) problems.push(`${t.name}: icbench_l2_interface ${l2if} is already a port of ${p['l2if.master']}`);
      else l2 = { name: l2if, mtu: Number(p['l2if.mtu']) };
    }
    if (inv.l2vpn !== 'provided' && p.vxlan !== 'yes') problems.push(`${t.name}: the kernel has no VXLAN (module vxlan)`);
    const toolVersions: Record<string, string> = {};
    for (const tool of tools) {
      const v = p[`tool.${tool}`];
      if (v && v !== 'MISSING') toolVersions[tool] = v;
      else if (RUMPRUN_TOOLS[tool] && host.virt === 'rumprun') problems.push(`${t.name}: ${tool} not found: ${RUMPRUN_TOOLS[tool]}`);
    }
    const missing = missingPackages(packages, p);
    if (missing.length) problems.push(missingLine(t.name, missing));
    if (tools.includes('docker') && toolVersions.docker) {
      const engine = p['docker.engine'];
      if (!engine || engine === 'DOWN') problems.push(`${t.name}: the Docker engine does not answer (docker info): systemctl start docker`);
      else toolVersions['docker engine'] = engine;
    }
    if (tools.includes('xl') && toolVersions.xl) {
      const x = xenHostCheck(t.name, p, needs);
      problems.push(...x.problems);
      Object.assign(toolVersions, x.facts);
    }
    const tcp = hostTcpCheck(t.name, host.virt, p, needs.tcpCc ?? null);
    problems.push(...tcp.problems);
    let apparmor: LxcAppArmor | undefined;
    if (host.virt === 'lxc') {
      const aa = lxcAppArmorChoice(parseAppArmorProbe(p), t.name);
      if ('problem' in aa) problems.push(aa.problem);
      else apparmor = aa;
    }
    const freeMb = Math.round(Number(p.disk_free_kb ?? 0) / 1024);
    if (freeMb < 512) problems.push(`${t.name}: only ${freeMb} MB free under /var/tmp (at least 512 MB wanted)`);
    const remoteMs = Number(p.clock ?? 0) / 1e6;
    return {
      host: t.name,
      site: host.site,
      kernel: p.kernel ?? '',
      cpu_model: p.cpu_model ?? '',
      cpus: Number(p.cpus ?? 0),
      memory_mb: Math.round(Number(p.memory_kb ?? 0) / 1024),
      disk_free_mb: freeMb,
      clock_offset_ms: Math.round(remoteMs - (sent + back) / 2),
      tools: toolVersions,
      ...(l2 ? { l2_interface: l2 } : {}),
      ...(tcp.tcp ? { tcp: tcp.tcp } : {}),
      ...(apparmor ? { lxc_apparmor: apparmor } : {}),
    } satisfies HostFacts;
  });
  if (problems.length) throw new Error(`preflight failed on the hosts (nothing was created):\n  - ${problems.join('\n  - ')}`);
  return facts.filter((f): f is HostFacts => f !== null);
}
