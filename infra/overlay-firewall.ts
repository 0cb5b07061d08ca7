/**
 * The overlay's firewall on a real host: one nftables table per run (inet icb_<tag>), created
 * before the run's VXLAN device and removed after it, so that the run's segment never accepts
 * frames from anyone but the run's own hosts. The kernel's VXLAN socket listens on every address
 * of its UDP port whatever `local` says, so without it anyone who can send UDP to the host could
 * inject frames with the run's VNI (which is not secret).
 *
 *   vxlan            VXLAN datagrams carrying the run's VNI are dropped unless their source is the
 *                    data-plane address of another host of the run
 *   vxlan-wireguard  the run's VXLAN is accepted only from the run's WireGuard interface (frames
 *                    sent to the host's public address bypassing the tunnel are dropped), and the
 *                    WireGuard port only from the other hosts' data-plane addresses
 *   provided         no table: the provider's L2 segment is the boundary, nothing listens for it
 *
 * Only packets of this run are matched (its VNI, its WireGuard port): the host's other VXLAN users
 * and other runs are not touched. IPv6 datagrams with the run's VNI are dropped (the overlay is IPv4).
 * Pure: the ruleset as text (for `nft -f -`) and its removal; infra/remote/plan.ts runs them.
 */

/** VNI: bytes 4-6 of the VXLAN header, after the 8-byte UDP header: bits 96..119 of the transport header. */
const VNI_MATCH = (vni: number) => `@th,96,24 ${vni}`;

export interface OverlayFirewall {
  table: string;
  vni: number;
  vxlanPort: number;
  /** Data-plane IPv4 addresses of the run's other hosts. */
  peers: string[];
  /** vxlan-wireguard: the run's WireGuard interface on this host and its UDP port. */
  wireguard?: { ifname: string; port: number };
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const TABLE_RE = /^icb_[A-Za-z0-9]{1,24}$/;

/** The nftables table name of a run on a host: icb_<the run's interface tag>. */
export const firewallTable = (tag: string): string => `icb_${tag}`;

/** The ruleset (nft -f input) of `f`; throws on a value that is not what it should be (nothing is interpolated unchecked). */
export function firewallRuleset(f: OverlayFirewall): string {
  if (!TABLE_RE.test(f.table)) throw new Error(`firewall: bad table name ${JSON.stringify(f.table)}`);
  if (!Number.isInteger(f.vni) || f.vni < 1 || f.vni >= 2 ** 24) throw new Error(`firewall: bad VNI ${f.vni}`);
  for (const p of [f.vxlanPort, ...(f.wireguard ? [f.wireguard.port] : [])])
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`firewall: bad port ${p}`);
  for (const a of f.peers) if (!IPV4.test(a) || a.split('.').some((x) => Number(x) > 255)) throw new Error(`firewall: bad peer address ${JSON.stringify(a)}`);
  if (f.wireguard && !/^[A-Za-z0-9._-]{1,15}$/.test(f.wireguard.ifname)) throw new Error(`firewall: bad interface ${JSON.stringify(f.wireguard.ifname)}`);
  const vx = `udp dport ${f.vxlanPort} ${VNI_MATCH(f.vni)}`;
  // A set with no element cannot be declared with `elements = {}`: a run of one host has no peers.
  const peers = f.peers.length
    ? `\n  set peers {\n    type ipv4_addr\n    elements = { ${f.peers.join(', ')} }\n  }`
    : '\n  set peers {\n    type ipv4_addr\n  }';
  const rules = f.wireguard
    ? [`${vx} iifname != "${f.wireguard.ifname}" counter drop`, `udp dport ${f.wireguard.port} ip saddr != @peers counter drop`]
    : [`meta nfproto ipv4 ${vx} ip saddr != @peers counter drop`];
  rules.push(`meta nfproto ipv6 ${vx} counter drop`);
  return `table inet ${f.table} {${peers}\n  chain overlay_in {\n    type filter hook input priority -200; policy accept;\n${rules.map((r) => `    ${r}\n`).join('')}  }\n}\n`;
}
