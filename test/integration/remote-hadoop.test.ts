/**
 * Benchmarks that need files on real hosts, on the isolated SSH-sites fixture (hosts that share
 * nothing with this machine: own Debian tree with the documented host prerequisites, own /tmp,
 * /run, processes): hokudai-nii runs unchanged with --inventory, pgbench with per-transaction
 * percentiles (its logs written on the client's host and read back into raw/) and Terasort with
 * the Hadoop engine, whose distribution is shipped to the hosts' cache and run there with the hosts'
 * own Java (one site vs spanning). Small sizes: this is the one Hadoop-on-real-sites run of CI.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun } from '../../measurements/reader.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { useStateDir } from '../helpers/lab.js';
import { leftOnHosts, netnsOf, runIdOf, sshTo } from '../helpers/remote-fixture.js';
import { runScenario } from '../helpers/scenario.js';

const suite = test;
const state = useStateDir(suite, 0o711);
let fx: SshSites;
let results: string;

suite.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  results = mkdtempSync(join(tmpdir(), 'icb-remote-hadoop-'));
  fx = await upSshSites({
    sites: [
      { name: 'NII', hosts: 2 },
      { name: 'Hokudai', hosts: 2 },
    ],
    wanRtt: '20ms',
    stateDir: state,
    isolated: true,
  });
});
suite.after(async () => {
  await fx?.down();
  if (results) rmSync(results, { recursive: true, force: true });
});

suite('pgbench with percentiles and Hadoop Terasort run on isolated hosts; Hadoop shipped, run from the cache, nothing left', async () => {
  const t0 = performance.now();
  const args = ['--virt', 'netns', '--benchmarks', 'pgbench,terasort', '--repetitions', '1', '--pgbench-duration', '3'];
  const r = await runScenario(
    'hokudai-nii.mjs',
    [...args, '--terasort-engine', 'hadoop', '--terasort-nodes', '2', '--terasort-rows', '20000', '--inventory', fx.inventoryFile],
    { results, state },
  );
  console.log(`hokudai-nii pgbench + Hadoop Terasort on isolated hosts: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const runId = runIdOf(r.out);
  assert.is(r.code, 0, r.out.slice(-3000));
  const dir = join(results, runId);
  const { rows, meta } = await loadRun(dir);
  assert.is(meta.testbed, 'ssh');
  assert.is(meta.status, 'ok', r.out.slice(-2000));

  // pgbench: TPS and the percentiles from the per-transaction logs written on the client's host.
  const pg = rows.filter((x) => x.benchmark === 'pgbench' && x.status === 'ok');
  for (const m of ['tps', 'latency_p50', 'latency_p99'])
    assert.ok(
      pg.some((x) => x.metric === m),
      `pgbench ${m}: ${JSON.stringify(pg.map((x) => x.metric))}`,
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

  // Teardown: no namespace, link, journal, node dir or JVM of the run on any host.
  assert.equal(await netnsOf(fx, runId), []);
  assert.equal(await leftOnHosts(fx, runId), []);
  for (const h of fx.hosts) {
    const x = await sshTo(fx, h, `pgrep -a java; ls /var/lib/icbench-remote 2>/dev/null | grep ${runId}; true`);
    assert.is(x.stdout.trim(), '', `${h.name}: ${x.stdout}`);
  }
});

suite.run();
