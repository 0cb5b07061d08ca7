/**
 * iputils ping output (run with -n) -> per-packet RTTs and summary samples. Pure: no I/O.
 * RTT statistics come from the per-packet lines, counting the first reply of each icmp_seq
 * (duplicates, "(DUP!)" or repeated seq from a broadcast, are counted but not timed again).
 * Packet counts come from the summary line, the only place that knows how many were sent.
 */
import { failed, type Sample } from '../measurements/measurement.js';
import { percentile } from '../measurements/stats.js';

export interface PingResult {
  ok: boolean;
  /** Why the RTT samples failed. Undefined when ok. */
  reason?: string;
  /** First reply of each icmp_seq, in the order printed. */
  rtts: { seq: number; ms: number }[];
  /** From the summary line; null when there is none (ping cut short or failed to start). */
  transmitted: number | null;
  received: number | null;
  lossPct: number | null;
  duplicates: number;
  /** "+N errors" of the summary (e.g. Destination Host Unreachable). */
  errors: number;
  /** Seqs reported as "no answer yet" (ping -O). */
  noAnswer: number[];
  /** Error text lines: "ping: ..." and "From ... Destination Host Unreachable" (first 5). */
  messages: string[];
  samples: Sample[];
}

export const PING_RTT_METRICS = ['rtt_median', 'rtt_p99', 'rtt_min', 'rtt_mean', 'rtt_max', 'rtt_mdev'] as const;

/** Re-exported for old imports: the one percentile lives in measurements/stats. */
export { percentile };

const REPLY_RE = /^\d+ bytes from [^:]+: icmp_seq=(\d+)\b.*?\btime[=<]([\d.]+) ms/;
const NO_ANSWER_RE = /^no answer yet for icmp_seq=(\d+)/;
const SUMMARY_RE = /^(\d+) packets transmitted, (\d+) (?:packets )?received/;

export function parsePing(raw: string): PingResult {
  const r: PingResult = {
    ok: false,
    rtts: [],
    transmitted: null,
    received: null,
    lossPct: null,
    duplicates: 0,
    errors: 0,
    noAnswer: [],
    messages: [],
    samples: [],
  };
  const seen = new Set<number>();
  let repliesWithoutTime = 0;
  for (const line of raw.split('\n').map((l) => l.trim())) {
    const reply = REPLY_RE.exec(line);
    if (reply) {
      const seq = Number(reply[1]);
      // A duplicate ("(DUP!)", or a seq seen before) is not a reply: its count comes from the summary.
      if (seen.has(seq) || line.includes('(DUP!)')) continue;
      seen.add(seq);
      r.rtts.push({ seq, ms: Number(reply[2]) });
      continue;
    }
    if (/ bytes from .*icmp_seq=/.test(line)) {
      repliesWithoutTime++;
      continue;
    }
    const noAnswer = NO_ANSWER_RE.exec(line);
    if (noAnswer) {
      r.noAnswer.push(Number(noAnswer[1]));
      continue;
    }
    const sum = SUMMARY_RE.exec(line);
    if (sum) {
      r.transmitted = Number(sum[1]);
      r.received = Number(sum[2]);
      r.duplicates = Number(/\+(\d+) duplicates/.exec(line)?.[1] ?? 0);
      r.errors = Number(/\+(\d+) errors/.exec(line)?.[1] ?? 0);
      continue;
    }
    if ((/^ping: /.test(line) || /^From \S+ icmp_seq=/.test(line)) && r.messages.length < 5) r.messages.push(line);
  }

  if (r.transmitted !== null && r.received !== null && r.transmitted > 0) r.lossPct = ((r.transmitted - r.received) / r.transmitted) * 100;
  // 100% loss is a measured value (packets went out, none came back), so it stays ok, flagged.
  r.samples.push(
    r.lossPct === null
      ? failed('loss', '%', reasonWithoutSummary(raw, r))
      : { metric: 'loss', value: r.lossPct, unit: '%', status: 'ok', ...(r.received === 0 ? { flags: ['no-reply'] } : {}) },
  );

  let reason: string | undefined;
  if (r.transmitted === null || r.transmitted === 0) reason = reasonWithoutSummary(raw, r);
  else if (r.received === 0) reason = `no reply: 100% packet loss (${r.transmitted} sent${r.messages.length ? `; ${r.messages[0]}` : ''})`;
  else if (r.rtts.length === 0) reason = `replies carry no time (${repliesWithoutTime} replies; payload under 16 bytes?)`;
  if (reason !== undefined) {
    r.reason = reason;
    r.samples.push(...PING_RTT_METRICS.map((m) => failed(m, 'ms', reason)));
    return r;
  }

  r.ok = true;
  const ms = r.rtts.map((x) => x.ms);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  // mdev as iputils defines it: population standard deviation, sqrt(mean(x^2) - mean(x)^2).
  const mdev = Math.sqrt(Math.max(0, ms.reduce((a, b) => a + b * b, 0) / ms.length - mean * mean));
  const values: Record<(typeof PING_RTT_METRICS)[number], number> = {
    rtt_median: percentile(ms, 50),
    rtt_p99: percentile(ms, 99),
    rtt_min: ms.reduce((a, b) => Math.min(a, b)),
    rtt_mean: mean,
    rtt_max: ms.reduce((a, b) => Math.max(a, b)),
    rtt_mdev: mdev,
  };
  for (const m of PING_RTT_METRICS) r.samples.push({ metric: m, value: values[m], unit: 'ms', status: 'ok' });
  return r;
}

function reasonWithoutSummary(raw: string, r: PingResult): string {
  if (raw.trim() === '') return 'ping produced no output';
  const pingErr = r.messages.find((m) => m.startsWith('ping: '));
  if (pingErr) return pingErr;
  if (r.transmitted === 0) return 'ping sent no packets';
  if (r.rtts.length > 0) return `ping was cut short: no summary line (${r.rtts.length} replies seen)`;
  return `ping output not understood: ${raw.trim().split('\n')[0].slice(0, 200)}`;
}
