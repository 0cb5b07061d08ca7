/**
 * One QEMU VM of a lab run: started daemonized inside its VMM network namespace (where its tap
 * and the agent's forwarded port live), journaled before it starts and again with its pid and
 * start time once it runs. Stopping kills that pid only if it is still the same process (start
 * time, and QEMU's -name on its command line), then removes the VM's dir.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { must, run, type Executor } from '../exec.js';
import type { Journal } from '../journal.js';
import { pidStartTime } from '../process-owner.js';
import { killOwned } from '../owned-process.js';
import { AGENT_HOST_PORT, pidFile, qemuArgs, serialLog, type VmSpec } from './args.js';
import { vmexecBinary } from './image.js';

export interface VmHandle {
  spec: VmSpec;
  ns: string;
  pid: number;
  pidStart: number;
}

/** Where a VM's command channel is: its VMM namespace (changes when the VM migrates). */
export interface VmLocation {
  ns: string;
  /** The agent's forwarded port there (AGENT_HOST_PORT unless the VM was restarted or moved). */
  port?: number;
}

/** Runs argv inside the VM through its agent (icb-vmexec enters the VMM namespace itself). */
export function vmExecutor(name: string, loc: VmLocation): Executor {
  return {
    get where() {
      return `qemu ${name} (${loc.ns})`;
    },
    wrap: (argv) => [vmexecBinary(), `/run/netns/${loc.ns}`, String(loc.port ?? AGENT_HOST_PORT), '--', ...argv],
  };
}

/** The journal entry written before the VM starts. */
export const vmJournalEntry = (s: VmSpec) => ({ kind: 'qemu' as const, name: s.name, dir: s.dir });

export async function startVm(spec: VmSpec, ns: string, journal: Journal): Promise<VmHandle> {
  const argv = qemuArgs(spec); // validates before anything is created
  journal.record(vmJournalEntry(spec));
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  rmSync(pidFile(spec.dir), { force: true });
  await must(`qemu VM ${spec.hostname}`, ['nsenter', `--net=/run/netns/${ns}`, '--', ...argv], { timeoutMs: 60_000 });
  const pid = Number(readFileSync(pidFile(spec.dir), 'utf8').trim());
  const pidStart = pidStartTime(pid);
  if (pidStart === null) throw new Error(`qemu VM ${spec.hostname}: QEMU (pid ${pid}) exited right after start: ${tailSerial(spec.dir)}`);
  journal.record({ ...vmJournalEntry(spec), pid, pidStart });
  return { spec, ns, pid, pidStart };
}

export function tailSerial(dir: string, lines = 3): string {
  const f = serialLog(dir);
  if (!existsSync(f)) return 'no serial log';
  return readFileSync(f, 'utf8').trim().split('\n').slice(-lines).join(' | ') || 'empty serial log';
}

/** Waits until the guest agent runs a command; returns ms waited. Throws with the serial log's tail. */
export async function waitAgent(h: VmHandle, exec: Executor, timeoutMs: number): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const r = await run(exec.wrap(['true']), { timeoutMs: 10_000 });
    if (r.ok) return performance.now() - t0;
    if (pidStartTime(h.pid) !== h.pidStart) throw new Error(`qemu VM ${h.spec.hostname}: QEMU exited while booting: ${tailSerial(h.spec.dir)}`);
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`qemu VM ${h.spec.hostname}: guest agent not answering after ${Math.round(timeoutMs / 1000)} s: ${tailSerial(h.spec.dir)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

/**
 * Kills a journaled VM's QEMU (TERM, then KILL) if it is still ours, and removes its dir.
 * The pid comes from the journal or, if the run died before journaling it, the pid file.
 * Returns true when no such QEMU runs any more.
 */
export async function removeVm(e: { name: string; dir: string; pid?: number; pidStart?: number }): Promise<boolean> {
  if (!(await killOwned([{ name: e.name, pidfile: pidFile(e.dir), pid: e.pid, pidStart: e.pidStart }], 500))) return false;
  rmSync(e.dir, { recursive: true, force: true });
  return true;
}
