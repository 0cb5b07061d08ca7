/**
 * node dist/bench/xen-sites.js [scenario args...]: hokudai-nii on real-site Xen hosts. Boots the
 * xen-sites fixture (fixtures/xen-sites.ts: nested Xen hosts reached over SSH, one data network),
 * runs the unchanged scenario with `--inventory` on it (default arguments: --virt xen, the default
 * benchmarks (iperf3, ping, load-latency, pgbench, lab Terasort), one repetition), prints the fixture's
 * boot, the scenario's wall time and exit code with the load average, checks that nothing of the
 * scenario is left on any host (the run's domains, namespaces, links, nft table, journal, folders:
 * exit 1 if anything is), then takes the fixture down. Options before `--`: --hosts-per-site 1
 * --nodes-per-host 2 --scenario hokudai-nii.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { upXenSites } from '../fixtures/xen-sites.js';

const { values, positionals } = parseArgs({
  options: { 'hosts-per-site': { type: 'string' }, 'nodes-per-host': { type: 'string' }, scenario: { type: 'string' } },
  allowPositionals: true,
});
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const scenario = values.scenario ?? 'hokudai-nii';
// Terasort clusters as big as a site (the scenario's --hosts is not the inventory's).
const siteNodes = String(Number(values['hosts-per-site'] ?? 1) * Number(values['nodes-per-host'] ?? 2));
const args = positionals.length
  ? positionals
  : ['--virt', 'xen', '--repetitions', '1', '--terasort-nodes', siteNodes, '--results', join(process.cwd(), 'results')];
process.env.ICBENCH_SSH_HANDSHAKE_TIMEOUT_S ??= '120';
const t0 = performance.now();
const sites = await upXenSites({
  sites: ['NII', 'Hokudai'],
  hostsPerSite: Number(values['hosts-per-site'] ?? 1),
  nodesPerHost: Number(values['nodes-per-host'] ?? 2),
});
console.log(
  `xen-sites ${sites.runId}: ${sites.hosts.length} nested Xen hosts up in ${(sites.bootMs / 1000).toFixed(1)} s (load ${load()}); inventory ${sites.inventory}`,
);
let code: number | null = null;
let left: string[] = [];
const ts = performance.now();
try {
  const root = join(import.meta.dirname, '..', '..');
  const child = spawn('npx', ['zx', join(root, 'scenarios', `${scenario}.mjs`), '--inventory', sites.inventory, ...args], { stdio: 'inherit', cwd: root });
  code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
} finally {
  const scenarioS = (performance.now() - ts) / 1000;
  // The scenario's teardown is done: whatever of it is still on a host is a leftover (checked before the hosts go).
  try {
    left = await sites.leftOnHosts();
    console.log(`xen-sites: left on the ${sites.hosts.length} hosts after the scenario: ${left.length ? left.join('; ') : 'nothing'}`);
  } catch (e) {
    left = [`check failed: ${(e as Error).message}`];
    console.log(`xen-sites: ${left[0]}`);
  }
  await sites.down();
  console.log(
    `xen-sites: ${scenario} ${args.join(' ')} exited ${code} after ${scenarioS.toFixed(1)} s; fixture + scenario ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load()})`,
  );
}
process.exit(left.length ? 1 : (code ?? 1));
