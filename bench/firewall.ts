/**
 * npm run bench:firewall: what the overlay firewall (infra/overlay-firewall.ts) costs, with the run's
 * nftables table and without it, alternating on the same testbed.
 *   --on fixture   (default) inter-site iperf3 on the isolated SSH-sites fixture, a real-sites
 *                  testbed over its emulated 20 ms WAN (bench/firewall-fixture.ts); --l2vpn vxlan
 *                  (default) or vxlan-wireguard
 *   --on veth      two namespaces joined by a VXLAN over a veth, a fast path with nothing else in
 *                  the way (bench/firewall-veth.ts)
 *   --samples N    per side (default 6 on the fixture, 8 on veth)   --seconds S per sample (default 5 / 3)
 * Figures: docs/measured.md.
 */
import { parseArgs } from 'node:util';
import { benchFirewallFixture } from './firewall-fixture.js';
import { benchFirewallVeth } from './firewall-veth.js';

const { values } = parseArgs({
  options: {
    on: { type: 'string', default: 'fixture' },
    samples: { type: 'string' },
    seconds: { type: 'string' },
    l2vpn: { type: 'string', default: 'vxlan' },
  },
});
if (values.on !== 'fixture' && values.on !== 'veth') throw new Error(`--on: expected fixture or veth, got ${values.on}`);
const fixture = values.on === 'fixture';
const n = Number(values.samples ?? (fixture ? 6 : 8));
const seconds = Number(values.seconds ?? (fixture ? 5 : 3));
if (!Number.isInteger(n) || n < 3 || n > 50) throw new Error(`--samples: expected 3 to 50, got ${values.samples}`);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 30) throw new Error(`--seconds: expected 1 to 30, got ${values.seconds}`);
if (values.l2vpn !== 'vxlan' && values.l2vpn !== 'vxlan-wireguard') throw new Error(`--l2vpn: expected vxlan or vxlan-wireguard, got ${values.l2vpn}`);
if (!fixture && values.l2vpn !== 'vxlan') throw new Error('--l2vpn: only with --on fixture');

if (fixture) await benchFirewallFixture({ samples: n, seconds, l2vpn: values.l2vpn });
else await benchFirewallVeth(n, seconds);
