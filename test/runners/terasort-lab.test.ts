/**
 * The lab Terasort engine on a real lab (2 sites x 1 host x 2 nodes): a valid sort with shuffle
 * bytes crossing the WAN for the spanning cluster and none for a one-site cluster; and a worker
 * killed with SIGKILL in the middle of the sort -> failed rows with the reason, no worker left.
 * Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';
import { labTerasort } from '../../runners/terasort-lab.js';
import type { RunContext } from '../../runners/context.js';
import type { Measurement } from '../../measurements/measurement.js';

const STATE_DIR = useStateDir(test);

/** Worker processes (pid, cmdline) whose command line mentions `needle`. */
function workers(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes('worker.js') && cmd.includes(needle)) out.push({ pid: Number(d), cmd });
    } catch {
      /* gone */
    }
  }
  return out;
}
const metric = (rows: Measurement[], m: string) => rows.find((r) => r.metric === m)!;

if (process.getuid?.() !== 0) {
  console.log('SKIPPED terasort lab tests: they need root (network namespaces)');
} else {
  const abort = new AbortController();
  let t: TestLab | null = null;
  let ctx: RunContext,
    lab: TestLab['lab'] | null = null,
    runId = '',
    workDir = '',
    results = '';

  test.before(async () => {
    t = await upTestLab(
      {
        scenario: 'ts',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
        ],
        wan: { rate: '40Mbit', rtt: '4ms' },
      },
      STATE_DIR,
      abort.signal,
    );
    ({ ctx, lab, runId, workDir, results } = t);
  });

  test.after(async () => {
    if (t) await t.down();
    rmSync(STATE_DIR, { recursive: true, force: true });
  });

  test('spanning and one-site clusters: valid sort; shuffle bytes cross the WAN only when the cluster spans sites', async () => {
    const span = await labTerasort.run(ctx, lab!.nodes, { rows: 20000, label: 'spanning', memoryMiB: 1 });
    for (const r of span) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.equal(
      span.map((r) => r.metric),
      ['teragen_elapsed', 'teragen_throughput', 'terasort_elapsed', 'terasort_throughput', 'wan_bytes', 'teravalidate_elapsed', 'validate'],
    );
    assert.is(metric(span, 'validate').value, 1);
    // About half of the records of each node belong to the other site's two partitions.
    assert.ok(metric(span, 'wan_bytes').value! > 20000 * 100 * 0.3, `wan_bytes ${metric(span, 'wan_bytes').value}`);
    assert.is(span[0].path, 'inter-site');
    assert.is(span[0].nodes, 4);
    const siteA = lab!.nodes.filter((n) => n.site === 'A');
    const one = await labTerasort.run(ctx, siteA, { rows: 20000, startRow: 20000, label: 'one-site' });
    for (const r of one) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.is(metric(one, 'wan_bytes').value, 0);
    assert.is(one[0].path, 'intra-site');
    const raw = join(results, runId, 'raw', 'terasort', 'spanning', 'rep1');
    assert.equal(readdirSync(raw).filter((f) => f.endsWith('.sort.json')).length, 4, 'every worker output kept raw');
    assert.equal(readdirSync(join(workDir, 'nodes', siteA[0].name)), [], 'work files removed');
    assert.equal(workers(workDir), []);
  });

  test('a worker killed with SIGKILL mid-sort: failed rows with a reason, no worker left', async () => {
    const running = labTerasort.run(ctx, lab!.nodes, { rows: 300_000, label: 'killed' });
    let victim: number | null = null;
    for (let i = 0; i < 600 && victim === null; i++) {
      await new Promise((r) => setTimeout(r, 20));
      victim = workers(workDir).find((w) => / sort \{/.test(w.cmd))?.pid ?? null;
    }
    assert.ok(victim, 'a sort worker was seen running');
    await new Promise((r) => setTimeout(r, 300)); // well into the shuffle (~15 MB over a 40 Mbit/s WAN)
    process.kill(victim!, 'SIGKILL');
    const rows = await running;
    const sort = metric(rows, 'terasort_elapsed');
    assert.is(sort.status, 'failed');
    assert.is(sort.value, null);
    assert.match(sort.reason, /sort: /);
    assert.is(metric(rows, 'teragen_elapsed').status, 'ok', 'teragen had finished');
    assert.is(metric(rows, 'wan_bytes').status, 'failed');
    assert.match(metric(rows, 'validate').reason, /not run: sort failed/);
    assert.equal(workers(workDir), [], 'no worker process left');
    assert.not.ok(existsSync(join(workDir, 'nodes', lab!.nodes[0].name, 'terasort-killed-rep1')), 'work files removed');
  });

  test('an interrupt (ctx.signal) during the sort kills the workers and throws Interrupted', async () => {
    const running = labTerasort.run(ctx, lab!.nodes, { rows: 300_000, label: 'aborted' });
    running.catch(() => {});
    for (let i = 0; i < 600 && !workers(workDir).some((w) => / sort \{/.test(w.cmd)); i++) await new Promise((r) => setTimeout(r, 20));
    abort.abort();
    const err = await running.then(
      () => null,
      (e: Error) => e,
    );
    assert.is(err?.name, 'Interrupted');
    assert.equal(workers(workDir), [], 'no worker process left');
    assert.not.ok(existsSync(join(workDir, 'nodes', lab!.nodes[0].name, 'terasort-aborted-rep1')), 'work files removed');
  });

  test('bad options are refused before anything runs', async () => {
    const error = (p: Promise<unknown>) =>
      p.then(
        () => new Error('resolved'),
        (e: Error) => e,
      );
    assert.match((await error(labTerasort.run(ctx, lab!.nodes, { rows: 0 }))).message, /terasort\.rows: expected a whole number/);
    assert.match((await error(labTerasort.run(ctx, lab!.nodes, { rows: 10, reducers: 3 }))).message, /terasort\.reducers: expected 4/);
    assert.match((await error(labTerasort.run(ctx, [], { rows: 10 }))).message, /terasort\.cluster: expected at least one node/);
    assert.equal(workers(workDir), []);
  });
}

test.run();
