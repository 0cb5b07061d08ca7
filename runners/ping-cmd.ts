/** Pure ping (iputils) command builder: options in, argv out (never a shell string). */
import { ConfigError } from '../infra/units.js';
import { host, wholeNumber } from './values.js';

export interface PingOptions {
  target: string;
  /** -c: echo requests to send. */
  count: number;
  /** -i: seconds between requests (iputils lets only root go below 0.002). */
  intervalS: number;
  /** -W: seconds to wait for the last replies after the last request (default 2). */
  timeoutS?: number;
  /** -s: ICMP payload bytes (56 by default; at least 16, or replies carry no timestamp and no RTT). */
  size?: number;
}

/** Seconds added to the longest ping can run, for the caller's kill timer. */
export const PING_DEADLINE_MARGIN_S = 3;
export const PING_DEFAULT_WAIT_S = 2;

/**
 * Whole seconds after which a ping built by pingArgs has surely ended, for the caller's kill timer:
 * ceil(count * interval + wait + margin). No -w is passed to ping itself: with -c and -w, iputils
 * keeps sending until `count` replies arrive, so the replies still in flight at the end (two at a
 * 20 ms RTT and 10 ms interval) would be counted as lost. With -c and -W it sends exactly `count`
 * requests and lingers at most -W seconds for the last replies.
 */
export function pingDeadlineS(o: Pick<PingOptions, 'count' | 'intervalS' | 'timeoutS'>): number {
  return Math.ceil(o.count * o.intervalS + (o.timeoutS ?? PING_DEFAULT_WAIT_S) + PING_DEADLINE_MARGIN_S);
}

/** Takes resolved values (ping-options holds the limits of count and interval); checks the target and the builder's own fields. */
export function pingArgs(o: PingOptions): string[] {
  const target = host(o.target, 'ping.target');
  const argv = ['ping', '-n', '-c', String(o.count), '-i', String(o.intervalS)];
  const wait = o.timeoutS ?? PING_DEFAULT_WAIT_S;
  if (typeof wait !== 'number' || !Number.isFinite(wait) || wait <= 0 || wait > 3600)
    throw new ConfigError('ping.timeoutS', 'a positive number of seconds (at most 3600)', wait);
  argv.push('-W', String(wait));
  if (o.size !== undefined) argv.push('-s', wholeNumber(o.size, 'ping.size', 16, 65507, 'a payload size in bytes'));
  argv.push(target);
  return argv;
}
