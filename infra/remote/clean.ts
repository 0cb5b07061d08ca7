/**
 * `clean` of a run on real sites: the teardown script (plan.ts) on every host the controller's
 * journal names, through the journaled inventory. What could not be removed is reported per host
 * with that host's error, so that a host gone for good (reinstalled, decommissioned) can be named
 * and forgotten on purpose (`icbench clean <run> --forget-host <host>`), never silently.
 */
import { run } from '../exec.js';
import type { JournalEntry } from '../journal.js';
import { loadInventory } from '../inventory/load.js';
import type { Inventory } from '../inventory/types.js';
import { silentProgress, type Progress } from '../progress.js';
import { HostKeyError, parseSshError, SshConnectError, SshSession } from '../ssh/session.js';
import type { JournaledHosts, Leftover } from '../testbed.js';
import { remoteCleanScript } from './plan.js';
import { cachePurgeScript, REMOTE_CACHE_DIR } from './ship.js';
import { sshDir } from './ssh-dir.js';

/** A host whose part of the run is still there; `error` says why (its last error). */
function left(runId: string, host: string, error: string, unreachable: boolean): Leftover {
  const hint = unreachable ? `; run clean again later, or if the host is gone for good: icbench clean ${runId} --forget-host ${host}` : '';
  return { what: `${host}: ${error}${hint}`, host: { name: host, error, reached: !unreachable } };
}

/** Why open() could not reach each host it names (host key failures and unreachable hosts alike). */
function unreachable(e: HostKeyError | SshConnectError): { host: string; error: string }[] {
  if (e instanceof SshConnectError) return [e, ...e.others].map((x) => ({ host: x.host, error: `host unreachable: ${x.failure.reason}` }));
  return [e, ...e.others].map((x) => ({
    host: x.host,
    error:
      x.kind === 'changed'
        ? `host unreachable: its host key DIFFERS from the one in ${x.detail.knownHostsFile} (a reinstalled host, or someone in the middle)`
        : `host unreachable: its host key is not in ${x.detail.knownHostsFile}`,
  }));
}

/**
 * Runs the teardown script on `hosts` (names of the inventory `inventoryFile`). A host that cannot
 * be reached (or is not in the inventory any more, or whose key does not match) is reported and the
 * others are cleaned; a host whose script fails is reported with the script's last line.
 */
export async function cleanRemote(
  runId: string,
  inventoryFile: string,
  hosts: readonly string[],
  progress: Progress = silentProgress,
  script: (host: string) => string = () => remoteCleanScript(runId),
): Promise<Leftover[]> {
  let inventory: Inventory;
  try {
    inventory = loadInventory(inventoryFile);
  } catch (e) {
    return hosts.map((h) => left(runId, h, `host unreachable: inventory ${inventoryFile}: ${(e as Error).message}`, true));
  }
  const all = inventory.sites.flatMap((s) => s.hosts.map((h) => h.ssh));
  const out: Leftover[] = hosts
    .filter((h) => !all.some((t) => t.name === h))
    .map((h) => left(runId, h, `host unreachable: no host ${h} in the inventory ${inventoryFile} any more`, true));
  let targets = all.filter((t) => hosts.includes(t.name));
  let ssh: SshSession | null = null;
  while (!ssh && targets.length) {
    try {
      ssh = await SshSession.open(`${runId}-clean`, targets, { knownHostsFile: inventory.knownHostsFile, dir: sshDir(runId, 'c'), progress });
    } catch (e) {
      const bad =
        e instanceof SshConnectError || e instanceof HostKeyError
          ? unreachable(e)
          : targets.map((t) => ({ host: t.name, error: `host unreachable: ${(e as Error).message}` }));
      out.push(...bad.map((b) => left(runId, b.host, b.error, true)));
      targets = targets.filter((t) => !bad.some((b) => b.host === t.name));
    }
  }
  if (!ssh) return out;
  try {
    await ssh.runAll(async (host, exec) => {
      const r = await run(exec.wrap(['sh', '-s']), { input: script(host.name), timeoutMs: 120_000 });
      if (r.ok) return;
      // 255: ssh itself failed (the connection dropped); otherwise the script said what it left.
      if (r.exitCode === 255 || r.exitCode === null)
        out.push(left(runId, host.name, `host unreachable: ${r.exitCode === null ? 'no answer in time' : parseSshError(r.stderr).reason}`, true));
      else out.push(left(runId, host.name, `clean failed on the host: ${(r.stdout + r.stderr).trim().split('\n').pop() || `exit ${r.exitCode}`}`, false));
    });
  } finally {
    await ssh.close();
  }
  return out;
}

/** A shipped cache that a clean keeps (later runs reuse it): said, and kept on record. */
export function keptCache(runId: string, e: JournalEntry & { kind: 'remote-cache' }): Leftover {
  return {
    what: `kept: ${e.bundle} (${Math.ceil(e.bytes / 1024)} kB) in ${REMOTE_CACHE_DIR}/${e.sha256} on ${e.hosts.join(', ')}, reused by later runs; icbench clean ${runId} --purge-cache removes it`,
    kept: e,
  };
}

/** `clean --purge-cache`: removes the shipped caches of these entries from their hosts (one script per host). */
export async function purgeRemoteCaches(runId: string, entries: (JournalEntry & { kind: 'remote-cache' })[], progress?: Progress): Promise<Leftover[]> {
  const left: Leftover[] = [];
  for (const inventory of [...new Set(entries.map((e) => e.inventory))]) {
    const mine = entries.filter((e) => e.inventory === inventory);
    const hosts = [...new Set(mine.flatMap((e) => e.hosts))];
    const keys = (h: string) => [...new Set(mine.filter((e) => e.hosts.includes(h)).map((e) => e.sha256))];
    left.push(...(await cleanRemote(runId, inventory, hosts, progress, (h) => cachePurgeScript(keys(h)))));
  }
  return left;
}

/** The hosts of a run's `remote` and `remote-cache` journal entries, and such an entry without some of them. */
export const remoteHosts: JournaledHosts = {
  of: (e: JournalEntry) => (e.kind === 'remote' || e.kind === 'remote-cache' ? e.hosts : []),
  without: (e: JournalEntry, gone: ReadonlySet<string>) => {
    if ((e.kind !== 'remote' && e.kind !== 'remote-cache') || !e.hosts.some((h) => gone.has(h))) return e;
    const hosts = e.hosts.filter((h) => !gone.has(h));
    return hosts.length ? { ...e, hosts } : null;
  },
};
