/** Before anything is created: are we root and are the tools there? Says what to install. */
import { run } from '../infra/exec.js';
import { wanemBinary } from '../infra/paths.js';

const TOOLS: Record<string, string> = {
  ip: 'iproute2', tc: 'iproute2', bridge: 'iproute2', ss: 'iproute2', nsenter: 'util-linux', ethtool: 'ethtool',
  iperf3: 'iperf3', ping: 'iputils-ping', sysctl: 'procps',
};

export async function preflight(opts: { lab: boolean; multiSite: boolean }): Promise<void> {
  const problems: string[] = [];
  if (opts.lab && process.getuid && process.getuid() !== 0) problems.push('the local lab needs root (network namespaces, bridges, VXLAN, tc): run as root');
  for (const [tool, pkg] of Object.entries(TOOLS)) {
    const r = await run(['sh', '-c', 'command -v "$1"', 'sh', tool]);
    if (!r.ok) problems.push(`${tool} not found: apt-get install ${pkg}`);
  }
  if (opts.lab && opts.multiSite) {
    try { wanemBinary(); } catch (e) { problems.push((e as Error).message); }
  }
  if (problems.length) throw new Error('preflight failed:\n  - ' + problems.join('\n  - '));
}
