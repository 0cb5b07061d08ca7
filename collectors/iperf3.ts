/**
 * iperf3 client --json output -> samples. Pure: no I/O.
 * Whenever iperf3 did not finish a test (error key, text instead of JSON, empty or truncated output,
 * missing end sums) the result is failed: value null and a reason, never a zero or a partial number.
 * Note: iperf3 3.12 exits 0 on many --json errors, so the exit code alone proves nothing.
 */
import { failed, type Sample } from '../measurements/measurement.js';
import { sampleAdder } from './sample-helpers.js';

export interface Iperf3Result {
  ok: boolean;
  /** Why the test failed (iperf3's own error text where it gave one). Undefined when ok. */
  reason?: string;
  version?: string;
  reverse?: boolean;
  /** Parallel streams (-P). */
  streams?: number;
  /** Measured seconds on the sender side (end.sum_sent.seconds). */
  durationS?: number;
  senderMbps?: number;
  receiverMbps?: number;
  retransmits?: number;
  /** Mean of the sender streams' mean_rtt (ms). Absent with -R: the client's report then has 0 there. */
  rttMeanMs?: number;
  cpuHostPct?: number;
  cpuRemotePct?: number;
  /** The congestion control the sender used, as iperf3 reports it (end.sender_tcp_congestion; absent for UDP). */
  senderCongestion?: string;
  /** The receiver's (end.receiver_tcp_congestion). */
  receiverCongestion?: string;
  samples: Sample[];
}

/** Metrics reported as failed rows when a test did not complete. */
export const IPERF3_FAILED_METRICS: [metric: string, unit: string][] = [
  ['throughput', 'Mbit/s'],
  ['throughput_sender', 'Mbit/s'],
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const at = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((cur, k) => (isObj(cur) ? cur[k] : undefined), o);

function failure(reason: string, extra: Partial<Iperf3Result> = {}): Iperf3Result {
  return { ...extra, ok: false, reason, samples: IPERF3_FAILED_METRICS.map(([m, u]) => failed(m, u, reason)) };
}

/** Reason for output that is not JSON: iperf3's "iperf3: error - ..." line if there is one. */
function textReason(raw: string): string {
  const lines = raw
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const err = lines.find((l) => /^iperf3: .*error/i.test(l));
  if (err) return err;
  return `iperf3 printed text, not JSON: ${lines[0].slice(0, 200)}`;
}

export function parseIperf3(raw: string): Iperf3Result {
  const text = raw.trim();
  if (text === '') return failure('iperf3 produced no output (killed before printing its JSON report?)');
  const start = text.startsWith('{') ? 0 : text.search(/^\{/m);
  if (start < 0) return failure(textReason(text));
  let doc: unknown;
  try {
    doc = JSON.parse(text.slice(start));
  } catch (e) {
    return failure(`iperf3 JSON is truncated or invalid (${(e as Error).message}; ${text.length} characters)`);
  }
  if (!isObj(doc)) return failure('iperf3 JSON is not an object');

  const version = at(doc, 'start', 'version');
  const reverse = num(at(doc, 'start', 'test_start', 'reverse'));
  const extra: Partial<Iperf3Result> = {
    version: typeof version === 'string' ? version : undefined,
    reverse: reverse === undefined ? undefined : reverse !== 0,
    streams: num(at(doc, 'start', 'test_start', 'num_streams')),
  };
  if (doc.error !== undefined) {
    const intervals = Array.isArray(doc.intervals) ? doc.intervals.length : 0;
    const partial = intervals > 0 ? ` (after ${intervals} interval${intervals > 1 ? 's' : ''}; partial results discarded)` : '';
    return failure(`${String(doc.error)}${partial}`, extra);
  }
  const recvBps = num(at(doc, 'end', 'sum_received', 'bits_per_second'));
  const sentBps = num(at(doc, 'end', 'sum_sent', 'bits_per_second'));
  // A rate that is missing, not a finite number (num() drops NaN, Infinity, strings), zero or
  // negative is never an ok row: the test did not measure anything usable.
  if (recvBps === undefined) return failure('iperf3 JSON has no end.sum_received.bits_per_second (missing or not a number: test did not complete)', extra);
  if (sentBps === undefined) return failure('iperf3 JSON has no end.sum_sent.bits_per_second (missing or not a number: test did not complete)', extra);
  const recvBytes = num(at(doc, 'end', 'sum_received', 'bytes'));
  if (recvBps <= 0 || (recvBytes !== undefined && recvBytes <= 0))
    return failure(`iperf3 reports that the receiver got no data (receiver rate ${recvBps} bit/s)`, extra);
  if (sentBps <= 0) return failure(`iperf3 reports a sender rate of ${sentBps} bit/s (expected more than 0)`, extra);

  const r: Iperf3Result = {
    ...extra,
    ok: true,
    durationS: num(at(doc, 'end', 'sum_sent', 'seconds')),
    receiverMbps: recvBps / 1e6,
    senderMbps: sentBps / 1e6,
    retransmits: num(at(doc, 'end', 'sum_sent', 'retransmits')),
    cpuHostPct: num(at(doc, 'end', 'cpu_utilization_percent', 'host_total')),
    cpuRemotePct: num(at(doc, 'end', 'cpu_utilization_percent', 'remote_total')),
    senderCongestion: str(at(doc, 'end', 'sender_tcp_congestion')),
    receiverCongestion: str(at(doc, 'end', 'receiver_tcp_congestion')),
    samples: [],
  };
  const streams = at(doc, 'end', 'streams');
  // mean_rtt is in microseconds; 0 means "not measured" (e.g. with -R, where the server is the sender).
  const rtts = (Array.isArray(streams) ? streams : []).map((s) => num(at(s, 'sender', 'mean_rtt'))).filter((v): v is number => v !== undefined && v > 0);
  if (rtts.length > 0) r.rttMeanMs = rtts.reduce((a, b) => a + b, 0) / rtts.length / 1000;

  const add = sampleAdder(r.samples);
  add('throughput', r.receiverMbps, 'Mbit/s');
  add('throughput_sender', r.senderMbps, 'Mbit/s');
  add('retransmits', r.retransmits, 'count');
  add('rtt_mean', r.rttMeanMs, 'ms');
  add('cpu_host', r.cpuHostPct, '%');
  add('cpu_remote', r.cpuRemotePct, '%');
  // The algorithm the throughput depends on is the sender's, as the tool itself reports it.
  if (r.senderCongestion) for (const s of r.samples) s.params = { ...s.params, tcp_cc: r.senderCongestion };
  return r;
}
