/** Pure ping (iputils) command builder: options in, argv out (never a shell string). */
import { ConfigError } from '../infra/units.js';
import { host, wholeNumber } from './iperf3-cmd.js';

export interface PingOptions {
  target: string;
  /** -c: echo requests to send. */
  count: number;
  /** -i: seconds between requests (iputils lets only root go below 0.002). */
  intervalS: number;
  /** -W: seconds to wait for each reply. Default: iputils' own (10 s), which the deadline cuts short. */
  timeoutS?: number;
  /** -s: ICMP payload bytes (56 by default; at least 16, or replies carry no timestamp and no RTT). */
  size?: number;
}

/** Seconds added to count*interval (+ timeoutS) to form the -w deadline. */
export const PING_DEADLINE_MARGIN_S = 3;

/**
 * Deadline (-w, whole seconds) after which ping exits whatever happens:
 * ceil(count * interval + (timeoutS ?? 0) + margin).
 * Note (iputils): with both -c and -w, ping stops after `count` replies, but if replies are lost it
 * keeps probing until the deadline, so `transmitted` may exceed `count`. Loss is computed from the
 * actual transmitted/received counts, so the rate stays right.
 */
export function pingDeadlineS(o: Pick<PingOptions, 'count' | 'intervalS' | 'timeoutS'>): number {
  return Math.ceil(o.count * o.intervalS + (o.timeoutS ?? 0) + PING_DEADLINE_MARGIN_S);
}

function positive(v: unknown, field: string, expected: string, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw new ConfigError(field, expected, v);
  return v;
}

export function pingArgs(o: PingOptions): string[] {
  const target = host(o.target, 'ping.target');
  const count = Number(wholeNumber(o.count, 'ping.count', 1, 1_000_000, 'a number of echo requests'));
  const intervalS = positive(o.intervalS, 'ping.intervalS', 'a positive number of seconds (at most 3600)', 3600);
  const argv = ['ping', '-n', '-c', String(count), '-i', String(intervalS)];
  if (o.timeoutS !== undefined) {
    positive(o.timeoutS, 'ping.timeoutS', 'a positive number of seconds (at most 3600)', 3600);
    argv.push('-W', String(o.timeoutS));
  }
  if (o.size !== undefined) argv.push('-s', wholeNumber(o.size, 'ping.size', 16, 65507, 'a payload size in bytes'));
  const deadline = pingDeadlineS({ count, intervalS, timeoutS: o.timeoutS });
  argv.push('-w', String(deadline), target);
  return argv;
}
