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
