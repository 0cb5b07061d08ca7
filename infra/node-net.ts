/**
 * A node's own network settings, shared by the providers that make node namespaces (lab, remote)
 * and by the qemu VMM and its migration landings: the node sysctls, the node MAC, and the VMM
 * namespace's bridge, MAC and link-local address. Pure values and `ip -batch` lines; nothing here
 * touches the machine.
 */

/** TCP buffers large enough for 1 Gbit/s over long RTTs (the default wmem max of 4 MiB limits one flow). */
export const NODE_SYSCTLS: Record<string, string> = {
  'net.ipv4.tcp_rmem': '4096 131072 67108864',
  'net.ipv4.tcp_wmem': '4096 65536 67108864',
  'net.ipv6.conf.all.disable_ipv6': '1',
  'net.ipv6.conf.default.disable_ipv6': '1',
};

/**
 * qemu nodes: the VMM namespace's own address on the cluster segment (for the migration stream
 * between QEMU processes, which crosses the L2VPN like the VM's traffic), in a link-local range
 * that never collides with the cluster subnet: 169.254.128.0/17, one per node index (or slot).
 */
export const VMM_PREFIX = 17;
export function vmmAddress(slot: number): string {
  if (!Number.isInteger(slot) || slot < 0 || slot > 32765) throw new Error(`VMM address slot must be 0..32765, got ${slot}`);
  const i = slot + 1;
  return `169.254.${128 + (i >> 8)}.${i & 255}`;
}
/** The VMM namespace bridge's MAC (distinct from the guest NIC's nodeMac). */
export function vmmMac(slot: number): string {
  return ['02', '1d', (slot >>> 24) & 255, (slot >>> 16) & 255, (slot >>> 8) & 255, slot & 255]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

/** A stable, locally administered MAC per node, so that neighbours can be written ahead. */
export function nodeMac(index: number): string {
  return ['02', '1c', (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

/**
 * `ip -batch` lines of a qemu node's VMM namespace (also a migration landing slot): a bridge
 * joining the veth to the host bridge (eth0) and the VM's tap (tap0), holding the VMM's own
 * link-local address for the migration stream. The guest sets the cluster address itself.
 */
export function vmmLines(slot: number, tap = 'tap0'): string[] {
  return [
    'link set lo up',
    'link add br0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0',
    `link set br0 address ${vmmMac(slot)}`,
    'link set eth0 master br0 up',
    `tuntap add dev ${tap} mode tap`,
    `link set ${tap} master br0 up`,
    `addr add ${vmmAddress(slot)}/${VMM_PREFIX} dev br0`,
    'link set br0 up',
  ];
}
