/**
 * The testbed spec of real sites: the topology comes from the inventory (its groups are the
 * sites, its hosts the hosts), everything else (scenario name, WAN profiles, results dir) from the
 * scenario. The scenario's sites must be the inventory's groups, so the same script runs on the
 * lab and on real sites unchanged. Pure.
 */
import { resolveConfig, type ScenarioInput, type TestbedSpec } from '../config.js';
import type { Inventory } from '../inventory/types.js';
import { ConfigError, Rate } from '../units.js';
import type { HostPlace } from './plan.js';

export function specFromInventory(inv: Inventory, config: ScenarioInput): { spec: TestbedSpec; places: HostPlace[] } {
  const want = (config.sites ?? []).map((s) => s.name);
  const have = inv.sites.map((s) => s.name);
  const norm = (xs: string[]) =>
    xs
      .map((x) => x.toLowerCase())
      .sort()
      .join(',');
  if (norm(want) !== norm(have)) {
    throw new ConfigError(`${inv.file}: all.children`, `the scenario's sites as groups (${want.join(', ')})`, have.join(', '));
  }
  for (const s of inv.sites) {
    const counts = new Set(s.hosts.map((h) => h.nodesPerHost));
    if (counts.size > 1)
      throw new ConfigError(`${inv.file}: all.children.${s.name}`, 'the same icbench_nodes_per_host on every host of a site', [...counts].join(' and '));
    if (inv.l2vpn === 'provided')
      for (const h of s.hosts)
        if (!h.l2Interface)
          throw new ConfigError(
            `${inv.file}: all.children.${s.name}.hosts.${h.name}.icbench_l2_interface`,
            "the host's interface on the provided L2 segment (required with icbench_l2vpn: provided; in the host's or the site's vars)",
            undefined,
          );
    const virts = new Set(s.hosts.map((h) => h.virt));
    if (virts.size > 1) throw new ConfigError(`${inv.file}: all.children.${s.name}`, 'the same icbench_virt on every host of a site', [...virts].join(' and '));
  }
  const input: ScenarioInput = {
    ...config,
    sites: inv.sites.map((s) => ({
      name: s.name,
      lan: s.lanBps === null ? '1Gbit' : Rate.fromBps(s.lanBps), // the inventory's rate, parsed when it was loaded
      hosts: s.hosts.length,
      nodesPerHost: s.hosts[0].nodesPerHost,
      virt: s.hosts[0].virt,
    })),
    ...(inv.clusterSubnet ? { clusterSubnet: inv.clusterSubnet } : {}),
  };
  const spec = resolveConfig(input, { lab: false });
  const places = placesOf(inv, spec);
  // xen nodes run what their host's guest image says it holds (icbench_xen_guest_runs).
  const runsOf = new Map(places.map((pl) => [pl.specHost, inv.sites.flatMap((s) => s.hosts).find((h) => h.name === pl.name)?.xen?.runs ?? []]));
  for (const n of spec.nodes) if (n.virt === 'xen') n.guestRuns = runsOf.get(n.host) ?? [];
  return { spec, places };
}

/** Which inventory host carries which host of the spec (in order within each site). */
export function placesOf(inv: Inventory, spec: TestbedSpec): HostPlace[] {
  return spec.sites.flatMap((s) => {
    const site = inv.sites.find((x) => x.name === s.name)!;
    return s.hosts.map((h, k) => ({ name: site.hosts[k].name, specHost: h.name, dataAddress: site.hosts[k].dataAddress }));
  });
}
