/** Small value checks shared by the runners/<bench>-options.ts modules: one message style for all. */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError } from '../infra/units.js';
import { WORKLOAD_NEEDS, type XenGuestWorkload } from '../infra/xen-guest.js';

/** A whole number from min to max. */
export function whole(v: unknown, field: string, min: number, max: number, what = 'a whole number'): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(field, `${what}, a whole number from ${min} to ${max}`, v);
  return v;
}

/** A finite number from min to max (both included). */
export function between(v: unknown, field: string, min: number, max: number, what = 'a number'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new ConfigError(field, `${what} from ${min} to ${max}`, v);
  return v;
}

/** The node called `name`, or a ConfigError listing the valid names. */
export function nodeNamed<N extends NodeSpec>(nodes: readonly N[], name: unknown, field: string, exclude?: N): N {
  const ok = nodes.filter((n) => n !== exclude);
  const n = ok.find((x) => x.name === name);
  if (!n) throw new ConfigError(field, `one of the testbed's nodes${exclude ? ` other than ${exclude.name}` : ''} (${ok.map((x) => x.name).join(', ')})`, name);
  return n;
}

export function isObject(o: unknown, field: string): void {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ConfigError(field, 'an options object', o);
}

/**
 * What a Xen PV guest can run is what its image holds (NodeSpec.guestRuns, infra/xen-guest.ts): a
 * benchmark that needs more than iperf3, ping and ss (PostgreSQL, the Terasort worker's Node.js,
 * nginx and wrk, a JDK) is refused on xen nodes whose image does not hold it, before anything is
 * created, naming what is missing.
 */
export function refuseXenNodes(nodes: readonly NodeSpec[], field: string, workload: XenGuestWorkload): void {
  const xen = nodes.filter((n) => n.virt === 'xen' && !(n.guestRuns ?? []).includes(workload));
  if (xen.length === 0) return;
  throw new ConfigError(
    field,
    `nodes that can run ${WORKLOAD_NEEDS[workload]}; the Xen guest image of these holds ${
      xen[0].guestRuns?.length ? `only ${xen[0].guestRuns.join(', ')} besides iperf3, ping and load-latency` : 'only what iperf3, ping and load-latency need'
    } (a real site's image says what it holds with icbench_xen_guest_runs)`,
    `${xen.length} xen node${xen.length > 1 ? 's' : ''} (${xen
      .slice(0, 3)
      .map((n) => n.name)
      .join(', ')}${xen.length > 3 ? ', ...' : ''})`,
  );
}
