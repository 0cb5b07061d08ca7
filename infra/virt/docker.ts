/**
 * Docker lab nodes on the local engine: `docker run -d --network none` of the skeleton image with
 * the host's /usr and /etc mounted, tini (`docker-init`) as pid 1 reaping zombies. Removal is
 * idempotent: a container already gone counts as removed.
 */
import { must, run } from '../exec.js';
import { NODE_IMAGE } from './rootfs.js';
import type { SharedMount } from './mounts.js';
import { PRIVATE_TMPFS } from './mounts.js';

export const RUN_LABEL = 'icbench.run';
/**
 * Docker's own --init is bind-mounted at /sbin/docker-init, which our read-only /usr hides
 * (/sbin -> usr/sbin); the same tini from the host's /usr is used as entrypoint instead.
 */
export const DOCKER_INIT = '/usr/bin/docker-init';

/**
 * Pure: the `docker run` argv of one node. `hostsFile`: the node's own /etc/hosts (the host's plus its
 * name on 127.0.1.1, nodeHostsFile), mounted in place of the host's: with --network none Docker writes
 * no entry for the container's name, and it must resolve (Java's getLocalHost, Hadoop's daemons).
 */
export function dockerRunArgs(o: { name: string; runId: string; hostname: string; mounts: SharedMount[]; image?: string; hostsFile?: string }): string[] {
  const mounts = o.hostsFile ? o.mounts.filter((m) => m.path !== '/etc/hosts') : o.mounts;
  return [
    'docker',
    'run',
    '-d',
    '--name',
    o.name,
    '--label',
    `${RUN_LABEL}=${o.runId}`,
    '--label',
    `icbench.node=${o.hostname}`,
    '--network',
    'none',
    '--hostname',
    o.hostname,
    '--log-driver',
    'none',
    ...PRIVATE_TMPFS.flatMap((t) => ['--tmpfs', `${t}:rw,exec,mode=${t === '/tmp' ? '1777' : '755'}`]),
    ...mounts.flatMap((m) => ['-v', `${m.path}:${m.path}${m.readOnly ? ':ro' : ''}`]),
    ...(o.hostsFile ? ['-v', `${o.hostsFile}:/etc/hosts:ro`] : []),
    '--entrypoint',
    DOCKER_INIT,
    o.image ?? NODE_IMAGE,
    '--',
    '/usr/bin/sleep',
    'infinity',
  ];
}

/** Starts the container; returns the host pid of its init. */
export async function startDocker(o: { name: string; runId: string; hostname: string; mounts: SharedMount[]; hostsFile?: string }): Promise<number> {
  await must(`docker node ${o.hostname}`, dockerRunArgs(o), { timeoutMs: 60_000 });
  const r = await must(`docker node ${o.hostname}`, ['docker', 'inspect', '--format', '{{.State.Pid}} {{.State.Status}}', o.name]);
  const [pid, status] = r.stdout.trim().split(' ');
  if (status !== 'running' || !(Number(pid) > 0)) throw new Error(`docker node ${o.hostname}: container ${o.name} is ${status} after start`);
  return Number(pid);
}

const GONE = /No such container/i;

/** Removes containers (killing what runs in them); returns names that could not be removed. */
export async function removeDocker(names: string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const left: string[] = [];
  for (let i = 0; i < names.length; i += 50) {
    const batch = names.slice(i, i + 50);
    const r = await run(['docker', 'rm', '-f', '-v', ...batch], { timeoutMs: 120_000 });
    if (r.ok) continue;
    // Per-name verdict: "No such container" for a name means it is already gone.
    for (const n of batch) {
      const one = await run(['docker', 'rm', '-f', '-v', n], { timeoutMs: 60_000 });
      if (!one.ok && !GONE.test(one.stderr)) left.push(n);
    }
  }
  return left;
}

/** Containers of this harness (any state): name, run id and whether it runs; [] when no engine answers. */
export async function listDocker(): Promise<{ name: string; runId: string; running: boolean }[]> {
  const r = await run(['docker', 'ps', '-a', '--filter', `label=${RUN_LABEL}`, '--format', `{{.Names}}\t{{.Label "${RUN_LABEL}"}}\t{{.State}}`], {
    timeoutMs: 30_000,
  });
  if (!r.ok) return [];
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, runId, state] = l.split('\t');
      return { name, runId, running: state === 'running' };
    });
}

export async function dockerEngineRunning(): Promise<boolean> {
  return (await run(['docker', 'info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 })).ok;
}
