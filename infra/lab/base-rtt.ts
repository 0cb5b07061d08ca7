/**
 * The lab path's own round trip, per site pair, measured at stand-up with the emulator adding no
 * delay (base RTT compensation, docs/lab.md): a short ping train between a node namespace of each
 * site (the median, so a first packet's neighbour lookup does not count).
 */
import { must } from '../exec.js';

/** Pings of the train and the gap between them (root may go below 0.2 s). */
export const BASE_PINGS = 40;
const BASE_INTERVAL_S = 0.005;

/** Round-trip times of every reply in `ping -n` output, ms. */
export function pingTimesMs(stdout: string): number[] {
  const out: number[] = [];
  for (const m of stdout.matchAll(/ time[=<]([\d.]+) ms/g)) out.push(Number(m[1]));
  return out;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One pair's end points: a network namespace at site a and the address of a node at site b. */
export interface BaseProbe {
  pair: string;
  fromNs: string;
  toAddress: string;
}

/**
 * Median RTT per pair, ms (all pairs at once: they cross different relays/qdiscs). Throws naming the
 * pair when fewer than half the pings came back: the path is broken, not slow.
 */
export async function measureBaseRtt(probes: BaseProbe[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await Promise.all(
    probes.map(async (p) => {
      const argv = [
        'nsenter',
        `--net=/run/netns/${p.fromNs}`,
        '--',
        'ping',
        '-n',
        '-c',
        String(BASE_PINGS),
        '-i',
        String(BASE_INTERVAL_S),
        '-W',
        '1',
        p.toAddress,
      ];
      const r = await must(`base RTT of ${p.pair}`, argv, { timeoutMs: 30_000 }).catch((e: Error) => ({ stdout: '', error: e }));
      const times = pingTimesMs(r.stdout);
      if (times.length < BASE_PINGS / 2)
        throw new Error(
          `base RTT of ${p.pair}: ${times.length} of ${BASE_PINGS} pings from ${p.fromNs} to ${p.toAddress} answered${'error' in r ? ` (${r.error.message})` : ''}`,
        );
      out[p.pair] = median(times);
    }),
  );
  return out;
}
