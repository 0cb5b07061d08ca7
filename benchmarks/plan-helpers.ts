/** Small helpers the benchmark modules' plan() share. */
import type { Pair } from '../runners/pairs.js';
import type { PlannedBenchmark, PlannedCall } from './types.js';

export const pairsOf = (ps: readonly Pair[]): PlannedBenchmark['pairs'] => ps.map((p) => ({ src: p.src.name, dst: p.dst.name, path: p.path }));

/** A cluster benchmark shown as one pair: its first node to its last, inter-site when it spans sites. */
export function clusterPair(nodes: readonly { name: string; site: string }[]): PlannedBenchmark['pairs'] {
  const first = nodes[0],
    last = nodes[nodes.length - 1];
  return first && last ? [{ src: first.name, dst: last.name, path: nodes.some((x) => x.site !== first.site) ? 'inter-site' : 'intra-site' }] : [];
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The plan of a benchmark over node pairs: `perPair` samples per pair and repetition (scripts,
 * servers x sizes, ...), what one sample is, and the estimate from the number of samples.
 */
export function pairPlan(
  o: { benchmark: string; pairs: readonly Pair[]; repetitions: number },
  detail: string,
  estimateS: (samples: number) => number,
  perPair = 1,
): PlannedCall {
  const samples = o.pairs.length * perPair * o.repetitions;
  return { benchmark: o.benchmark, pairs: pairsOf(o.pairs), repetitions: o.repetitions, samples, detail, estimateS: estimateS(samples) };
}
