/**
 * Scenario input: what a user writes. `resolveConfig` checks every field before anything is
 * created and returns the fully resolved testbed description, or throws a ConfigError naming
 * the field and what was expected.
 */
import { ConfigError, Duration, Percent, positiveInt, Rate, show } from './units.js';
import { capacity, hostAddress, parseSubnet } from './subnet.js';
import { checkJitter, type WanProfile } from './wan/profile.js';
import { XEN_LAB_GUEST_RUNS, type XenGuestWorkload } from './xen-guest.js';

export const VIRTS = ['netns', 'lxc', 'docker', 'xen', 'rumprun', 'qemu'] as const;
export type Virt = (typeof VIRTS)[number];
/** Virtualization types the local lab can start: plain namespaces, real LXC / Docker containers, QEMU VMs and Xen PV guests (on a nested Xen host per lab host). */
export const LAB_VIRTS: Virt[] = ['netns', 'lxc', 'docker', 'qemu', 'xen'];

/*
 * Rates, durations and percentages are given as typed values (Rate, Duration, Percent: parsed
 * once, e.g. from the command line by scenarioParams) and taken as they are; a config written by
 * hand may give them as strings ('10Gbit', '20ms', '0.1%'), parsed here, once.
 */
export interface SiteInput {
  name: string;
  /** LAN rate of the site switch, e.g. '10Gbit'. */
  lan: Rate | string;
  hosts: number;
  nodesPerHost: number;
  virt?: string;
}

export interface WanInput {
  /** Site pair this profile applies to; omitted = every pair without its own profile. */
  between?: [string, string];
  rate: Rate | string;
  rtt?: Duration | string;
  delay?: Duration | string; // one way; give rtt or delay, not both
  jitter?: Duration | string;
  loss?: Percent | string | number;
  mtu?: number;
}

export interface ScenarioInput {
  scenario: string;
  sites: SiteInput[];
  /** WAN profiles for the site pairs (needed when there are two or more sites). */
  wan?: WanInput | WanInput[];
  clusterSubnet?: string;
  resultsDir?: string;
  runId?: string;
  /**
   * Spare nodes per site (`--spares`, default 0): stood up with the others but in no benchmark until
   * a node of their site is lost; its role then moves to a spare (runners/cell-book.ts).
   */
  spares?: number;
}

/** Most spare nodes per site. */
export const MAX_SPARES = 16;

/** Checks a spares count (a whole number from 0 to MAX_SPARES); `field` names it in the error. */
export function checkSpares(v: unknown, field = 'spares'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_SPARES)
    throw new ConfigError(field, `a whole number of spare nodes per site from 0 to ${MAX_SPARES}`, v);
  return v;
}

export interface NodeSpec {
  name: string;
  site: string;
  host: string;
  virt: Virt;
  address: string;
  index: number;
  /** A spare node (--spares): up, but in no benchmark until it takes the role of a lost node of its site. */
  spare?: true;
  /** xen nodes: what their guest image holds beyond iperf3, ping and load-latency (infra/xen-guest.ts). */
  guestRuns?: readonly XenGuestWorkload[];
}
export interface HostSpec {
  name: string;
  site: string;
  nodes: NodeSpec[];
}
export interface SiteSpec {
  name: string;
  lanBps: number;
  hosts: HostSpec[];
}
/** A site pair's resolved WAN profile (infra/wan/profile.ts). */
export type WanSpec = WanProfile;
export interface TestbedSpec {
  scenario: string;
  sites: SiteSpec[];
  wan: WanSpec[];
  subnet: string;
  prefix: number;
  /** Every node, spares (after the others, `spare: true`) included: what the provider stands up. */
  nodes: NodeSpec[];
  resultsDir: string;
}

/** The nodes benchmarks run on: every node but the spares. */
export const workingNodes = <N extends { spare?: true }>(nodes: readonly N[]): N[] => nodes.filter((n) => !n.spare);

/** Longest WAN round trip a profile may ask for (a geostationary satellite hop is ~0.6 s). */
export const MAX_RTT_MS = 10_000;

