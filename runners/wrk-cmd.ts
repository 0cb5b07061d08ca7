/**
 * Pure wrk (4.1) command builder: options in, argv out (never a shell string).
 * `wrk -t T -c C -d Ds --timeout Xs --latency URL`. wrk opens C connections shared out over T
 * threads, so it refuses fewer connections than threads; that is rejected here first.
 */
import { ConfigError } from '../infra/units.js';
import { wholeNumber } from './values.js';

export interface WrkOptions {
  /** http://host:port/path (no spaces, no credentials). */
  url: string;
  /** -t: client threads. */
  threads: number;
  /** -c: open connections (all threads together); at least `threads`. */
  connections: number;
  /** -d: seconds of load. */
  durationS: number;
  /** --timeout: seconds after which a request counts as a timeout error (wrk default 2). */
  timeoutS?: number;
  /** --latency: print the latency distribution (50/75/90/99%). Default true: collectors/wrk needs it for percentiles. */
  latency?: boolean;
}

const URL_RE = /^https?:\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?(\/[A-Za-z0-9._~%!$&'()*+,;=:@/?-]*)?$/;
const URL_EXPECTED = "an http:// URL such as 'http://10.0.0.2:8080/index.html' (no spaces or credentials)";
/** wrk reads -d and --timeout as whole numbers with a unit; keep to whole seconds. */
const MAX_DURATION_S = 86400;

export function checkUrl(v: unknown, field: string): string {
  if (typeof v !== 'string' || !URL_RE.test(v)) throw new ConfigError(field, URL_EXPECTED, v);
  return v;
}

export function wrkArgs(o: WrkOptions, field = 'wrk'): string[] {
  const threads = Number(wholeNumber(o.threads, `${field}.threads`, 1, 1024, 'a number of threads'));
  const conns = Number(wholeNumber(o.connections, `${field}.connections`, 1, 100_000, 'a number of connections'));
  if (conns < threads) throw new ConfigError(`${field}.connections`, `at least as many connections as threads (${threads})`, o.connections);
  const d = wholeNumber(o.durationS, `${field}.durationS`, 1, MAX_DURATION_S, 'seconds');
  const t = wholeNumber(o.timeoutS ?? 2, `${field}.timeoutS`, 1, 3600, 'seconds');
  const argv = ['wrk', '-t', String(threads), '-c', String(conns), '-d', `${d}s`, '--timeout', `${t}s`];
  if (o.latency ?? true) argv.push('--latency');
  argv.push(checkUrl(o.url, `${field}.url`));
  return argv;
}

/** Whole seconds after which a wrk built by wrkArgs has surely ended (for the caller's kill timer). */
export function wrkDeadlineS(o: Pick<WrkOptions, 'durationS' | 'timeoutS'>): number {
  return o.durationS + (o.timeoutS ?? 2) + 10;
}
