/**
 * --tcp-cc on real sites over SSH (the isolated ssh-sites fixture: hosts are system containers with their own sshd):
 * hokudai-nii with --inventory --tcp-cc reno sets it in the run's node namespaces only, run.json
 * and the rows say so, iperf3 confirms it, and the hosts' own setting is untouched; xen nodes are
 * refused naming --tcp-cc before anything is created on any host. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { loadRun } from '../../measurements/reader.js';
import { useStateDir } from '../helpers/lab.js';
import { runScenario } from '../helpers/scenario.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { hostNamespaces, runIdOf } from '../helpers/remote-fixture.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;
const ARGS = ['--virt', 'netns', '--benchmarks', 'iperf3', '--duration', '1', '--repetitions', '1', '--pairs', '1'];
/** A fixture host's own congestion control (its namespace stands in for the host's kernel setting). */
const hostCc = async (ns: string) => (await run(['nsenter', `--net=/run/netns/${ns}`, 'cat', '/proc/sys/net/ipv4/tcp_congestion_control'])).stdout.trim();

if (process.getuid?.() !== 0) {
  console.log('SKIPPED --tcp-cc on real sites: it needs root (network namespaces, sshd)');
} else {
  suite.before(async () => {
    process.env.ICBENCH_STATE_DIR = state;
    results = mkdtempSync(join(tmpdir(), 'icb-remote-cc-'));
    fx = await upSshSites({
      sites: [
        { name: 'NII', hosts: 1 },
        { name: 'Hokudai', hosts: 1 },
      ],
      wanRtt: '10ms',
      stateDir: state,
      isolated: true,
    });
  });
  suite.after(async () => {
    await fx?.down();
    if (results) rmSync(results, { recursive: true, force: true });
  });

  suite('--tcp-cc reno: set in every node namespace on the hosts, recorded per node and on the rows, confirmed by iperf3; the hosts keep theirs', async () => {
    const before = await Promise.all(fx.hosts.map((h) => hostCc(h.ns)));
    assert.ok(
      before.every((c) => c && c !== 'reno'),
      `the hosts run ${before}`,
    );
    const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--tcp-cc', 'reno', '--inventory', fx.inventoryFile], { results, state });
    assert.is(r.code, 0, r.out);
    const dir = join(results, runIdOf(r.out));
    const { rows, meta } = await loadRun(dir);
    assert.is(meta.testbed, 'ssh');
    assert.is(meta.tcp!.requested, 'reno');
    const names = meta.topology.sites.flatMap((s) => s.hosts.flatMap((h) => h.nodes.map((n) => n.name)));
    assert.ok(names.length >= 2);
    assert.equal(Object.keys(meta.tcp!.nodes).sort(), names.sort(), 'every node');
    for (const [n, t] of Object.entries(meta.tcp!.nodes)) assert.equal([t.congestion_control, t.qdisc_from], ['reno', 'host'], n);
    assert.equal(meta.tcp!.host_changes, [], 'nothing changed on real hosts');
    for (const h of meta.remote_hosts as { tcp?: { default: string; allowed: string[] } }[])
      assert.ok(h.tcp?.default && h.tcp.allowed.length, JSON.stringify(h));
    const tp = rows.filter((x) => x.benchmark === 'iperf3' && x.status === 'ok');
    assert.ok(tp.length > 0);
    for (const x of tp) assert.is(x.params.tcp_cc, 'reno');
    const raw = readdirSync(join(dir, 'raw', 'iperf3')).filter((f) => f.endsWith('.client.json'));
    for (const f of raw) assert.is(JSON.parse(readFileSync(join(dir, 'raw', 'iperf3', f), 'utf8')).end.sender_tcp_congestion, 'reno', f);
    assert.equal(await Promise.all(fx.hosts.map((h) => hostCc(h.ns))), before, "the hosts' own setting is unchanged");
  });

  suite('xen nodes: --tcp-cc is refused in preflight, naming it, before anything is created on any host', async () => {
    const inv = join(results, 'xen.inventory.yaml');
    writeFileSync(
      inv,
      readFileSync(fx.inventoryFile, 'utf8').replace(/^(\s*)icbench_virt: netns$/gm, '$1icbench_virt: xen\n$1icbench_xen_kernel: /boot/vmlinuz-guest'),
    );
    const before = await hostNamespaces(fx);
    const r = await runScenario('hokudai-nii.mjs', [...ARGS, '--tcp-cc', 'cubic', '--inventory', inv], { results, state });
    assert.is.not(r.code, 0);
    assert.match(r.out, 'preflight failed on the hosts');
    for (const h of fx.hosts) assert.match(r.out, `${h.name}: --tcp-cc cubic is not supported for xen nodes`);
    assert.equal(await hostNamespaces(fx), before, 'no namespace created on any host');
  });
}

suite.run();