const NAME_RE = /^[A-Za-z][A-Za-z0-9]{0,11}$/;
const NAME_EXPECTED = 'a name of 1-12 letters or digits starting with a letter';

function obj(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(field, 'an object', v);
  return v as Record<string, unknown>;
}

function resolveSite(raw: unknown, i: number, labOnly: boolean): Omit<SiteSpec, 'hosts'> & { hostCount: number; perHost: number; virt: Virt } {
  const f = `sites[${i}]`;
  const s = obj(raw, f);
  if (typeof s.name !== 'string' || !NAME_RE.test(s.name)) throw new ConfigError(`${f}.name`, NAME_EXPECTED, s.name);
  const virt = (s.virt ?? 'netns') as string;
  if (!(VIRTS as readonly string[]).includes(virt)) throw new ConfigError(`${f}.virt`, `one of ${VIRTS.join(', ')}`, s.virt);
  if (labOnly && !LAB_VIRTS.includes(virt as Virt)) {
    const why = virt === 'rumprun' ? `; ${virt} needs a hypervisor host inventory (real sites), not the local lab` : '';
    throw new ConfigError(`${f}.virt`, `a virt the local lab can start (${LAB_VIRTS.join(', ')})${why}`, s.virt);
  }
  return {
    name: s.name,
    lanBps: Rate.of(s.lan, `${f}.lan`).bps,
    hostCount: positiveInt(s.hosts, `${f}.hosts`, 64),
    perHost: positiveInt(s.nodesPerHost, `${f}.nodesPerHost`, 1000),
    virt: virt as Virt,
  };
}

function resolveWan(raw: unknown, field: string): Omit<WanSpec, 'a' | 'b'> & { between?: [string, string] } {
  const w = obj(raw, field);
  if (w.rtt !== undefined && w.delay !== undefined) throw new ConfigError(`${field}.delay`, 'either rtt or delay, not both', w.delay);
  const rtt = w.rtt !== undefined ? Duration.of(w.rtt, `${field}.rtt`) : undefined;
  const delay = w.delay !== undefined ? Duration.of(w.delay, `${field}.delay`) : undefined;
  const rttMs = rtt ? rtt.ms : delay ? 2 * delay.ms : 0;
  if (rttMs > MAX_RTT_MS) throw new ConfigError(rtt ? `${field}.rtt` : `${field}.delay`, `a round trip of at most ${MAX_RTT_MS / 1000} s`, w.rtt ?? w.delay);
  const jitterMs = w.jitter !== undefined ? Duration.of(w.jitter, `${field}.jitter`).ms : 0;
  checkJitter(rttMs, jitterMs, `${field}.jitter`, w.jitter);
  const mtu = w.mtu ?? 1500;
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 576 || mtu > 8950) throw new ConfigError(`${field}.mtu`, 'an MTU from 576 to 8950', w.mtu);
  let between: [string, string] | undefined;
  if (w.between !== undefined) {
    if (!Array.isArray(w.between) || w.between.length !== 2 || w.between.some((x) => typeof x !== 'string'))
      throw new ConfigError(`${field}.between`, 'two site names', w.between);
    between = [w.between[0], w.between[1]];
  }
  return {
    rateBps: Rate.of(w.rate, `${field}.rate`).bps,
    rttMs,
    jitterMs,
    lossPct: w.loss !== undefined ? Percent.of(w.loss, `${field}.loss`).pct : 0,
    mtu,
    between,
  };
}

