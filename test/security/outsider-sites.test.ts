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
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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

const state = useStateDir(test, 0o711);
const id = randomBytes(2).toString('hex');
const OUT_NS = `icbt-out${id}`;
const OUT_LINK = `icbtout${id}`;
const OUT_ADDR = '10.77.255.200';
let fx: SshSites | null = null;
let results = '';

const inNs = (...cmd: string[]) => spawnSync('ip', ['netns', 'exec', OUT_NS, ...cmd], { encoding: 'utf8', timeout: 20_000 });
const pings = (to: string) => inNs('ping', '-c', '3', '-i', '0.3', '-W', '1', to).status === 0;
/** A TCP connect from the outsider (bash's /dev/tcp, 3 s): true when something accepted it. */
const connects = (to: string, port: number) => inNs('timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${to}/${port}`).status === 0;

function outsiderUp(f: SshSites): void {
  // On the first site's LAN: a veth into the bridge its host's interface hangs on (as the controller's is).
  const hostNs = f.lab.plan.hostNs.get(f.lab.spec.sites[0].hosts[0].name)!;
  execFileSync('ip', ['netns', 'add', OUT_NS]);
  execFileSync('ip', ['link', 'add', OUT_LINK, 'netns', OUT_NS, 'type', 'veth', 'peer', 'name', `o${id}`, 'netns', hostNs]);
  execFileSync('ip', ['-n', hostNs, 'link', 'set', `o${id}`, 'master', 'br0', 'up']);
  execFileSync('ip', ['-n', OUT_NS, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['-n', OUT_NS, 'addr', 'add', `${OUT_ADDR}/16`, 'dev', OUT_LINK]);
  execFileSync('ip', ['-n', OUT_NS, 'link', 'set', OUT_LINK, 'up']);
}

/** The attacker's VXLAN: the run's VNI and port, aimed at `target`, bridged with `cluster` (an unused cluster address). */
function outsiderVxlan(vni: number, port: number, target: string, cluster: string, mtu: number): void {
  for (const l of ['ovx', 'obr']) inNs('ip', 'link', 'del', l);
  const must = (...a: string[]) => {
    const r = inNs(...a);
    if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
  };
  must('ip', 'link', 'add', 'ovx', 'type', 'vxlan', 'id', String(vni), 'local', OUT_ADDR, 'dstport', String(port), 'ttl', '64');
  must('ip', 'link', 'add', 'obr', 'type', 'bridge');
  must('ip', 'link', 'set', 'ovx', 'master', 'obr', 'mtu', String(mtu), 'up');
  must('ip', 'link', 'set', 'obr', 'mtu', String(mtu), 'up');
  must('ip', 'addr', 'add', `${cluster}/16`, 'dev', 'obr');
  must('bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'ovx', 'dst', target);
}

function outsiderDown(): void {
  spawnSync('ip', ['netns', 'del', OUT_NS]);
}

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
