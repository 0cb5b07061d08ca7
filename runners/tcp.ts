/** The run's TCP congestion control as the runners use it: iperf3's -C, and a `tcp_cc` param on TCP rows. */
import type { TcpFacts } from '../infra/tcp-stack.js';
import type { Params } from '../measurements/measurement.js';
import type { BenchNode, RunContext, TcpContext } from './context.js';

/** The runners' view of a testbed's TCP facts (undefined when the testbed has none). */
export function tcpContext(f: TcpFacts | undefined): TcpContext | undefined {
  if (!f) return undefined;
  return {
    chosen: f.requested === 'system' ? null : f.requested,
    of: Object.fromEntries(Object.entries(f.nodes).map(([n, t]) => [n, t.congestion_control])),
  };
}

/** A node's congestion control as read from it, or null when unknown. */
export const ccOf = (ctx: RunContext, node: Pick<BenchNode, 'name'>): string | null => ctx.tcp?.of[node.name] ?? null;

/**
 * `{ tcp_cc }` for a row of TCP between `a` and `b`: their congestion control, or "a/b" when the two
 * ends differ (like the virt column); {} when it is not known.
 */
export function tcpParams(ctx: RunContext, a: Pick<BenchNode, 'name'>, b?: Pick<BenchNode, 'name'>): Params {
  const x = ccOf(ctx, a),
    y = b ? ccOf(ctx, b) : x;
  if (x === null && y === null) return {};
  return { tcp_cc: x === y ? x! : `${x ?? 'unknown'}/${y ?? 'unknown'}` };
}
