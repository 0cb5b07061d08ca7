/**
 * An outsider against a run on real sites (issue 24), as an attacker would try it: the unchanged
 * hokudai-nii scenario with --inventory on the SSH-sites fixture (2 sites x 1 host, 2 netns nodes
 * each, vxlan L2VPN), and while pgbench's PostgreSQL server runs, a namespace on the first site's
 * LAN (not one of the run's hosts) builds a VXLAN device with the run's VNI and port aimed at that
 * site's host, bridges it with an address in the cluster subnet, and tries to reach a node (ping)
 * and PostgreSQL (TCP connect to its port). Both must fail while the run's own traffic works (the
 * run ends ok with TPS rows). Then the run's nftables table is removed on that host, and the same
 * ping gets through: the attack is real and the firewall is what stops it. Needs root.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { VXLAN_PORT } from '../../infra/remote/plan.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { useStateDir } from '../helpers/lab.js';
import { runScenario } from '../helpers/scenario.js';
import { sshTo } from '../helpers/remote-fixture.js';
import { connects, outsiderDown, outsiderUp, outsiderVxlan, pings } from '../helpers/outsider.js';

const state = useStateDir(test, 0o711);
let fx: SshSites | null = null;
let results = '';

if (process.getuid?.() !== 0) {
  console.log('SKIPPED outsider test on the SSH-sites fixture: it needs root');
} else {
  test.before(async () => {
    results = mkdtempSync(join(tmpdir(), 'icb-outsider-'));
    try {
      fx = await upSshSites({
        sites: [
          { name: 'NII', hosts: 1 },
          { name: 'Hokudai', hosts: 1 },
        ],
        wanRtt: '10ms',
        stateDir: state,
        nodesPerHost: 2,
      });
      outsiderUp(fx);
    } catch (e) {
      console.error('outsider test: set-up failed:', e); // uvu does not print a hook's error
      throw e;
    }
  });
  test.after(async () => {
    outsiderDown();
    await fx?.down();
    if (results) rmSync(results, { recursive: true, force: true });
  });

  test("an outsider with the run's VNI reaches neither a node nor PostgreSQL; without the run's firewall table it reaches the node", async () => {
    const f = fx!;
    const seen: { node: boolean | null; pg: boolean | null; unfirewalled: boolean | null; table: string } = {
      node: null,
      pg: null,
      unfirewalled: null,
      table: '',
    };
    let attacked: Promise<void> | null = null;
    const attack = async () => {
      const dir = readdirSync(results).find((d) => /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(d))!;
      const meta = JSON.parse(readFileSync(join(results, dir, 'run.json'), 'utf8')) as RunMeta;
      const seg = meta.topology.segment!;
      const target = f.hosts.find((h) => h.site === 'NII')!;
      const nodes = meta.topology.sites.flatMap((s) => s.hosts.flatMap((h) => h.nodes));
      const server = nodes.find((n) => n.name === 'nii-h1-n1')!;
      outsiderVxlan(seg.vni, VXLAN_PORT, target.address, '10.200.255.77', seg.mtu);
      seen.node = pings(server.address);
      seen.pg = connects(server.address, 55432);
      // The control: the run's table removed on that host (as if there were none), the same frames get in.
      const fw = (meta.remote_hosts ?? []).find((h) => (h as { host?: string }).host === target.name) as { firewall?: { table?: string } } | undefined;
      seen.table = fw?.firewall?.table ?? '';
      const del = await sshTo(f, target, `nft delete table inet ${seen.table}`);
      if (del.ok) seen.unfirewalled = pings(server.address);
    };
    const r = await runScenario(
      'hokudai-nii.mjs',
      [
        '--inventory',
        f.inventoryFile,
        '--virt',
        'netns',
        '--benchmarks',
        'pgbench',
        '--pgbench-scripts',
        'select-only',
        '--pgbench-duration',
        '25',
        '--repetitions',
        '1',
      ],
      {
        results,
        state,
        onLine: (line) => {
          if (!attacked && /postgres on nii-h1-n1 ready/.test(line)) attacked = attack();
        },
      },
    );
    await attacked;
    assert.is(r.code, 0, r.out.slice(-3000));
    assert.ok(seen.table.startsWith('icb_'), `the run recorded its firewall table in run.json (${seen.table})`);
    assert.is(seen.node, false, "the outsider's ping of a node across the run's VNI must fail");
    assert.is(seen.pg, false, "the outsider's TCP connect to PostgreSQL must fail");
    assert.is(seen.unfirewalled, true, 'without the table the same attack reaches the node (the test can fail)');
    assert.match(r.out, /TPS: same-site vs inter-site\s+select-only/, "the run's own traffic worked");
  });
}

test.run();
