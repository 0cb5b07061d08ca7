/**
 * qemu nodes of a lab run: one VM per node, started after the lab wired the node's VMM namespace
 * (br0 = veth to the host bridge + tap0). Every VM shares the host's /usr, /etc, the package and
 * the run's work dir over 9p (like a container's mounts), so runners find the same tools as on
 * every other node type. Boot time per node = QEMU start to the guest agent answering.
 */
import { join } from 'node:path';
import type { NodeSpec } from '../config.js';
import { mapLimit } from '../concurrency.js';
import type { Journal } from '../journal.js';
import { nodeMac } from '../node-net.js';
import { nsName } from '../run-id.js';
import { packageRoots, sharedMounts } from '../virt/mounts.js';
import { ensureEtcView, etcViewDir } from '../virt/etc-allow.js';
import { chooseAccel, type AccelChoice } from './accel.js';
import type { VmSpec } from './args.js';
import { vmImage, type BuiltImage } from './image.js';
import { removeVm, startVm, vmExecutor, waitAgent, type VmHandle, type VmLocation } from './vm.js';
import type { Executor } from '../exec.js';

export interface QemuOptions {
  /** Guest memory per VM in MiB (default 512). */
  memMiB?: number;
  /** vCPUs per VM (default 1). */
  cpus?: number;
  /** VMs booting at the same time (default 4). */
  parallel?: number;
  /** Share host /usr, /etc, the package and the work dir over 9p (default true; false for VMs that migrate). */
  shares?: boolean;
  /** Per VM, from QEMU start to the agent answering (default 180 s: TCG on a busy 2-core machine). */
  bootTimeoutMs?: number;
}

export interface QemuNode {
  handle: VmHandle;
  loc: VmLocation;
  exec: Executor;
  startMs: number;
}

export interface QemuFacts {
  accel: AccelChoice['accel'];
  accel_reason: string;
  kernel: string;
  mem_mib: number;
  cpus: number;
  machine: string;
  command_channel: string;
}

export const isQemuVirt = (v: string) => v === 'qemu';

export function vmSpecOf(
  n: NodeSpec,
  o: { runId: string; workDir: string; prefix: number; memMiB: number; cpus: number; accel: AccelChoice['accel']; image: BuiltImage; shares: boolean },
): VmSpec {
  const name = nsName(o.runId, n.name);
  return {
    name,
    hostname: n.name,
    dir: join(o.workDir, 'vm', n.name),
    memMiB: o.memMiB,
    cpus: o.cpus,
    accel: o.accel,
    image: o.image,
    mac: nodeMac(n.index),
    tap: 'tap0',
    address: `${n.address}/${o.prefix}`,
    // 9p exports directories only: the allowed /etc entries (infra/virt/etc-allow.ts) are copied into
    // the run's work dir once (etcView) and that copy is the guest's /etc.
    shares: o.shares ? [...sharedMounts(o.workDir, packageRoots(), []), { path: '/etc', source: etcViewDir(o.workDir), readOnly: true }] : [],
  };
}

export async function startQemuNodes(
  nodes: NodeSpec[],
  nodeNs: Map<string, string>,
  vms: Map<string, QemuNode>,
  o: { runId: string; journal: Journal; workDir: string; prefix: number } & QemuOptions,
): Promise<QemuFacts | null> {
  const wanted = nodes.filter((n) => isQemuVirt(n.virt));
  if (wanted.length === 0) return null;
  const image = vmImage();
  const accel = await chooseAccel();
  const memMiB = o.memMiB ?? 512,
    cpus = o.cpus ?? 1;
  if (o.shares ?? true) ensureEtcView(o.workDir); // the guests' /etc (in the run's work dir, removed with it)
  await mapLimit(wanted, o.parallel ?? 4, async (n) => {
    const spec = vmSpecOf(n, { ...o, memMiB, cpus, accel: accel.accel, image, shares: o.shares ?? true });
    const loc = { ns: nodeNs.get(n.name)! };
    const t0 = performance.now();
    const handle = await startVm(spec, loc.ns, o.journal);
    const exec = vmExecutor(n.name, loc);
    const node: QemuNode = { handle, loc, exec, startMs: 0 };
    vms.set(n.name, node);
    await waitAgent(handle, exec, o.bootTimeoutMs ?? 180_000);
    node.startMs = performance.now() - t0;
  });
  return {
    accel: accel.accel,
    accel_reason: accel.reason,
    kernel: image.kernelVersion,
    mem_mib: memMiB,
    cpus,
    machine: `pc -nodefaults, direct kernel boot, busybox initramfs${(o.shares ?? true) ? ', host /usr and the allowed /etc entries over 9p' : ' only (no 9p: migratable)'}`,
    command_channel: 'icb-agent over QEMU user-mode NIC (hostfwd to 127.0.0.1 in the VMM namespace)',
  };
}

/** Stops VMs (idempotent); returns names still running. */
export async function removeQemuNodes(vms: { name: string; dir: string; pid?: number; pidStart?: number }[], parallel = 8): Promise<string[]> {
  const gone = await mapLimit(vms, parallel, (v) => removeVm(v));
  return vms.filter((_, i) => !gone[i]).map((v) => v.name);
}
