/**
 * What the real-site suites ask of the ssh-sites fixture's hosts after a run (over SSH, from each
 * host's own view): the run's namespaces, links, journal and nftables table, containers, and the
 * run id a scenario printed; and a run killed with SIGKILL during its first iperf3 sample.
 */
import * as assert from 'uvu/assert';
import { sshToHost, type SshSites } from '../../fixtures/ssh-sites.js';
import { run } from '../../infra/exec.js';
import { runTag } from '../../infra/remote/plan.js';
import { runScenario } from './scenario.js';

export const ARGS = ['--virt', 'netns', '--benchmarks', 'iperf3,ping', '--duration', '2', '--repetitions', '1', '--pairs', '1', '--ping-count', '30'];

export const runIdOf = (out: string) => /hokudai-nii (\d{8}-\d{6}-[0-9a-f]{4})/.exec(out)?.[1] ?? '';

export const sshTo = (fx: SshSites, h: { address: string }, cmd: string) => sshToHost(fx, h.address, cmd);

/** Every host's own namespaces, over SSH (each host has its own /run/netns; this machine's list changes with other tests' labs). */
export const hostNamespaces = (fx: SshSites) =>
  Promise.all(fx.hosts.map(async (h) => `${h.name}: ${(await sshTo(fx, h, 'ip netns list 2>/dev/null; true')).stdout.trim()}`));

/** The run's node namespaces here and on the fixture hosts (each host has its own /run/netns), seen over SSH. */
export async function netnsOf(fx: SshSites, runId: string): Promise<string[]> {
  const out: string[] = (await run(['ip', 'netns', 'list'])).stdout
    .split('\n')
    .filter((l) => l.includes(runId))
    .map((l) => l.split(' ')[0]);
  for (const h of fx.hosts) {
    const r = await sshTo(fx, h, 'ip netns list');
    out.push(
      ...r.stdout
        .split('\n')
        .filter((l) => l.includes(runId))
        .map((l) => `${h.name}:${l.split(' ')[0]}`),
    );
  }
  return out;
}

/** What a run left inside the fixture hosts: links with its tag, its journal, its nftables table. */
export async function leftOnHosts(fx: SshSites, runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const links = (await run(['ip', '-n', h.ns, '-o', 'link'])).stdout.split('\n').filter((l) => l.includes(runTag(runId)));
    out.push(...links.map((l) => `${h.name}: ${l.split(':')[1]}`));
    const ssh = await sshTo(fx, h, 'ls /run/icbench-remote 2>/dev/null; true');
    if (ssh.stdout.includes(runId)) out.push(`${h.name}: journal`);
    const nft = await run(['ip', 'netns', 'exec', h.ns, 'nft', 'list', 'tables']);
    if (nft.stdout.includes(`icb_${runTag(runId)}`)) out.push(`${h.name}: nft table icb_${runTag(runId)}`);
  }
  return out;
}

/** A run's lxc containers and files on the fixture hosts (lxc-ls over ssh), and container inits on this machine. */
export async function lxcLeft(fx: SshSites, runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const r = await sshTo(
      fx,
      h,
      `lxc-ls -P /var/lib/icbench-remote/${runId}/${h.name}/lxc 2>/dev/null; ls -d /var/lib/icbench-remote/${runId}/${h.name} 2>/dev/null; true`,
    );
    out.push(
      ...r.stdout
        .split(/\s+/)
        .filter(Boolean)
        .map((x) => `${h.name}: ${x}`),
    );
  }
  const inits = (await run(['pgrep', '-f', `init.lxc --name icb-${runId}`])).stdout.trim();
  if (inits) out.push(`container init pids ${inits.split('\n').join(' ')}`);
  return out;
}

/** A run's Docker containers (any state) on every fixture host's own engine, by the run label, over SSH. */
export async function dockerLeft(fx: SshSites, runId: string): Promise<string[]> {
  const out: string[] = [];
  for (const h of fx.hosts) {
    const r = await sshTo(fx, h, `docker ps -a --filter label=icbench.run=${runId} --format '{{.Names}}'`);
    assert.ok(r.ok, `${h.name}: ${r.stderr}`);
    out.push(
      ...r.stdout
        .split('\n')
        .filter(Boolean)
        .map((n) => `${h.name}: ${n}`),
    );
  }
  return out;
}

/** Runs hokudai-nii on `inventory` and kills the controller with SIGKILL once the first iperf3 sample is done. */
export async function killDuringIperf3(
  inventory: string,
  o: { results: string; state: string },
): Promise<{ r: { code: number | null; out: string }; runId: string }> {
  let runId = '';
  const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--duration', '5', '--inventory', inventory], {
    ...o,
    onLine: (line, kill) => {
      runId ||= runIdOf(line);
      if (/\[iperf3\] 1\//.test(line)) kill('SIGKILL');
    },
  });
  return { r, runId };
}
