/**
 * ARP answered at the site switch (infra/lab/plan.ts, neighbour suppression): resolving a known
 * node sends no broadcast to the other hosts of the site and nothing over the VXLAN, the answer
 * is the target's own MAC (same layer-2 segment), and an address no node holds is still flooded
 * (ordinary layer-2 behaviour for everything the site switch does not know). Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';

import { useStateDir } from '../helpers/lab.js';

useStateDir(test);
const { resolveConfig } = await import('../../infra/config.js');
const { Journal } = await import('../../infra/journal.js');
const { Lab } = await import('../../infra/lab/lab.js');
const { nodeMac } = await import('../../infra/node-net.js');
const { newRunId } = await import('../../infra/run-id.js');
const { run, must } = await import('../../infra/exec.js');

type LabT = Awaited<ReturnType<typeof Lab.up>>;
let lab: LabT;

/** Packets a device has sent and received, from the kernel's counters. */
async function counters(ns: string, dev: string): Promise<{ tx: number; rx: number }> {
  const j = JSON.parse((await must('counters', ['ip', '-n', ns, '-j', '-s', 'link', 'show', 'dev', dev])).stdout)[0];
  return { tx: j.stats64.tx.packets, rx: j.stats64.rx.packets };
}

if (process.getuid?.() !== 0) {
  console.log('SKIPPED lab ARP tests: they need root (network namespaces)');
} else {
  test.before(async () => {
    const spec = resolveConfig({
      scenario: 'arp',
      sites: [
        { name: 'A', lan: '1Gbit', hosts: 2, nodesPerHost: 2 },
        { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
      ],
      wan: { rate: '100Mbit', rtt: '2ms' },
    });
    const runId = newRunId();
    lab = await Lab.up(spec, { runId, journal: new Journal(runId), workDir: join(process.env.ICBENCH_STATE_DIR!, `${runId}.d`), wanMode: 'wanem' });
  });
  test.after(async () => {
    await lab?.down();
  });

  const site = (name: string) => lab.plan.siteNs.get(name)!;
  const flush = async () => {
    for (const n of lab.nodes) await must('flush', n.exec.wrap(['ip', 'neigh', 'flush', 'dev', 'eth0']));
  };

  test('resolving a node at the other site sends no ARP over the VXLAN; the answer is its own MAC', async () => {
    const [a0, , a2] = lab.nodes; // a0 on A's host 1, a2 on A's host 2
    const b0 = lab.nodes.find((n) => n.site === 'B')!;
    await flush();
    const vxA = await counters(site('A'), 'vx0'),
      vxB = await counters(site('B'), 'vx0'),
      otherHost = await counters(a2.ns, 'eth0');
    const ping = await run(a0.exec.wrap(['ping', '-n', '-c', '1', '-W', '2', b0.address]), { timeoutMs: 10_000 });
    assert.ok(ping.ok, ping.stdout + ping.stderr);
    const vxA2 = await counters(site('A'), 'vx0'),
      vxB2 = await counters(site('B'), 'vx0'),
      otherHost2 = await counters(a2.ns, 'eth0');
    // One echo request out of A, one reply back: both ends resolved the other at their own site switch.
    assert.is(vxA2.tx - vxA.tx, 1, 'frames A sent over the VXLAN');
    assert.is(vxB2.tx - vxB.tx, 1, 'frames B sent over the VXLAN');
    assert.is(otherHost2.rx - otherHost.rx, 0, "a node on another host of A's site received nothing");
    const neigh = (await must('neigh', a0.exec.wrap(['ip', 'neigh', 'show', b0.address]))).stdout;
    assert.match(neigh, nodeMac(b0.index));
    assert.not.match(neigh, /PERMANENT/, 'learned by ARP, not written ahead');
  });

  test('an address no node holds is flooded as on any layer-2 segment (suppression covers known nodes only)', async () => {
    const [a0] = lab.nodes;
    const vxA = await counters(site('A'), 'vx0');
    await run(a0.exec.wrap(['ping', '-n', '-c', '1', '-W', '1', '10.200.255.254']), { timeoutMs: 10_000 });
    const vxA2 = await counters(site('A'), 'vx0');
    assert.ok(vxA2.tx - vxA.tx >= 1, 'the unknown target was asked for over the VXLAN');
  });

  test('a full mesh of every node resolves at once, first time (every pair answers one ping)', async () => {
    await flush();
    const results = await Promise.all(
      lab.nodes.flatMap((a) =>
        lab.nodes.filter((b) => b !== a).map((b) => run(a.exec.wrap(['ping', '-n', '-c', '1', '-W', '2', b.address]), { timeoutMs: 10_000 })),
      ),
    );
    assert.is(
      results.filter((r) => !r.ok).length,
      0,
      `failed: ${results
        .filter((r) => !r.ok)
        .map((r) => `${r.argv[1]} -> ${r.argv.at(-1)}: ${r.stdout.split('\n')[1]}`)
        .join('; ')}`,
    );
  });
}

test.run();
