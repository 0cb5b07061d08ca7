/**
 * npm run bench:lost-nodes (issue 28): a ping matrix on N netns nodes (one site, default 500)
 * with K% of the nodes (default 5%) killed at random mid-run (`ip netns del` of their namespace),
 * through the real ping runner with a ledger. Each node pings two others (the next node, and the one
 * half way round), so 2N cells. Prints: cells, ok, missing, failed; the cells touching a killed
 * node run after it was killed (which must equal the missing ones), cells not touching a killed
 * node that are not ok (must be 0), the samples sent to killed nodes (one per killed node: the
 * sample that found it gone), times (lab up, matrix, down) and the load average.
 * Options: --nodes 500 --kill-percent 5 --kill-after 0.3 (fraction of the cells done before the kill)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../infra/config.js';
import { run } from '../infra/exec.js';
import { labProvider } from '../infra/lab/provider.js';
import type { LabNode } from '../infra/lab/lab.js';
import { silentProgress, type Progress } from '../infra/progress.js';
import { latestCells, readLedger } from '../measurements/ledger.js';
import type { ResultStore } from '../measurements/store.js';
import { runPing } from '../runners/ping.js';
import { openCells } from '../session/cells-run.js';
import { upTestbed } from '../session/run-setup.js';
import { cleanRun } from '../session/clean.js';

const { values } = parseArgs({ options: { nodes: { type: 'string' }, 'kill-percent': { type: 'string' }, 'kill-after': { type: 'string' } } });
const n = Number(values.nodes ?? 500);
const pct = Number(values['kill-percent'] ?? 5);
const after = Number(values['kill-after'] ?? 0.3);
if (!Number.isInteger(n) || n < 4 || n % 2) throw new Error(`--nodes: an even whole number >= 4 expected, got ${values.nodes}`);
if (!(pct > 0 && pct < 50)) throw new Error(`--kill-percent: a percentage in (0, 50) expected, got ${values['kill-percent']}`);
if (!(after > 0 && after < 1)) throw new Error(`--kill-after: a fraction in (0, 1) expected, got ${values['kill-after']}`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

const half = n / 2;
let hosts = Math.min(64, Math.ceil(n / 16));
while (n % hosts) hosts--;
// One site: the matrix is about lost nodes, not the WAN (no emulator to start or to watch per sample).
const spec = resolveConfig(
  { scenario: 'bench-lost-nodes', sites: [{ name: 'A', lan: '10Gbit', hosts, nodesPerHost: n / hosts, virt: 'netns' }] },
  { lab: true },
);
const root = mkdtempSync(join(tmpdir(), 'icb-lost-nodes-'));
console.log(`lost nodes: ${n} netns nodes, ${pct}% killed after ${after * 100}% of the cells; load ${load()}`);
const t0 = performance.now();
const up = await upTestbed(spec, labProvider({ wanMode: 'wanem' }), { resultsDir: root });
const upS = (performance.now() - t0) / 1000;
const nodes = up.testbed.nodes as LabNode[];
const store = up.store as ResultStore;
try {
  const pairs: [string, string][] = nodes.flatMap((a, i) => [
    [a.name, nodes[(i + 1) % n].name] as [string, string],
    [a.name, nodes[(i + half) % n].name] as [string, string],
  ]);
  const total = pairs.length;
  // Killed at random (fixed count), when `after` of the cells are done.
  const victims = [...nodes].sort(() => Math.random() - 0.5).slice(0, Math.max(1, Math.round((n * pct) / 100)));
  let killedAt = -1;
  let done = 0;
  const order: string[] = [];
  const progress: Progress = {
    ...silentProgress,
    step: (_s, i) => {
      done = i;
    },
  };
  const cells = openCells({
    runDir: store.dir,
    runId: up.runId,
    attempt: 1,
    kind: 'run',
    harness: 'bench',
    testbed: 'lab',
    nodes,
    todo: null,
    done: null,
    progress: silentProgress,
  });
  const ctx = { ...up.ctx, progress, cells };
  const killer = (async () => {
    while (done < total * after) await new Promise((r) => setTimeout(r, 20));
    killedAt = done;
    await Promise.all(victims.map((v) => run(['ip', 'netns', 'del', v.ns])));
    console.log(`killed ${victims.length} nodes after ${done} of ${total} cells: ${victims.map((v) => v.name).join(', ')}`);
  })();
  const t1 = performance.now();
  await runPing(ctx, { pairs, count: 1, intervalS: 0.01, warmup: 0, repetitions: 1, retryLimited: 0 });
  const matrixS = (performance.now() - t1) / 1000;
  await killer;
  const all = latestCells(readLedger(store.dir));
  for (const e of readLedger(store.dir)) if (e.type === 'cell') order.push(e.key);
  const dead = new Set(victims.map((v) => v.name));
  const touch = (c: { src: string; dst: string }) => dead.has(c.src) || dead.has(c.dst);
  // Cells run after the kill that touch a killed node: those written after `killedAt` cells.
  const afterKill = all.filter((c) => order.indexOf(c.key) >= killedAt && touch(c));
  const missing = all.filter((c) => c.state === 'missing');
  const ok = all.filter((c) => c.state === 'ok');
  const failed = all.filter((c) => c.state === 'failed');
  const bystanders = all.filter((c) => !touch(c) && c.state !== 'ok');
  const sentToDead = all.filter((c) => c.state === 'missing' && c.lineage.length && store.dir && c.reason?.includes('lost')).length;
  console.log(`cells ${all.length} (planned ${total}): ok ${ok.length}, missing ${missing.length}, failed ${failed.length}`);
  console.log(`cells touching a killed node after the kill: ${afterKill.length}; missing: ${missing.length}; equal: ${afterKill.length === missing.length}`);
  console.log(`cells not touching a killed node and not ok: ${bystanders.length}`);
  console.log(
    `lost nodes recorded: ${cells.lostNodes().length} of ${victims.length}; cells marked missing without a sample: ${missing.length - cells.lostNodes().length} (${sentToDead} missing in all)`,
  );
  console.log(`times: lab up ${upS.toFixed(1)} s, matrix ${matrixS.toFixed(1)} s (${((matrixS * 1000) / total).toFixed(1)} ms per cell); load ${load()}`);
} finally {
  const t2 = performance.now();
  const down = await up.down();
  console.log(`lab down ${((performance.now() - t2) / 1000).toFixed(1)} s, left: ${down.left.length ? down.left.join(', ') : 'nothing'}; load ${load()}`);
  if (down.left.length) await cleanRun(up.runId);
  rmSync(root, { recursive: true, force: true });
}
