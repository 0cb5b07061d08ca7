/**
 * The lab's TCP stack (infra/tcp-stack.ts): --tcp-cc checked on this machine before anything is
 * created, allowed for the run's namespaces, set in qemu nodes' VMs, and every node's congestion
 * control read back after stand-up. Namespace and container nodes get it from the plan's node
 * sysctls (nsconf); a VM has its own kernel, set through its executor.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must, run, type Executor } from '../exec.js';
import { nsconfBinary } from '../paths.js';
import { vmDir } from '../qemu/image.js';
import {
  allowedWith,
  CC_SYSCTL,
  kernelTcpScript,
  keyValues,
  NODE_TCP_READ,
  nodeCcSetArgv,
  parseKernelTcp,
  tcpCcProblem,
  type KernelTcp,
  type NodeTcp,
} from '../tcp-stack.js';

const ALLOWED = '/proc/sys/net/ipv4/tcp_allowed_congestion_control';

/** This machine's kernel facts; with `want`, modprobe tcp_<want> is tried when the kernel lacks it. */
export async function localKernelTcp(want: string | null): Promise<KernelTcp | null> {
  const r = await run(['sh', '-s'], { input: kernelTcpScript(want), timeoutMs: 30_000 });
  return parseKernelTcp(keyValues(r.stdout));
}

/**
 * Whether the qemu nodes' kernel (the VM image's) has `want` built in: its initramfs carries only
 * the virtio and 9p modules, so an algorithm that is a module there cannot be loaded in the guest.
 * Reno is always built in. Returns the problem, or null.
 */
export function vmImageCcProblem(want: string, dir = vmDir()): string | null {
  if (want === 'reno') return null;
  const list = join(dir, 'modules', 'modules.builtin');
  if (!existsSync(list)) return `--tcp-cc ${want}: qemu nodes' kernel cannot be checked (${list} is missing; run scripts/build-vm-image.sh)`;
  if (
    readFileSync(list, 'utf8')
      .split('\n')
      .some((l) => l.endsWith(`/tcp_${want}.ko`))
  )
    return null;
  const kver = existsSync(join(dir, 'kernel-version')) ? readFileSync(join(dir, 'kernel-version'), 'utf8').trim() : 'the VM image kernel';
  return `--tcp-cc ${want}: qemu nodes' kernel (${kver}) has ${want} only as a module, which the VM image's initramfs does not carry; choose cubic, reno or system for qemu nodes`;
}

/** Preflight: the problems with `want` on this machine (and in the qemu nodes' kernel if there are any). */
export async function labTcpProblems(want: string, o: { qemu: boolean }): Promise<string[]> {
  const problems: string[] = [];
  const p = tcpCcProblem(want, await localKernelTcp(want), 'this machine', { namespaces: true, canAllow: true });
  if (p) problems.push(p);
  if (o.qemu) {
    const q = vmImageCcProblem(want);
    if (q) problems.push(q);
  }
  return problems;
}

/**
 * Lets the run's namespaces use `want`: adds it to this machine's allowed list when it is not
 * there (machine-wide, never removed, like the neighbour table: other labs may rely on it).
 * Returns the change made, or '' when none was needed.
 */
export async function allowOnThisMachine(want: string): Promise<string> {
  const k = await localKernelTcp(want);
  const problem = tcpCcProblem(want, k, 'this machine', { namespaces: true, canAllow: true }); // also when preflight was skipped
  if (problem || !k) throw new Error(problem ?? `--tcp-cc ${want}: could not read this machine's congestion controls`);
  const next = allowedWith(k, want);
  if (!next) return '';
  writeFileSync(ALLOWED, next.join(' '));
  return `net.ipv4.tcp_allowed_congestion_control (machine-wide): ${k.allowed.join(' ')} -> ${next.join(' ')}`;
}

/** Sets `cc` in the kernels of VMs (qemu nodes); throws naming the node whose kernel refused. */
export async function setVmCc(vms: { name: string; exec: Executor }[], cc: string): Promise<void> {
  await Promise.all(vms.map((v) => must(`--tcp-cc ${cc}: setting ${CC_SYSCTL} in ${v.name}'s VM`, v.exec.wrap(nodeCcSetArgv(cc)), { timeoutMs: 60_000 })));
}

/**
 * Every node's congestion control as its kernel reports it: namespace and container nodes in
 * one nsconf process (`get` in each namespace), VMs through their executors. The default qdisc
 * of namespace nodes is this machine's (it is not per namespace).
 */
export async function readLabTcp(
  nsNodes: { name: string; ns: string }[],
  vms: { name: string; exec: Executor }[],
  workDir: string,
): Promise<Record<string, NodeTcp>> {
  const out: Record<string, NodeTcp> = {};
  if (nsNodes.length) {
    const script = join(workDir, 'tcp-read.nsconf');
    writeFileSync(script, nsNodes.map((n) => `ns ${n.ns}\nget ${CC_SYSCTL}\n`).join(''));
    const r = await must('reading the nodes\u2019 congestion control', [nsconfBinary(), script], { timeoutMs: 120_000 });
    const byNs = parseNsconfGets(r.stdout, CC_SYSCTL);
    const qdisc = (await localKernelTcp(null))?.qdisc ?? null;
    for (const n of nsNodes) out[n.name] = { congestion_control: byNs.get(n.ns) ?? null, default_qdisc: qdisc, qdisc_from: 'host' };
  }
  await Promise.all(
    vms.map(async (v) => {
      const r = await run(v.exec.wrap(NODE_TCP_READ), { timeoutMs: 60_000 });
      const kv = keyValues(r.stdout);
      out[v.name] = { congestion_control: kv.cc || null, default_qdisc: kv.qdisc || null, qdisc_from: 'node' };
    }),
  );
  return out;
}

/** nsconf `get` lines ("NS KEY VALUE") of one key -> value by namespace ("-", not readable, is left out). */
export function parseNsconfGets(text: string, key: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [ns, k, ...rest] = line.trim().split(' ');
    const v = rest.join(' ');
    if (k === key && ns && v && v !== '-') out.set(ns, v);
  }
  return out;
}
