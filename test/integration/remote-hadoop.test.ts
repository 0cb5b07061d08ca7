/**
 * Benchmarks that need files on real hosts, on the isolated SSH-sites fixture (hosts that share
 * nothing with this machine: own Debian tree with the documented host prerequisites, own /tmp,
 * /run, processes): hokudai-nii runs unchanged with --inventory, pgbench with per-transaction
 * percentiles (its logs written on the client's host and read back into raw/) and Terasort with
 * the Hadoop engine, whose distribution is shipped to the hosts' cache and run there with the hosts'
 * own Java (one site vs spanning). Small sizes: this is the one Hadoop-on-real-sites run of CI.
 * While the first cluster runs, an outsider (a namespace on the first site's LAN that is not one of
 * the run's hosts, with the run's VNI and port, issue 24) tries the master's ResourceManager and
 * NameNode: both must fail, and with the run's firewall table removed on that host the same
 * outsider reaches the master (the attack is real; the firewall is what stops it). Then issue 28 on
 * a real host: one host's sshd stopped (its sessions killed) during pgbench costs that host's
 * client cells, not the run; once the host is back, `icbench fill` completes the run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { runTag, VXLAN_PORT } from '../../infra/remote/plan.js';
import { loadRun } from '../../measurements/reader.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { connects, outsiderDown, outsiderUp, outsiderVxlan, pings } from '../helpers/outsider.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { useStateDir } from '../helpers/lab.js';
import { leftOnHosts, netnsOf, runIdOf, sshTo } from '../helpers/remote-fixture.js';
import { runScenario } from '../helpers/scenario.js';
import { checkLostRun, fillAndCheck } from '../helpers/lost-node.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  results = mkdtempSync(join(tmpdir(), 'icb-remote-hadoop-'));
  try {
    fx = await upSshSites({
      sites: [
        { name: 'NII', hosts: 2 },
        { name: 'Hokudai', hosts: 2 },
      ],
      wanRtt: '20ms',
      stateDir: state,
      isolated: true,
    });
    outsiderUp(fx);
  } catch (e) {
    console.error('remote-hadoop: set-up failed:', e); // uvu does not print a hook's error
    throw e;
  }
});
suite.after(async () => {
  outsiderDown();
  await fx?.down();
  if (results) rmSync(results, { recursive: true, force: true });
});

suite('pgbench with percentiles and Hadoop Terasort run on isolated hosts; Hadoop shipped, run from the cache, nothing left', async () => {
  const t0 = performance.now();
  const args = ['--virt', 'netns', '--benchmarks', 'pgbench,terasort', '--repetitions', '1', '--pgbench-duration', '3'];
  const seen: { rm: boolean | null; rmWeb: boolean | null; nn: boolean | null; node: boolean | null; unfirewalled: boolean | null } = {
    rm: null,
    rmWeb: null,
    nn: null,
    node: null,
    unfirewalled: null,
  };
  let attacked: Promise<void> | null = null;
  const attack = async () => {
    const dir = readdirSync(results).find((d) => /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(d))!;
    const meta = JSON.parse(readFileSync(join(results, dir, 'run.json'), 'utf8')) as RunMeta;
    const seg = meta.topology.segment!;
    const target = fx.hosts.find((h) => h.site === 'NII')!;
    // The first cluster is one site's (NII): its master is the first NII node.
    const master = meta.topology.sites.flatMap((x) => x.hosts.flatMap((h) => h.nodes)).find((n) => n.name === 'nii-h1-n1')!;
    outsiderVxlan(seg.vni, VXLAN_PORT, target.address, '10.200.255.77', seg.mtu);
    seen.node = pings(master.address);
    seen.rm = connects(master.address, 8032);
    seen.rmWeb = connects(master.address, 8088);
    seen.nn = connects(master.address, 9000);
    const fw = (meta.remote_hosts ?? []).find((h) => (h as { host?: string }).host === target.name) as { firewall?: { table?: string } } | undefined;
    const del = await sshTo(fx, target, `nft delete table inet ${fw?.firewall?.table ?? 'none'}`);
    if (del.ok) seen.unfirewalled = pings(master.address);
  };
  const r = await runScenario(
    'hokudai-nii.mjs',
    [...args, '--terasort-engine', 'hadoop', '--terasort-nodes', '2', '--terasort-rows', '20000', '--inventory', fx.inventoryFile],
    {
      results,
      state,
      onLine: (line) => {
        if (!attacked && /NodeManagers registered/.test(line)) attacked = attack();
      },
    },
  );
  await attacked;
  console.log(`hokudai-nii pgbench + Hadoop Terasort on isolated hosts: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const dir = join(results, runId);
  const { rows, meta } = await loadRun(dir);
  assert.is(meta.testbed, 'ssh');
  assert.is(meta.status, 'ok', r.out.slice(-2000));

  // pgbench: TPS and the percentiles from the per-transaction logs written on the client's host.
  const pg = rows.filter((x) => x.benchmark === 'pgbench' && x.status === 'ok');
  const pgLines = r.out
    .split('\n')
    .filter((l) => /pgbench|postgres|TPS/i.test(l))
    .slice(-20)
    .join('\n');
  for (const m of ['tps', 'latency_p50', 'latency_p99'])
    assert.ok(
      pg.some((x) => x.metric === m),
      `pgbench ${m}: ${JSON.stringify(pg.map((x) => x.metric))}\n${pgLines}`,
    );

  // Terasort on Hadoop: both clusters (one site, spanning) generated, sorted and validated.
  const ts = rows.filter((x) => x.benchmark === 'terasort' && x.params.engine === 'hadoop');
  const valid = ts.filter((x) => x.metric === 'validate' && x.status === 'ok' && x.value === 1);
  assert.is(valid.length, 2, JSON.stringify(ts.filter((x) => x.status !== 'ok').map((x) => x.reason)));
  assert.ok(
    ts.some((x) => x.metric === 'terasort_elapsed' && x.path === 'inter-site' && x.status === 'ok'),
    'the spanning cluster sorted',
  );
  // Shipped once per host to the content-addressed cache; the jobs' JVMs ran from it.
  const shipped = readdirSync(join(dir, 'raw'), { recursive: true }).filter((f) => String(f).endsWith('shipped.json'));
  assert.ok(shipped.length >= 1, `shipped.json in raw/: ${shipped}`);
  const first = JSON.parse(readFileSync(join(dir, 'raw', String(shipped[0])), 'utf8')) as { dir: string; bundle: string }[];
  assert.ok(
    first.every((s) => s.bundle === 'hadoop' && /^\/var\/cache\/icbench-remote\/[0-9a-f]{64}$/.test(s.dir)),
    JSON.stringify(first),
  );
  const onHost = await sshTo(
    fx,
    fx.hosts[0],
    `ls ${first[0].dir}/bin/hadoop ${first[0].dir}/share/hadoop/mapreduce | head -3; ls -d /var/cache/icbench/hadoop-* 2>/dev/null | wc -l`,
  );
  assert.match(onHost.stdout, /bin\/hadoop/);
  assert.match(onHost.stdout.trim().split('\n').pop() ?? '', /^0$/, "the controller's Hadoop install is not on the host");
  const log = readdirSync(join(dir, 'raw'), { recursive: true }).find((f) => /terasort-hadoop.*teragen\.log$/.test(String(f)));
  assert.ok(log, 'teragen log in raw/');

  // The outsider: neither the ResourceManager (RPC, web) nor the NameNode nor the master itself; the control got through.
  assert.equal(seen, { rm: false, rmWeb: false, nn: false, node: false, unfirewalled: true }, 'the outsider against the Hadoop master');

  // Teardown: no namespace, link, journal, node dir or JVM of the run on any host.
  assert.equal(await netnsOf(fx, runId), []);
  assert.equal(await leftOnHosts(fx, runId), []);
  for (const h of fx.hosts) {
    const x = await sshTo(fx, h, `pgrep -a java; ls /var/lib/icbench-remote 2>/dev/null | grep ${runId}; true`);
    assert.is(x.stdout.trim(), '', `${h.name}: ${x.stdout}`);
  }
});

suite("a host's sshd stopped during pgbench (its sessions killed): its cells missing, rc 0, degraded; back up, fill completes the run; nothing left", async () => {
  const t0 = performance.now();
  const host = fx.hosts.find((h) => h.name === 'hokudai-h1')!;
  const LOST = 'hokudai-h1-n1'; // pgbench's client at the other site (server nii-h1-n1, clients nii-h2-n1 and this one)
  let runId = '';
  const stopping: Promise<{ killed: number; during: boolean } | Error>[] = [];
  const args = ['--virt', 'netns', '--benchmarks', 'pgbench', '--repetitions', '1', '--pgbench-duration', '2', '--pgbench-clients', '2'];
  // Cells: tpcb-like then select-only, each from nii-h2-n1 then hokudai-h1-n1.
  const r = await runScenario('hokudai-nii.mjs', [...args, '--inventory', fx.inventoryFile], {
    results,
    state,
    onLine: (line) => {
      runId ||= runIdOf(line);
      // Once the first cell is done, while the next one's pgbench runs on that host.
      if (!stopping.length && /\[pgbench\] 1\/4/.test(line)) stopping.push(fx.stopSshd(host.name, { whileRunning: 'pgbench' }).catch((e: Error) => e));
    },
  });
  assert.is(stopping.length, 1, r.out.slice(-3000));
  const stop = await stopping[0];
  assert.ok(!(stop instanceof Error) && stop.killed >= 2 && stop.during, `sshd and the harness's session killed while pgbench ran: ${JSON.stringify(stop)}`);
  assert.is(r.code, 0, r.out.slice(-3000));
  const dir = join(results, runId);
  const meta = await checkLostRun(dir, { lost: LOST, cellsTotal: 4, reason: /ssh hokudai-h1/ });
  // The sample in flight on that host failed when its session was cut (its rows kept, failed, with the reason).
  const cut = (await loadRun(dir)).rows.filter((x) => x.benchmark === 'pgbench' && x.src_node === LOST && x.status !== 'ok');
  assert.ok(cut.length > 0, 'the pgbench sample in flight has failed rows');
  console.log(
    `sshd stopped: run ${((performance.now() - t0) / 1000).toFixed(0)} s; in flight: ${cut[0].reason}; ${meta.failures.map((f) => `${f.stage}: ${f.error}`).join(' / ')}`,
  );
  // Not a failed teardown: the lost host's part stays journaled, said in a `nodes` failure.
  assert.not.ok(
    meta.failures.some((f) => f.stage === 'teardown'),
    JSON.stringify(meta.failures),
  );
  assert.ok(meta.failures.some((f) => f.stage === 'nodes' && f.error.includes(`${host.name}: unreachable`) && f.error.includes('stays journaled')));
  const others = { ...fx, hosts: fx.hosts.filter((h) => h !== host) };
  assert.equal(await netnsOf(others, runId), []);
  assert.equal(await leftOnHosts(others, runId), []);
  assert.match((await run(['ip', '-n', host.ns, '-o', 'link'])).stdout, runTag(runId), 'the lost host still has the run');
  assert.ok(existsSync(join(state, `${runId}.journal`)), 'journal kept for the lost host');

  // The host comes back: the fill first removes what the run still had there (as clean), then runs the holes.
  await fx.startSshd(host.name);
  const t1 = performance.now();
  const out = await fillAndCheck(dir, 4, state);
  console.log(`fill: ${((performance.now() - t1) / 1000).toFixed(0)} s`);
  assert.match(out, /still has resources journaled: removing them first/);
  assert.equal(await netnsOf(fx, runId), []);
  assert.equal(await leftOnHosts(fx, runId), []);
  assert.not.ok(existsSync(join(state, `${runId}.journal`)), 'journal removed');
});

suite.run();
