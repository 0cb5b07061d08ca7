/** Before anything is created: are we root and are the tools there? Says what to install. */
import { run } from '../exec.js';
import { dockerEngineRunning } from '../virt/docker.js';
import { localLxcAppArmor } from '../virt/lxc.js';
import { wanemBinary } from '../paths.js';
import { labTcpProblems } from './tcp.js';
import { nestedImage } from '../xen/nested-host.js';

const TOOLS: Record<string, string> = {
  ip: 'iproute2',
  tc: 'iproute2',
  bridge: 'iproute2',
  ss: 'iproute2',
  nsenter: 'util-linux',
  ethtool: 'ethtool',
  iperf3: 'iperf3',
  ping: 'iputils-ping',
  sysctl: 'procps',
};

/** Per node virt: the commands its lab nodes need, and the package that has them. */
const VIRT_TOOLS: Record<string, Record<string, string>> = {
  lxc: { 'lxc-start': 'lxc', 'lxc-attach': 'lxc', 'lxc-info': 'lxc', 'lxc-stop': 'lxc', 'lxc-destroy': 'lxc', '/usr/sbin/init.lxc': 'lxc' },
  docker: { docker: 'docker.io', '/usr/bin/docker-init': 'docker.io', tar: 'tar' },
  xen: { 'qemu-system-x86_64': 'qemu-system-x86', ssh: 'openssh-client', 'ssh-keygen': 'openssh-client' },
};

export async function preflight(opts: { lab: boolean; multiSite: boolean; virts?: string[]; tcpCc?: string | null }): Promise<void> {
  const problems: string[] = [];
  if (opts.lab && process.getuid && process.getuid() !== 0) problems.push('the local lab needs root (network namespaces, bridges, VXLAN, tc): run as root');
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const r = await run(['sh', '-c', 'command -v "$1"', 'sh', tool]);
    if (!r.ok) problems.push(`${tool} not found: apt-get install ${pkg}`);
  }
  if (opts.lab && opts.multiSite) {
    try {
      wanemBinary();
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const virts = new Set(opts.virts ?? []);
  for (const v of virts) {
    for (const [tool, pkg] of Object.entries(VIRT_TOOLS[v] ?? {})) {
      const r = await run(['sh', '-c', 'command -v "$1"', 'sh', tool]);
      if (!r.ok) problems.push(`${tool} not found (needed by ${v} nodes): apt-get install ${pkg}`);
    }
  }
  if (opts.lab && virts.has('xen')) {
    try {
      nestedImage(); // Xen, the dom0 and the guest image, built by scripts/build-xen-host.sh
    } catch (e) {
      problems.push(`xen nodes: ${(e as Error).message}`);
    }
  }
  // lxc nodes: AppArmor on in the kernel needs apparmor_parser for LXC's generated profile (infra/virt/lxc-apparmor.ts).
  if (opts.lab && virts.has('lxc')) {
    const aa = await localLxcAppArmor();
    if ('problem' in aa) problems.push(aa.problem);
  }
  if (opts.lab && virts.has('docker') && !problems.some((p) => p.startsWith('docker ')) && !(await dockerEngineRunning())) {
    problems.push('docker nodes need a running Docker engine and `docker info` got no answer: run scripts/docker-engine.sh');
  }
  // --tcp-cc: the kernel must have it (modprobe is tried), and so must the qemu nodes' kernel.
  if (opts.tcpCc) problems.push(...(await labTcpProblems(opts.tcpCc, { qemu: virts.has('qemu') })));
  if (opts.tcpCc && virts.has('xen'))
    problems.push(`--tcp-cc ${opts.tcpCc}: xen nodes run the guest image's kernel, whose algorithms can only be checked once it runs: use --tcp-cc system`);
  if (problems.length) throw new Error('preflight failed:\n  - ' + problems.join('\n  - '));
}
