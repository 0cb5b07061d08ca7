/**
 * Which nodes form a Hadoop-style cluster: inside one site, or spanning sites with the same
 * number of nodes, so that the two can be compared (Fig. 5). Nodes are taken host by host in
 * round-robin, so a cluster spreads over the site's hosts like a scheduler would place VMs.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError, positiveInt } from '../infra/units.js';

export type ClusterKind = 'one-site' | 'spanning' | 'all';

/** Round-robin over hosts: h1n1, h2n1, h1n2, h2n2, ... */
function spreadOverHosts<N extends NodeSpec>(nodes: readonly N[]): N[] {
  const byHost = new Map<string, N[]>();
  for (const n of nodes) (byHost.get(n.host) ?? byHost.set(n.host, []).get(n.host)!).push(n);
  const lists = [...byHost.values()];
  const out: N[] = [];
  for (let i = 0; out.length < nodes.length; i++) for (const l of lists) if (i < l.length) out.push(l[i]);
  return out;
}

/** A cluster size: a whole number >= 1, then at most `max`, saying what the limit is ("at most 4 (the nodes of one site)"). */
function sizeAtMost(v: unknown, field: string, max: number, what: string): number {
  positiveInt(v, field);
  if ((v as number) > max) throw new ConfigError(field, `at most ${max} (${what})`, v);
  return v as number;
}

export interface ClusterChoice {
  kind: ClusterKind;
  size?: number;
  site?: string;
}

export function chooseCluster<N extends NodeSpec>(nodes: readonly N[], c: ClusterChoice, field = 'cluster'): N[] {
  const sites = [...new Set(nodes.map((n) => n.site))];
  if (c.kind === 'all')
    return c.size === undefined ? [...nodes] : spreadOverHosts(nodes).slice(0, sizeAtMost(c.size, `${field}.size`, nodes.length, "the testbed's nodes"));
  if (c.kind === 'one-site') {
    const site = c.site ?? sites[0];
    if (!sites.includes(site)) throw new ConfigError(`${field}.site`, `one of the testbed's sites (${sites.join(', ')})`, site);
    const mine = spreadOverHosts(nodes.filter((n) => n.site === site));
    const size = c.size === undefined ? mine.length : sizeAtMost(c.size, `${field}.size`, mine.length, 'the nodes of one site');
    return mine.slice(0, size);
  }
  if (c.kind === 'spanning') {
    if (sites.length < 2) throw new ConfigError(`${field}.kind`, 'one-site or all (a spanning cluster needs two sites)', c.kind);
    const per = sites.map((s) => spreadOverHosts(nodes.filter((n) => n.site === s)));
    const size =
      c.size === undefined ? Math.min(...per.map((p) => p.length)) * sites.length : sizeAtMost(c.size, `${field}.size`, nodes.length, "the testbed's nodes");
    if (size < sites.length) throw new ConfigError(`${field}.size`, `at least ${sites.length} nodes to span ${sites.length} sites`, size);
    const out: N[] = [];
    for (let i = 0; out.length < size; i++) {
      let added = false;
      for (const p of per)
        if (i < p.length && out.length < size) {
          out.push(p[i]);
          added = true;
        }
      if (!added) break;
    }
    return out;
  }
  throw new ConfigError(`${field}.kind`, 'one-site, spanning or all', c.kind);
}