export function resolveConfig(input: unknown, opts: { lab: boolean } = { lab: true }): TestbedSpec {
  // The lab's xen nodes run its own guest image; real sites' say what theirs holds (infra/remote/spec.ts).
  const guestOf = (virt: Virt): Pick<NodeSpec, 'guestRuns'> => (virt === 'xen' ? { guestRuns: opts.lab ? XEN_LAB_GUEST_RUNS : [] } : {});
  const c = obj(input, 'config');
  if (typeof c.scenario !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(c.scenario))
    throw new ConfigError('scenario', 'a name of letters, digits, ., _ or -', c.scenario);
  if (!Array.isArray(c.sites) || c.sites.length < 1) throw new ConfigError('sites', 'a list of at least one site', c.sites);
  const sites = c.sites.map((s, i) => resolveSite(s, i, opts.lab));
  const seen = new Map<string, number>();
  sites.forEach((s, i) => {
    const k = s.name.toLowerCase();
    if (seen.has(k)) throw new ConfigError(`sites[${i}].name`, `a name not already used by sites[${seen.get(k)}]`, s.name);
    seen.set(k, i);
  });
  const subnet = parseSubnet(c.clusterSubnet ?? '10.200.0.0/16', 'clusterSubnet');
  const spares = c.spares === undefined ? 0 : checkSpares(c.spares);
  const total = sites.reduce((n, s) => n + s.hostCount * s.perHost + spares, 0);
  if (total > capacity(subnet))
    throw new ConfigError('clusterSubnet', `room for all ${total} nodes (${subnet.cidr} holds ${capacity(subnet)})`, c.clusterSubnet ?? subnet.cidr);

  const wanList = c.wan === undefined ? [] : Array.isArray(c.wan) ? c.wan : [c.wan];
  if (sites.length > 1 && wanList.length === 0) throw new ConfigError('wan', 'a WAN profile for the site pairs', c.wan);
  const wans = wanList.map((w, i) => resolveWan(w, Array.isArray(c.wan) ? `wan[${i}]` : 'wan'));
  const byName = new Map(sites.map((s) => [s.name, s]));
  wans.forEach((w, i) =>
    w.between?.forEach((n) => {
      if (!byName.has(n)) throw new ConfigError(`wan[${i}].between`, `names of configured sites (${[...byName.keys()].join(', ')})`, n);
    }),
  );
  const wan: WanSpec[] = [];
  for (let i = 0; i < sites.length; i++)
    for (let j = i + 1; j < sites.length; j++) {
      const a = sites[i].name,
        b = sites[j].name;
      const w = wans.find((x) => x.between?.includes(a) && x.between.includes(b)) ?? wans.find((x) => !x.between);
      if (!w) throw new ConfigError('wan', `a profile for the pair ${a}-${b} (or one without 'between')`, c.wan);
      wan.push({ a, b, rateBps: w.rateBps, rttMs: w.rttMs, jitterMs: w.jitterMs, lossPct: w.lossPct, mtu: w.mtu });
    }

  const nodes: NodeSpec[] = [];
  const siteSpecs: SiteSpec[] = sites.map((s) => ({
    name: s.name,
    lanBps: s.lanBps,
    hosts: Array.from({ length: s.hostCount }, (_, h) => {
      const host = `${s.name.toLowerCase()}-h${h + 1}`;
      const hostNodes = Array.from({ length: s.perHost }, (_, n) => {
        const node: NodeSpec = {
          name: `${host}-n${n + 1}`,
          site: s.name,
          host,
          virt: s.virt,
          index: nodes.length,
          address: hostAddress(subnet, nodes.length),
          ...guestOf(s.virt),
        };
        nodes.push(node);
        return node;
      });
      return { name: host, site: s.name, nodes: hostNodes };
    }),
  }));
  // Spares after every other node (so that the others keep their addresses), spread over the site's hosts.
  siteSpecs.forEach((site, i) => {
    for (let j = 0; j < spares; j++) {
      const host = site.hosts[j % site.hosts.length];
      const name = `${host.name}-s${Math.floor(j / site.hosts.length) + 1}`;
      const node: NodeSpec = {
        name,
        site: site.name,
        host: host.name,
        virt: sites[i].virt,
        index: nodes.length,
        address: hostAddress(subnet, nodes.length),
        spare: true,
        ...guestOf(sites[i].virt),
      };
      nodes.push(node);
      host.nodes.push(node);
    }
  });
  const resultsDir = c.resultsDir ?? 'results';
  if (typeof resultsDir !== 'string' || resultsDir.trim() === '') throw new ConfigError('resultsDir', 'a directory path', c.resultsDir);
  return { scenario: c.scenario, sites: siteSpecs, wan, subnet: subnet.cidr, prefix: subnet.prefix, nodes, resultsDir };
}

export { ConfigError, show };
