/**
 * A migration landing: a VMM namespace on another host of the lab, laid out like a qemu node's
 * (br0 = veth to that host's bridge + tap0, its own link-local VMM address), so that a QEMU
 * started there with -incoming puts the VM on the same segment under the same MAC and address.
 * Journaled (netns) before it is created; the lab's teardown and `clean` remove it with the run.
 */
import { must } from '../exec.js';
import type { Journal } from '../journal.js';
import { NODE_SYSCTLS, vmmAddress, vmmLines } from '../node-net.js';
import { nsName } from '../run-id.js';
import { ccSysctls } from '../tcp-stack.js';

export interface Landing {
  ns: string;
  /** Slot of its VMM address (distinct from every node index). */
  slot: number;
  address: string;
  host: string;
}

export async function createLanding(o: {
  runId: string;
  journal: Journal;
  hostNs: string;
  host: string;
  slot: number;
  role: string;
  /** --tcp-cc's algorithm for the migration stream's end here (null: the kernel's own). */
  tcpCc?: string | null;
}): Promise<Landing> {
  const ns = nsName(o.runId, o.role);
  const port = `l${o.slot}`;
  o.journal.record({ kind: 'netns', name: ns });
  await must(`migration landing ${ns}`, ['ip', 'netns', 'add', ns]);
  await must(`migration landing ${ns}`, ['ip', 'link', 'add', port, 'netns', o.hostNs, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await must(`migration landing ${ns}`, ['ip', '-n', o.hostNs, 'link', 'set', port, 'master', 'br0', 'up']);
  await must(`migration landing ${ns}`, ['ip', '-n', ns, '-batch', '-'], { input: vmmLines(o.slot).join('\n') + '\n' });
  await must(`migration landing ${ns}`, [
    'nsenter',
    `--net=/run/netns/${ns}`,
    'sysctl',
    '-q',
    '-w',
    ...Object.entries({ ...NODE_SYSCTLS, ...ccSysctls(o.tcpCc ?? null) }).map(([k, v]) => `${k}=${v}`),
  ]);
  return { ns, slot: o.slot, address: vmmAddress(o.slot), host: o.host };
}
