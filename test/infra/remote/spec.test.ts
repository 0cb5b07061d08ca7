import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Inventory } from '../../../infra/inventory/types.js';
import { parseProbe, probeScript } from '../../../infra/remote/preflight.js';
import { specFromInventory } from '../../../infra/remote/spec.js';
import { execFileSync } from 'node:child_process';

const host = (name: string, site: string, data: string, nodesPerHost = 2) => ({
  name,
  site,
  dataAddress: data,
  virt: 'netns' as const,
  nodesPerHost,
  ssh: { name, host: data, user: 'root', port: 22, identityFile: null, jump: null },
});
const inv = (): Inventory => ({
  file: '/x/sites.yaml',
  l2vpn: 'vxlan',
  knownHostsFile: '/x/kh',
  clusterSubnet: null,
  sites: [
    { name: 'NII', lanBps: 1e10, lanLabel: '10GbE', virt: 'netns', hosts: [host('nii1', 'NII', '192.0.2.1'), host('nii2', 'NII', '192.0.2.2')] },
    { name: 'Hokudai', lanBps: null, lanLabel: '', virt: 'netns', hosts: [host('hok1', 'Hokudai', '198.51.100.1')] },
  ],
});
const scenario = {
  scenario: 'hokudai-nii',
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 9, nodesPerHost: 9 },
    { name: 'Hokudai', lan: '1Gbit', hosts: 9, nodesPerHost: 9 },
  ],
  wan: { rate: '1Gbit', rtt: '20ms' },
};

test('the inventory gives the topology; the scenario gives name and WAN; hosts map in order', () => {
  const { spec, places } = specFromInventory(inv(), scenario);
  assert.is(spec.scenario, 'hokudai-nii');
  assert.is(spec.nodes.length, 6);
  assert.is(spec.sites[0].lanBps, 1e10);
  assert.is(spec.wan[0].rttMs, 20);
  assert.equal(
    places.map((p) => `${p.name}=${p.specHost}@${p.dataAddress}`),
    ['nii1=nii-h1@192.0.2.1', 'nii2=nii-h2@192.0.2.2', 'hok1=hokudai-h1@198.51.100.1'],
  );
});

test('sites must be the inventory groups; uneven nodes per host in a site is refused', () => {
  assert.throws(
    () => specFromInventory(inv(), { ...scenario, sites: [{ name: 'NII', lan: '1Gbit', hosts: 1, nodesPerHost: 1 }] }),
    /all\.children: expected the scenario's sites as groups \(NII\), got "NII, Hokudai"/,
  );
  const bad = inv();
  bad.sites[0].hosts[1].nodesPerHost = 3;
  assert.throws(() => specFromInventory(bad, scenario), /same icbench_nodes_per_host/);
});

test('the host probe is valid sh and its output parses; it runs here for real', () => {
  const script = probeScript(['ip', 'iperf3', 'surely-not-a-tool']);
  const p = parseProbe(execFileSync('sh', ['-s'], { input: script, encoding: 'utf8' }));
  assert.is(p.uid, String(process.getuid?.() ?? ''));
  assert.is(p['tool.surely-not-a-tool'], 'MISSING');
  assert.match(p['tool.ip'], /ip/);
  assert.ok(Number(p.cpus) >= 1);
  assert.ok(Number(p.clock) > 1e18);
});

test.run();
