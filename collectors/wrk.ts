/**
 * wrk 4.1 text output -> samples. Pure: no I/O.
 * wrk prints sizes in binary units (KB = 1024 B), counts in metric units (k = 1000) and times in
 * us/ms/s/m/h. Transfer is reported here in MB/s of 10^6 bytes. A run that produced no usable answer
 * (cannot connect, no summary, zero requests, every response non-2xx/3xx) gives failed samples with
 * wrk's own words as the reason: never a zero throughput. Socket errors in a run that still
 * completed requests flag its rows `socket-errors`; some non-2xx/3xx responses flag them `non-2xx`.
 */
import { failed, type Sample } from '../measurements/measurement.js';
import { sampleAdder } from './sample-helpers.js';

export interface WrkStats {
  avg: number;
  stdev: number;
  max: number;
  withinStdevPct: number | null;
}
export interface SocketErrors {
  connect: number;
  read: number;
  write: number;
  timeout: number;
}

export interface WrkResult {
  ok: boolean;
  reason?: string;
  url?: string;
  threads?: number;
  connections?: number;
  /** Completed requests (any status) and wrk's measured run time. */
  requests?: number;
  elapsedS?: number;
  bytesRead?: number;
  requestsPerS?: number;
  /** Bytes per second (Transfer/sec). */
  transferBps?: number;
  /** Thread stats: latency in ms, requests/s per thread. */
  latencyMs?: WrkStats;
  reqPerThread?: WrkStats;
  /** Latency Distribution (only with --latency), in ms. */
  percentilesMs: Partial<Record<'50' | '75' | '90' | '99', number>>;
  socketErrors?: SocketErrors;
  non2xx?: number;
  samples: Sample[];
}

/** Metrics reported as failed rows when a run gave no usable result. */
export const WRK_FAILED_METRICS: [metric: string, unit: string][] = [
  ['requests_per_s', 'req/s'],
  ['transfer', 'MB/s'],
  ['latency_p50', 'ms'],
  ['latency_p99', 'ms'],
];

const TIME_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
const BINARY: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5 };
const METRIC: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

function unitValue(text: string, re: RegExp, scale: Record<string, number>): number | undefined {
  const m = re.exec(text.trim());
  if (!m || !(m[2] in scale)) return undefined;
  const v = Number((Number(m[1]) * scale[m[2]]).toPrecision(12)); // 208 * 1e-3 -> 0.208, not 0.20800000000000002
  return Number.isFinite(v) ? v : undefined;
}
/** "119.55us", "2.09ms", "1.21s" -> ms. */
export const timeMs = (t: string) => unitValue(t, /^(\d+(?:\.\d+)?)(us|ms|s|m|h)$/, TIME_MS);
/** "90.18MB", "332.69B" -> bytes (binary multiples, as wrk prints them). */
export const bytes = (t: string) => unitValue(t, /^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|PB)$/, BINARY);
/** "35.54k", "246.39", "1.48k" -> a plain number. */
export const count = (t: string) => unitValue(t, /^(\d+(?:\.\d+)?)([kMGTP]?)$/, METRIC);

function stats(m: RegExpExecArray | null, conv: (t: string) => number | undefined): WrkStats | undefined {
  if (!m) return undefined;
  const [avg, stdev, max] = [conv(m[1]), conv(m[2]), conv(m[3])];
  if (avg === undefined || stdev === undefined || max === undefined) return undefined;
  const pct = Number(m[4]);
  return { avg, stdev, max, withinStdevPct: Number.isFinite(pct) ? pct : null };
}

function failure(reason: string, r: Partial<WrkResult> = {}): WrkResult {
  const samples = WRK_FAILED_METRICS.map(([m, u]) => failed(m, u, reason));
  if (r.socketErrors) samples.push({ metric: 'socket_errors', value: totalSocketErrors(r.socketErrors), unit: 'count', status: 'ok' });
  return { percentilesMs: {}, ...r, ok: false, reason, samples };
}

