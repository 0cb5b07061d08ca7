/**
 * Real PostgreSQL + real pgbench in a real lab (2 sites x 1 host x 2 nodes, WAN 20 ms RTT):
 * same-site vs inter-site transaction rate (the Fig. 3 effect), and failures as failed rows with
 * no postgres process left behind. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Measurement } from '../../measurements/measurement.js';
import type { RunContext } from '../../runners/context.js';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';

const STATE_DIR = useStateDir(test, 0o711); // the postgres user must reach its data dir below it
const { runPgbench, measurePgbench, pgbenchPairs } = await import('../../runners/pgbench.js');
const { startPostgres } = await import('../../runners/postgres-server.js');
const { start } = await import('../../infra/exec.js');

/** Processes whose command line names this run's postgres clusters (cluster_name=icb-<run>-<node>). */
function postgresOf(runId: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(`icb-${runId}-`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${d}/stat`, 'utf8'))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
const get = (rows: Measurement[], path: string, metric: string) => {
  const r = rows.find((x) => x.path === path && x.metric === metric);
  assert.ok(r, `${metric} row for ${path}`);
  assert.is(r.status, 'ok', `${path} ${metric}: ${r.reason}`);
  return r.value as number;
};

if (process.getuid?.() !== 0) {
  console.log('SKIPPED pgbench lab tests: they need root (network namespaces)');
} else {
  let t: TestLab | null = null;
  let ctx: RunContext,
    runId = '',
    workDir = '',
    resultsDir = '';

  test.before(async () => {
    t = await upTestLab(
      {
        scenario: 'pgbench-it',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
        ],
        wan: { rate: '100Mbit', rtt: '20ms' },
      },
      STATE_DIR,
    );
    ({ ctx, runId, workDir, results: resultsDir } = t);
  });
  test.after(async () => {
    if (t) await t.down();
    rmSync(STATE_DIR, { recursive: true, force: true });
  });

  test('select-only, scale 1: same-site client far faster than the client across the 20 ms WAN; server stopped after', async () => {
    const pairs = pgbenchPairs(ctx.nodes, undefined);
    assert.equal(
      pairs.map((p) => [p.src.site, p.dst.name, p.path]),
      [
        ['A', ctx.nodes[0].name, 'local'],
        ['B', ctx.nodes[0].name, 'inter-site'],
      ],
    );
    const rows = await runPgbench(ctx, { scripts: ['select-only'], scale: 1, clients: 2, durationS: 3, percentiles: true, rttMs: 20 });
    assert.equal(
      rows.filter((r) => r.status !== 'ok'),
      [],
      'no failed row',
    );
    const localTps = get(rows, 'local', 'tps'),
      interTps = get(rows, 'inter-site', 'tps');
    console.log(
      `  select-only -c 2: same site ${localTps.toFixed(0)} tx/s, across 20 ms RTT ${interTps.toFixed(1)} tx/s; inter-site latency avg ${get(rows, 'inter-site', 'latency_avg').toFixed(2)} ms, p99 ${get(rows, 'inter-site', 'latency_p99').toFixed(2)} ms`,
    );
    assert.ok(localTps > 0 && interTps > 0);
    assert.ok(interTps < 0.5 * localTps, `inter-site ${interTps} tx/s vs same-site ${localTps} tx/s`);
    assert.ok(get(rows, 'inter-site', 'latency_avg') >= 19.5, 'one round trip per select-only transaction');
    assert.ok(get(rows, 'inter-site', 'latency_p50') >= 19.5);
    assert.ok(get(rows, 'local', 'latency_avg') < 5);
    for (const r of rows) assert.equal([r.params.script, r.params.rtt_ms], ['select-only', 20]);
    assert.equal(
      rows
        .filter((r) => r.path === 'inter-site')
        .map((r) => r.metric)
        .sort(),
      ['connection_time', 'failed_tx', 'latency_avg', 'latency_p50', 'latency_p95', 'latency_p99', 'latency_stddev', 'tps', 'transactions'],
    );
    assert.ok(rows.every((r) => r.src_node !== r.dst_node && r.dst_node === ctx.nodes[0].name && r.benchmark === 'pgbench'));
    const raw = readdirSync(join(resultsDir, runId, 'raw', 'pgbench'));
    assert.ok(raw.includes(`init-${ctx.nodes[0].name}.txt`) && raw.includes(`server-${ctx.nodes[0].name}.log`), raw.join(' '));
    assert.ok(
      raw.some((f) => f.endsWith('.txlog')),
      'per-transaction log kept',
    );
    assert.equal(postgresOf(runId), [], 'postgres stopped');
  });

  test('server stopped before the client runs: failed rows with the reason, nothing left running', async () => {
    const [p] = pgbenchPairs(ctx.nodes, ctx.nodes[2].name, [ctx.nodes[3].name]);
    const server = await startPostgres(ctx, p.dst, { port: 55433 });
    assert.ok(postgresOf(runId).length > 0, 'the server ran');
    await server.stop();
    assert.equal(postgresOf(runId), []);
    assert.match(server.log(), /database system is shut down/);
    const rows = await measurePgbench(ctx, server, p, 1, 'tpcb-like', { clients: 1, durationS: 1, percentiles: true });
    assert.equal(
      rows.map((r) => r.metric),
      ['tps', 'latency_avg', 'latency_p50', 'latency_p95', 'latency_p99'],
    );
    for (const r of rows) {
      assert.is(r.status, 'failed');
      assert.is(r.value, null);
      assert.match(r.reason, /connection to server at "[\d.]+", port 55433 failed: Connection refused/);
      // the pair's congestion control as read from the nodes after stand-up (this machine's default)
      assert.equal(r.params, { script: 'tpcb-like', tcp_cc: ctx.tcp!.of[p.src.name]! });
    }
    assert.not.ok(existsSync(join(workDir, 'nodes', p.src.name, 'pgbench-log', 'rep1-tpcb-like')), 'log dir removed');
  });

  test('server cannot start (port taken): every planned sample is a failed row naming the cause', async () => {
    const srv = ctx.nodes[2];
    const squatter = start(srv.exec.wrap(['iperf3', '-s', '-B', srv.address, '-p', '55434']));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const rows = await runPgbench(ctx, {
        server: srv.name,
        clientNodes: [ctx.nodes[3].name, ctx.nodes[0].name],
        scripts: ['select-only', 'tpcb-like'],
        repetitions: 2,
        port: 55434,
        clients: 1,
        durationS: 1,
      });
      assert.is(rows.length, 2 * 2 * 2 * 2, '2 reps x 2 scripts x 2 clients x (tps, latency_avg)');
      for (const r of rows) {
        assert.is(r.status, 'failed');
        assert.is(r.value, null);
        assert.match(r.reason, /postgres on .*: exited before accepting connections; server log: .*could not bind IPv4 address .*Address already in use/);
      }
      assert.equal([...new Set(rows.map((r) => r.path))].sort(), ['inter-site', 'local']);
      assert.equal(postgresOf(runId), []);
    } finally {
      try {
        await squatter.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      await squatter;
    }
  });

  test('bad input: ConfigError before anything starts', async () => {
    const rejects = async (p: Promise<unknown>, re: RegExp) => {
      try {
        await p;
      } catch (e) {
        assert.match((e as Error).message, re);
        return;
      }
      assert.unreachable(`expected ${re}`);
    };
    await rejects(runPgbench(ctx, { clients: 2, threads: 3, durationS: 1 }), /^pgbench\.threads: expected a whole number from 1 to 2, got 3$/);
    await rejects(runPgbench(ctx, { clients: 1, durationS: 1, server: 'nope' }), /^pgbench\.server: /);
    assert.equal(postgresOf(runId), []);
  });
}

test.run();
