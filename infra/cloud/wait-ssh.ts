/**
 * Waits (bounded) until each created host answers SSH with the host key it was given: strict
 * checking against the run's known_hosts only (never trust on first use), keys only.
 */
import { run } from '../exec.js';
import type { CreatedHost } from './handoff.js';

export function sshProbeArgv(h: CreatedHost, o: { identityFile: string; knownHostsFile: string }): string[] {
  return [
    'ssh',
    '-F',
    'none',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${o.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'UpdateHostKeys=no',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'ConnectTimeout=5',
    '-i',
    o.identityFile,
    '-l',
    h.user,
    h.address,
    'true',
  ];
}

/** Resolves with each host's ms until it answered; rejects naming the hosts that did not within timeoutMs. */
export async function waitSsh(
  hosts: readonly CreatedHost[],
  o: { identityFile: string; knownHostsFile: string; timeoutMs: number },
): Promise<Record<string, number>> {
  const t0 = performance.now();
  const out: Record<string, number> = {};
  const last: Record<string, string> = {};
  await Promise.all(
    hosts.map(async (h) => {
      while (performance.now() - t0 < o.timeoutMs) {
        const r = await run(sshProbeArgv(h, o), { timeoutMs: 15_000 });
        if (r.ok) {
          out[h.name] = performance.now() - t0;
          return;
        }
        last[h.name] = (r.stderr || '').trim().split('\n').pop() ?? '';
        // A host key mismatch is never retried into acceptance: it is an error at once.
        if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/.test(r.stderr)) break;
        await new Promise((res) => setTimeout(res, 1000));
      }
    }),
  );
  const missing = hosts.filter((h) => out[h.name] === undefined);
  if (missing.length)
    throw new Error(
      `cloud: no SSH answer within ${Math.round(o.timeoutMs / 1000)} s from ${missing.map((h) => `${h.name} (${h.address}: ${last[h.name] || 'no answer'})`).join(', ')}`,
    );
  return out;
}
