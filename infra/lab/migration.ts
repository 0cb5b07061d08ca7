/**
 * The lab's live migration capability (Testbed.capabilities.migrate): a qemu node's VM moves
 * between its own VMM namespace and a landing on another host of the lab (made on first use,
 * journaled, removed with the run), over QMP; the node keeps its address and its executor follows
 * the VM.
 */
import type { TestbedSpec } from '../config.js';
import type { Journal } from '../journal.js';
import { createLanding, type Landing } from '../qemu/landing.js';
import { migrateVm, rebootWithMemory } from '../qemu/migrate.js';
import type { QemuNode } from '../qemu/nodes.js';
import type { VmMigration } from '../testbed.js';
import { setVmCc } from './tcp.js';

export interface LabMigrationParts {
  runId: string;
  journal: Journal;
  spec: TestbedSpec;
  /** VMM namespace of each host (the host's bridge is br0 there). */
  hostNs: Map<string, string>;
  /** Each node's own namespace: a qemu node's VMM namespace, its VM's home. */
  nodeNs: Map<string, string>;
  /** The running VMs by node name. */
  vms: Map<string, QemuNode>;
  /** --tcp-cc's algorithm (null: the kernels' own): set in landings and again in a VM that reboots. */
  tcpCc?: string | null;
}

export function labMigration(p: LabMigrationParts): VmMigration {
  // Landings by VM and host; slots after every node index, so that VMM addresses never clash.
  const landings = new Map<string, Landing>();
  let nextSlot = p.spec.nodes.length + 1;
  const vmOf = (name: string): QemuNode => {
    const vm = p.vms.get(name);
    if (!vm) throw new Error(`vm-migration: node ${name} has no VM (only qemu nodes can migrate)`);
    return vm;
  };
  const home = (name: string) => {
    const n = p.spec.nodes.find((x) => x.name === name)!;
    return { ns: p.nodeNs.get(name)!, slot: n.index, host: n.host };
  };
  const landing = async (vm: string, host: string): Promise<Landing> => {
    const key = `${vm}\0${host}`;
    const have = landings.get(key);
    if (have) return have;
    const hostNs = p.hostNs.get(host);
    if (!hostNs) throw new Error(`vm-migration: no host named ${host} (hosts: ${[...p.hostNs.keys()].join(', ')})`);
    const k = [...landings.values()].filter((l) => l.host === host).length;
    const made = await createLanding({
      runId: p.runId,
      journal: p.journal,
      hostNs,
      host,
      slot: nextSlot++,
      role: `${host}-land${k ? k + 1 : ''}`,
      tcpCc: p.tcpCc ?? null,
    });
    landings.set(key, made);
    return made;
  };
  return {
    hostOf: (name) => {
      const vm = vmOf(name);
      const h = home(name);
      if (vm.loc.ns === h.ns) return h.host;
      return [...landings.values()].find((l) => l.ns === vm.loc.ns)?.host ?? h.host;
    },
    memMiB: (name) => vmOf(name).handle.spec.memMiB,
    restart: async (name, memMiB) => {
      const vm = vmOf(name);
      vm.loc.ns = home(name).ns; // a fresh VM boots at home, wherever the old one ran
      const ms = await rebootWithMemory(vm, memMiB, p.journal);
      if (p.tcpCc) await setVmCc([{ name, exec: vm.exec }], p.tcpCc); // a fresh kernel starts with its own
      return ms;
    },
    move: async (name, to, o) => {
      const vm = vmOf(name);
      const h = home(name);
      const target = to === h.host ? h : await landing(name, to);
      return migrateVm(vm, {
        journal: p.journal,
        to: { ns: target.ns, slot: target.slot },
        tag: o.tag,
        timeoutMs: o.timeoutMs,
        onStart: o.onStart,
        onProgress: o.onProgress,
      });
    },
  };
}
