/** Underlay addressing of the lab WAN (RFC 2544 benchmarking range 198.18.0.0/15, inside lab namespaces only). */
export const VXLAN_PORT = 4789;
export const VXLAN_VNI = 4242;
/** Outer headers VXLAN adds to an inner Ethernet frame (IPv4 + UDP + VXLAN + inner Ethernet). */
export const VXLAN_OVERHEAD = 50;

/** Gateway i's underlay address (site index i, 0-based). */
export const gwUnderlay = (i: number) => `198.18.${i + 1}.2`;
/** WAN namespace side of the link to gateway i. */
export const wanSide = (i: number) => `198.18.${i + 1}.1`;
/** Relay endpoint for pair (i, j) as seen from site i: gateway i sends pair traffic here. */
export const relayFacing = (i: number, j: number) => `198.19.${i + 1}.${j + 1}`;
export const RELAY_NET = '198.19.0.0/16';

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
