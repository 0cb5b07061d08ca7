/**
 * Container nodes of a lab run: each is journaled before it is created, started (bounded
 * parallelism), and its network namespace is named like a netns node's (`ip netns attach`), so the
 * lab's batch wires eth0 into it exactly as for a plain namespace. Start time per node is measured
 * from create to running + attached.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeSpec } from '../config.js';
import { must, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { nsName } from '../run-id.js';
import { removeDocker, startDocker } from './docker.js';
import { dockerExecutor, lxcExecutor } from './executors.js';
import type { LxcAppArmor } from './lxc-apparmor.js';
import { nodeHostsFile } from './lxc-config.js';
import { localLxcAppArmor, removeLxc, startLxc } from './lxc.js';
import { packageRoots, sharedMounts } from './mounts.js';
import { ensureNodeImage, ensureSkeleton } from './rootfs.js';
import { mapLimit } from '../concurrency.js';

export type ContainerRef = { kind: 'lxc'; name: string; lxcpath: string; netns?: string } | { kind: 'docker'; name: string };
export interface ContainerNode {
  ref: ContainerRef;
  ns: string;
  pid: number;
  exec: Executor;
  startMs: number;
  /** lxc nodes: the AppArmor profile they run under (run.json lxc_apparmor). */
  apparmor?: LxcAppArmor;
}

export const isContainerVirt = (v: string): v is 'lxc' | 'docker' => v === 'lxc' || v === 'docker';

export interface StartOptions {
  runId: string;
  journal: Journal;
  workDir: string;
  parallel?: number;
}

export async function startContainers(nodes: NodeSpec[], o: StartOptions): Promise<Map<string, ContainerNode>> {
  const wanted = nodes.filter((n) => isContainerVirt(n.virt));
  const out = new Map<string, ContainerNode>();
  if (wanted.length === 0) return out;
  const mounts = sharedMounts(o.workDir, packageRoots());
  const rootfs = ensureSkeleton();
  const lxcpath = join(o.workDir, 'lxc');
  let apparmor: LxcAppArmor | null = null;
  if (wanted.some((n) => n.virt === 'lxc')) {
    const aa = await localLxcAppArmor();
    if ('problem' in aa) throw new Error(aa.problem);
    apparmor = aa;
    mkdirSync(lxcpath, { recursive: true });
  }
  if (wanted.some((n) => n.virt === 'docker')) await ensureNodeImage();
  await mapLimit(wanted, o.parallel ?? 8, async (n) => {
    const name = nsName(o.runId, n.name);
    const t0 = performance.now();
    let node: ContainerNode;
    if (n.virt === 'lxc') {
      const ref: ContainerRef = { kind: 'lxc', name, lxcpath };
      o.journal.record(ref);
      const pid = await startLxc({ lxcpath, name, hostname: n.name, rootfs, mounts, apparmor: apparmor! });
      node = { ref, ns: name, pid, exec: lxcExecutor(lxcpath, name), startMs: 0, apparmor: apparmor! };
    } else {
      const ref: ContainerRef = { kind: 'docker', name };
      o.journal.record(ref);
      // The node's own /etc/hosts (its name resolves inside it), in the run's work dir.
      const hostsFile = join(o.workDir, `${name}.hosts`);
      writeFileSync(hostsFile, nodeHostsFile(existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '127.0.0.1\tlocalhost\n', n.name), {
        mode: 0o644,
      });
      const pid = await startDocker({ name, runId: o.runId, hostname: n.name, mounts, hostsFile });
      node = { ref, ns: name, pid, exec: dockerExecutor(name, pid), startMs: 0 };
    }
    await must(`naming the network namespace of ${n.name}`, ['ip', 'netns', 'attach', node.ns, String(node.pid)]);
    node.startMs = performance.now() - t0;
    out.set(n.name, node);
  });
  return out;
}

/** Stops and removes containers (idempotent); returns the names still there. */
export async function removeContainers(refs: ContainerRef[], parallel = 8): Promise<string[]> {
  const docker = [...new Set(refs.flatMap((r) => (r.kind === 'docker' ? [r.name] : [])))];
  const lxc = refs.filter((r): r is Extract<ContainerRef, { kind: 'lxc' }> => r.kind === 'lxc');
  const left = await removeDocker(docker);
  const gone = await mapLimit(lxc, parallel, (r) => removeLxc(r.lxcpath, r.name, r.netns));
  lxc.forEach((r, i) => {
    if (!gone[i]) left.push(r.name);
  });
  return left;
}
