/** Where a run's ssh control directory lives on the controller (shared by stand-up and clean). */
import { existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidStartTime } from '../../base/process-owner.js';
import { run } from '../exec.js';
import { runTag } from './plan.js';

/**
 * The run's ssh control directory: short, because a control socket's path must fit in 104 bytes
 * (/run/icbench-ssh/<run tag> as root, else under the temp dir). Made 0700 by SshSession.
 */
export function sshDir(runId: string, suffix = ''): string {
  const base = process.getuid?.() === 0 ? '/run/icbench-ssh' : join(tmpdir(), `icbench-ssh-${process.getuid?.() ?? 'u'}`);
  mkdirSync(base, { recursive: true, mode: 0o700 });
  return join(base, `${runTag(runId)}${suffix}`);
}

/**
 * Asks every ssh master with a control socket in `dir` to exit (`ssh -S SOCKET -O exit`): after a
 * kill -9 of the controller they outlive it, held by the orphaned clients of commands that still
 * run, then for ControlPersist. Returns the sockets whose master would not go. Nothing in `dir`, or
 * no `dir`: nothing to do.
 */
export async function stopMasters(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const sockets = readdirSync(dir)
    .map((f) => join(dir, f))
    .filter((p) => lstatSync(p).isSocket());
  const left: string[] = [];
  for (const s of sockets) {
    // A socket whose master is gone makes `-O check` fail: nothing to stop.
    const check = await run(['ssh', '-S', s, '-O', 'check', 'icbench-master'], { timeoutMs: 5000 });
    if (!check.ok) continue;
    await run(['ssh', '-S', s, '-O', 'exit', 'icbench-master'], { timeoutMs: 5000 });
    if ((await run(['ssh', '-S', s, '-O', 'check', 'icbench-master'], { timeoutMs: 5000 })).ok) left.push(s);
    // The master closes its socket when told, then exits: waited for, so "nothing left" is true when this returns.
    else if (!(await exited(Number(/pid=(\d+)/.exec(check.stderr)?.[1]), 5000))) left.push(s);
  }
  return left;
}

/** Whether `pid` has ended (gone, or a zombie not yet reaped) within `ms`; no pid known: true. */
async function exited(pid: number, ms: number): Promise<boolean> {
  if (!(pid > 0)) return true;
  const running = () => pidStartTime(pid) !== null; // null: gone, or a zombie
  for (const end = Date.now() + ms; running(); ) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}
