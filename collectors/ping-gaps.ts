/**
 * Pure parser of `ping -D` (iputils) output for outage measurement: the receive time of every
 * reply, and the longest gap between consecutive replies inside a time window. Used for the
 * downtime a peer sees while a VM migrates (measured on the wire, not copied from QEMU).
 */
export interface PingReply {
  /** Receive time, Unix epoch seconds (from -D). */
  at: number;
  seq: number;
}

const REPLY = /^\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+)/;

export function pingReplies(out: string): PingReply[] {
  const replies: PingReply[] = [];
  for (const line of out.split('\n')) {
    const m = REPLY.exec(line.trim());
    if (m) replies.push({ at: Number(m[1]), seq: Number(m[2]) });
  }
  return replies;
}

export interface Outage {
  /** Longest time between two consecutive replies that overlaps the window, ms. */
  longestGapMs: number;
  /** Replies received inside the window, and after it (the target still answers). */
  repliesInWindow: number;
  repliesAfter: number;
  /** Replies missing by sequence number inside the window. */
  lostInWindow: number;
}

/**
 * The outage seen in [fromS, toS] (epoch seconds): gaps between consecutive replies are counted
 * when they overlap the window; a window with no reply before its end or after it is reported by
 * the counts (the caller decides: no reply after = the target did not come back).
 */
export function outage(replies: PingReply[], fromS: number, toS: number): Outage {
  const sorted = [...replies].sort((a, b) => a.at - b.at);
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1].at,
      b = sorted[i].at;
    if (b >= fromS && a <= toS) longest = Math.max(longest, (b - a) * 1000);
  }
  const inWin = sorted.filter((r) => r.at >= fromS && r.at <= toS);
  const seqs = inWin.map((r) => r.seq);
  const lost = seqs.length ? Math.max(...seqs) - Math.min(...seqs) + 1 - new Set(seqs).size : 0;
  return { longestGapMs: longest, repliesInWindow: inWin.length, repliesAfter: sorted.filter((r) => r.at > toS).length, lostInWindow: lost };
}
