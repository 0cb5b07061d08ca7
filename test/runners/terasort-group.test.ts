/**
 * The lab Terasort engine with group workers (one process serving several nodes) on a real lab
 * of 2 sites x 1 host x 3 nodes, groups of 2: a valid sort across sites, one partition per node,
 * the shuffle carried between the nodes' own addresses (its bytes cross the WAN emulator), and
 * one worker process per group, not per node. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';
import { clusterGroups, labTerasort } from '../../runners/terasort-lab.js';
import type { Measurement } from '../../measurements/measurement.js';

const STATE_DIR = useStateDir(test);
const metric = (rows: Measurement[], m: string) => rows.find((r) => r.metric === m)!;

test('clusterGroups: contiguous groups of near-equal size, every node once', () => {
  assert.equal(clusterGroups(6, 2), [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.equal(
    clusterGroups(2000, 100).map((g) => g.length),
    new Array(20).fill(100),
  );
  const g = clusterGroups(7, 3);
  assert.equal(g.flat(), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(g.every((x) => x.length <= 3));
});

if (process.getuid?.() !== 0) {
  console.log('SKIPPED terasort group tests: they need root (network namespaces)');
} else {
  let t: TestLab | null = null;
  test.before(async () => {
    t = await upTestLab(
      {
        scenario: 'tsg',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 3 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 3 },
        ],
        wan: { rate: '100Mbit', rtt: '2ms' },
      },
      STATE_DIR,
      new AbortController().signal,
    );
  });
  test.after(async () => {
    if (t) await t.down();
    rmSync(STATE_DIR, { recursive: true, force: true });
  });

  test('groups of 2 over 6 nodes at 2 sites: valid sort, shuffle between node addresses across the WAN', async () => {
    const { ctx, lab, runId, results } = t!;
    const before = lab.relayStats()['A-B'];
    const rows = await labTerasort.run(ctx, lab.nodes, { rows: 30000, label: 'grouped', memoryMiB: 2, groupSize: 2 });
    for (const r of rows) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.is(metric(rows, 'validate').value, 1, 'sorted, every record once, checksum of teragen');
    assert.is(rows[0].nodes, 6);
    const wan = metric(rows, 'wan_bytes').value!;
    assert.ok(wan > 30000 * 100 * 0.2, `wan_bytes ${wan}`);
    await new Promise((r) => setTimeout(r, 300)); // the relay publishes its counters every 100 ms
    const after = lab.relayStats()['A-B'];
    assert.ok(after.ab.tx_bytes - before.ab.tx_bytes + (after.ba.tx_bytes - before.ba.tx_bytes) >= wan, 'the shuffle went through the WAN emulator');
    const raw = join(results, runId, 'raw', 'terasort', 'grouped', 'rep1');
    const sortOut = readdirSync(raw).filter((f) => f.endsWith('.sort.json'));
    assert.equal(sortOut.sort(), ['group-0.sort.json', 'group-1.sort.json', 'group-2.sort.json'], 'one worker per group');
    const lines = sortOut.flatMap((f) =>
      readFileSync(join(raw, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    );
    assert.is(lines.length, 6, 'one result per node');
    assert.is(new Set(lines.map((l) => l.pid)).size, 3, 'three processes served six nodes');
    assert.is(
      lines.reduce((a, l) => a + l.recordsOut, 0),
      30000,
    );
    // Connections go between the nodes' own addresses: each group's links name nodes of other groups.
    const sent = lines.flatMap((l) => Object.keys(l.bytesSent));
    assert.ok(sent.length >= 6 && sent.every((n) => lab.nodes.some((x) => x.name === n)), sent.join(','));
  });
}

test.run();
