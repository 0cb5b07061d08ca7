/** Which node pairs a benchmark measures, and which path each pair takes. */
import type { NodeSpec } from '../infra/config.js';
import type { PathKind } from '../measurements/measurement.js';
import { ConfigError } from '../infra/units.js';

export interface Pair<N extends NodeSpec = NodeSpec> {
  src: N;
  dst: N;
  path: PathKind;
}

/** 'all' ordered pairs; { perGroup: n } = n pairs for each (path, source site, destination site); or explicit node names. */
export type PairSelection = 'all' | { perGroup: number } | [string, string][];

export function pathOf(a: NodeSpec, b: NodeSpec): PathKind {
  if (a.site !== b.site) return 'inter-site';
  return a.host === b.host ? 'local' : 'intra-site';
}

export function allPairs<N extends NodeSpec>(nodes: readonly N[]): Pair<N>[] {
  const out: Pair<N>[] = [];
  for (const src of nodes) for (const dst of nodes) if (src !== dst) out.push({ src, dst, path: pathOf(src, dst) });
  return out;
}

const PATH_ORDER: PathKind[] = ['local', 'intra-site', 'inter-site'];

export function selectPairs<N extends NodeSpec>(nodes: readonly N[], sel: PairSelection, field = 'pairs'): Pair<N>[] {
  if (sel === 'all') return allPairs(nodes);
  if (Array.isArray(sel)) {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const valid = `one of the testbed's nodes (${nodes.map((n) => n.name).join(', ')})`;
    return sel.map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw new ConfigError(`${field}[${i}]`, 'a [src, dst] pair of node names', pair);
      const [s, d] = pair;
      const src = byName.get(s),
        dst = byName.get(d);
      if (!src) throw new ConfigError(`${field}[${i}][0]`, valid, s);
      if (!dst) throw new ConfigError(`${field}[${i}][1]`, valid, d);
      if (src === dst) throw new ConfigError(`${field}[${i}]`, 'two different nodes', sel[i]);
      return { src, dst, path: pathOf(src, dst) };
    });
  }
  if (typeof sel !== 'object' || sel === null || !Number.isInteger(sel.perGroup) || sel.perGroup < 1)
    throw new ConfigError(field, "'all', { perGroup: n } with n >= 1, or a list of [src, dst] node names", sel);
  const groups = new Map<string, Pair<N>[]>();
  for (const p of allPairs(nodes)) {
    const k = `${PATH_ORDER.indexOf(p.path)}|${p.src.site}|${p.dst.site}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(p);
  }
  const out: Pair<N>[] = [];
  for (const k of [...groups.keys()].sort()) {
    const g = groups.get(k)!;
    const n = Math.min(sel.perGroup, g.length);
    // Evenly spaced picks, so the chosen pairs spread over hosts instead of all starting at node 1.
    for (let i = 0; i < n; i++) out.push(g[Math.floor((i * g.length) / n)]);
  }
  return out;
}

/** Parses a command-line pair selection: "all", "3" (per group) or "a>b,c>d". */
export function parsePairSelection(v: string, field = 'pairs'): PairSelection {
  if (v === 'all') return 'all';
  if (/^\d+$/.test(v) && Number(v) > 0) return { perGroup: Number(v) };
  const parts = v.split(',').map((x) => x.split('>'));
  if (parts.every((p) => p.length === 2 && p[0] && p[1])) return parts as [string, string][];
  throw new ConfigError(field, "'all', a count of pairs per path and site pair (e.g. '2'), or 'src>dst,src>dst'", v);
}
