/**
 * Pure parsers for a one-way loss count: iperf3 `-u --bidir --json` (packets sent by each side
 * and received by the other) and the UDP error counters of /proc/net/snmp (datagrams a receiving
 * host dropped itself, which are not WAN loss).
 */

export interface DirectionCount {
  /** Datagrams the sender sent. */
  sent: number;
  /** Highest sequence number the receiver saw: the datagrams judged (the tail after it is not: it may still be in flight or unread when the test stops). */
  seen: number;
  /** Sequence gaps up to `seen`: lost on the way or dropped by the receiving host. */
  gaps: number;
}
export interface UdpLossCounts {
  /** Client -> server. */
  forward: DirectionCount;
  /** Server -> client. */
  reverse: DirectionCount;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (o: unknown, k: string): number | null => {
  const v = isObj(o) ? o[k] : undefined;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null;
};

function direction(end: Obj, sentKey: string, recvKey: string): DirectionCount | string {
  const sent = count(end[sentKey], 'packets');
  const seen = count(end[recvKey], 'packets'),
    gaps = count(end[recvKey], 'lost_packets');
  if (sent === null || seen === null || gaps === null) return `iperf3 output has no packet counts in end.${sentKey} / end.${recvKey}`;
  // iperf3's receiver reports the highest sequence number it saw ("packets") and the gaps below it ("lost_packets").
  return { sent, seen, gaps };
}

/** Counts per direction, or a reason when the output is not a finished bidirectional UDP test. */
export function parseUdpLoss(stdout: string): UdpLossCounts | { error: string } {
  let j: unknown;
  try {
    j = JSON.parse(stdout);
  } catch {
    return { error: `iperf3 output is not JSON: ${stdout.trim().slice(0, 200) || '(empty)'}` };
  }
  if (isObj(j) && typeof j.error === 'string') return { error: `iperf3: ${j.error}` };
  const end = isObj(j) ? j.end : undefined;
  if (!isObj(end)) return { error: 'iperf3 output has no "end" section (the test did not finish)' };
  const forward = direction(end, 'sum_sent', 'sum_received');
  const reverse = direction(end, 'sum_sent_bidir_reverse', 'sum_received_bidir_reverse');
  if (typeof forward === 'string') return { error: forward };
  if (typeof reverse === 'string') return { error: `${reverse} (not a --bidir test?)` };
  return { forward, reverse };
}

/** Datagrams a host dropped on receive: Udp InErrors from /proc/net/snmp (it includes RcvbufErrors); null if absent. */
export function udpReceiveDrops(snmp: string): number | null {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp: '));
  if (lines.length < 2) return null;
  const names = lines[0].slice(5).trim().split(/\s+/),
    values = lines[1].slice(5).trim().split(/\s+/).map(Number);
  const at = (n: string) => values[names.indexOf(n)];
  const inErr = at('InErrors');
  return Number.isFinite(inErr) ? inErr : null;
}

/** Loss of one direction in percent of the datagrams judged, the receiving host's own drops taken out. */
export const lossPct = (d: DirectionCount, hostDrops: number): number => (d.seen > 0 ? (Math.max(0, d.gaps - hostDrops) / d.seen) * 100 : Number.NaN);

/** Datagrams that arrived (up to the highest sequence number seen). */
export const arrived = (d: DirectionCount): number => d.seen - d.gaps;
