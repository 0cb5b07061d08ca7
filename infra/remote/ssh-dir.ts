/** Where a run's ssh control directory lives on the controller (shared by stand-up and clean). */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
