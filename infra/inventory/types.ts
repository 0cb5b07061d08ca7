/** A host inventory of real sites (an Ansible-shaped YAML file, infra/inventory/load.ts). */
import type { XenGuestWorkload } from '../xen-guest.js';
import type { Virt } from '../config.js';
import type { SshTarget } from '../ssh/config.js';

export type { SshTarget } from '../ssh/config.js';
export type { Virt } from '../config.js';

export const L2VPN_MODES = ['provided', 'vxlan', 'vxlan-wireguard'] as const;
/** How the sites' hosts share one L2 segment: already there (provided), VXLAN, or VXLAN over WireGuard. */
export type L2vpnMode = (typeof L2VPN_MODES)[number];

export interface InventoryHost {
  /** The inventory host name (unique in the file); also its ssh alias. */
  name: string;
  /** The site (group) it belongs to. */
  site: string;
  ssh: SshTarget;
  /** Data-plane IPv4 the overlay and the benchmarks use (unique in the file). */
  dataAddress: string;
  virt: Virt;
  nodesPerHost: number;
  /** icbench_l2vpn provided: the host interface on the shared L2 segment (the bridge enslaves it). */
  l2Interface?: string | null;
  /** icbench_virt xen: the PV guest each node runs (paths on the Xen host). */
  xen?: XenGuestImage;
}

/** The PV guest of xen nodes: a Linux kernel (+ initramfs) on the Xen host, booted with `ip=` for its cluster address. */
export interface XenGuestImage {
  kernel: string;
  ramdisk: string | null;
  memoryMiB: number;
  vcpus: number;
  /** Private key on the dom0 for ssh into the guests (null: root's default identities). */
  guestKey: string | null;
  /** A disk (image file or block device on the dom0) every guest gets read-only as xvda, e.g. its root; null: none. */
  disk: string | null;
  /** What the image holds beyond iperf3, ping and load-latency (infra/xen-guest.ts; `icbench_xen_guest_runs`). */
  runs: readonly XenGuestWorkload[];
}

export interface InventorySite {
  name: string;
  /** LAN rate in bit/s, recorded only (null when not given). */
  lanBps: number | null;
  /** Free text such as "10GbE" ('' when not given). */
  lanLabel: string;
  virt: Virt;
  hosts: InventoryHost[];
}

export interface Inventory {
  /** The inventory file, absolute. */
  file: string;
  sites: InventorySite[];
  l2vpn: L2vpnMode;
  /** Absolute path of the only known_hosts file ssh consults. */
  knownHostsFile: string;
  /** CIDR of the cluster (overlay) subnet, or null for the default. */
  clusterSubnet: string | null;
}
