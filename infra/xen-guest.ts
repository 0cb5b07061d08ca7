/**
 * What a Xen PV guest image can run, as typed data. Every guest runs iperf3, ping and
 * load-latency (its image must hold sshd, iproute2's ip and ss, iperf3 and iputils' ping); the
 * workloads below need more, and a node may run one only when its image says it holds it
 * (NodeSpec.guestRuns): the lab's guest (scripts/build-xen-host.sh: a Debian root disk) holds
 * them all but Hadoop; on real sites the inventory says what the user's image holds
 * (`icbench_xen_guest_runs`). The packages each needs are the host prerequisites' features of the
 * same name (infra/host-prerequisites.ts): one list for hosts and guest images.
 */
import { HOST_PREREQUISITES, type HostFeature, type Prerequisite } from './host-prerequisites.js';

/** Workloads beyond iperf3, ping and load-latency that a guest image may hold. */
export const XEN_GUEST_WORKLOADS = ['pgbench', 'http', 'terasort-lab', 'hadoop'] as const;
export type XenGuestWorkload = (typeof XEN_GUEST_WORKLOADS)[number];

export const isXenGuestWorkload = (x: unknown): x is XenGuestWorkload => typeof x === 'string' && (XEN_GUEST_WORKLOADS as readonly string[]).includes(x);

/** The host-prerequisite features a guest image needs for each workload (base: what every guest needs). */
const FEATURES: Record<'base' | XenGuestWorkload, readonly HostFeature[]> = {
  base: ['base', 'nodes'],
  pgbench: ['pgbench'],
  http: ['http', 'http-nginx'],
  'terasort-lab': ['terasort-lab'],
  hadoop: ['hadoop'],
};

/** What a workload is called in messages. */
export const WORKLOAD_NEEDS: Record<XenGuestWorkload, string> = {
  pgbench: 'PostgreSQL 15 and pgbench',
  http: 'nginx or busybox httpd and wrk',
  'terasort-lab': 'Node.js for the shipped lab Terasort worker',
  hadoop: 'a JDK for Hadoop (shipped)',
};

/** The packages a guest image must hold for `w` (base: every guest; the sshd server on top of the list). */
export function guestImagePackages(w: 'base' | XenGuestWorkload): Prerequisite[] {
  const out: Prerequisite[] = [];
  if (w === 'base') out.push({ package: 'openssh-server', commands: ['sshd'], why: 'commands reach the guest by ssh from its dom0' });
  for (const f of FEATURES[w]) out.push(...HOST_PREREQUISITES[f].needs);
  return out;
}

/**
 * The lab guest (scripts/build-xen-host.sh): the Debian root holds what pgbench, http and the lab
 * Terasort engine need. Hadoop stays out: not tried in a guest (a JVM per daemon and per task
 * under TCG, where Node.js alone takes 20-50 s per Terasort phase; docs/node-types.md).
 */
export const XEN_LAB_GUEST_RUNS: readonly XenGuestWorkload[] = ['pgbench', 'http', 'terasort-lab'];

/** The docs' table of what a guest image must hold, per workload (docs/node-types.md). */
export function guestImageTable(): string {
  const rows = (['base', ...XEN_GUEST_WORKLOADS] as const).map((w) => {
    const pk = guestImagePackages(w);
    return `| ${w === 'base' ? 'every guest (iperf3, ping, load-latency)' : w} | ${[...new Set(pk.map((p) => p.package))].map((p) => `\`${p}\``).join(', ')} | ${[
      ...new Set(pk.flatMap((p) => p.commands)),
    ]
      .map((c) => `\`${c}\``)
      .join(', ')} |`;
  });
  return ['| workload | Debian packages in the guest image | commands the harness runs in the guest |', '| --- | --- | --- |', ...rows].join('\n');
}