export const totalSocketErrors = (e: SocketErrors) => e.connect + e.read + e.write + e.timeout;
const describeErrors = (e: SocketErrors) => `socket errors: connect ${e.connect}, read ${e.read}, write ${e.write}, timeout ${e.timeout}`;

export function parseWrk(raw: string): WrkResult {
  const text = raw.replace(/\r/g, '');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return failure('wrk produced no output (killed before printing its report?)');
  const connectErr = lines.find((l) => l.startsWith('unable to connect'));
  if (connectErr) return failure(`wrk: ${connectErr}`);

  const r: Partial<WrkResult> = { percentilesMs: {} };
  const head = /^Running \S+ test @ (\S+)$/m.exec(text);
  if (head) r.url = head[1];
  const tc = /^\s*(\d+) threads and (\d+) connections$/m.exec(text);
  if (tc) {
    r.threads = Number(tc[1]);
    r.connections = Number(tc[2]);
  }
  r.latencyMs = stats(/^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)%\s*$/m.exec(text), timeMs);
  r.reqPerThread = stats(/^\s*Req\/Sec\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)%\s*$/m.exec(text), count);
  for (const m of text.matchAll(/^\s*(50|75|90|99)%\s+(\S+)\s*$/gm)) {
    const v = timeMs(m[2]);
    if (v !== undefined) r.percentilesMs![m[1] as '50'] = v;
  }
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  if (se) r.socketErrors = { connect: Number(se[1]), read: Number(se[2]), write: Number(se[3]), timeout: Number(se[4]) };
  const n2 = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  if (n2) r.non2xx = Number(n2[1]);

  const sum = /^\s*(\d+) requests in (\S+), (\S+) read$/m.exec(text);
  const rps = /^Requests\/sec:\s+(\S+)$/m.exec(text);
  const tps = /^Transfer\/sec:\s+(\S+)$/m.exec(text);
  if (!sum || !rps || !tps) {
    const first = lines.find((l) => !/^(Running|\d+ threads)/.test(l)) ?? lines[0];
    return failure(`wrk printed no summary (killed or invalid arguments?): ${first.slice(0, 200)}`, r);
  }
  r.requests = Number(sum[1]);
  r.elapsedS = (timeMs(sum[2]) ?? NaN) / 1000;
  r.bytesRead = bytes(sum[3]);
  r.requestsPerS = Number(rps[1]);
  r.transferBps = bytes(tps[1]);
  const errs = r.socketErrors ? `; ${describeErrors(r.socketErrors)}` : '';
  if (r.requests === 0)
    return failure(`wrk completed 0 requests in ${sum[2]}${errs || ' (no socket errors reported: every response took longer than the run or --timeout)'}`, r);
  if (r.non2xx !== undefined && r.non2xx >= r.requests)
    return failure(`all ${r.requests} responses were non-2xx/3xx (wrong path, or the server refused)${errs}`, r);
  if (!Number.isFinite(r.requestsPerS) || r.transferBps === undefined) return failure(`wrk summary unreadable: "${rps[0]}" / "${tps[0]}"`, r);

  const flags: string[] = [];
  if (r.socketErrors && totalSocketErrors(r.socketErrors) > 0) flags.push('socket-errors');
  if (r.non2xx) flags.push('non-2xx');
  const samples: Sample[] = [];
  const add = sampleAdder(samples, flags);
  add('requests_per_s', r.requestsPerS, 'req/s');
  add('transfer', r.transferBps / 1e6, 'MB/s');
  for (const p of ['50', '75', '90', '99'] as const) add(`latency_p${p}`, r.percentilesMs![p], 'ms');
  add('latency_mean', r.latencyMs?.avg, 'ms');
  add('latency_max', r.latencyMs?.max, 'ms');
  add('requests', r.requests, 'count');
  add('socket_errors', r.socketErrors ? totalSocketErrors(r.socketErrors) : 0, 'count');
  add('non_2xx', r.non2xx ?? 0, 'count');
  return { ...(r as WrkResult), ok: true, samples };
}
