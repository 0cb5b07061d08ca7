/**
 * Lab Terasort sort speed on one node: teragen of --rows (default 10,000,000 = 1 GB), then the
 * worker's sort phase (read + partition + external sort within --memory-mib, default 256, +
 * write) and a validate. Prints the sort phase's MB/s (1 MB = 1e6 bytes of records, over the
 * worker's own phase time), the worker's peak RSS (VmHWM) against the budget, and the sort's
 * breakdown. Data lives in a temp dir under /tmp, removed at the end.
 *   node dist/bench/sort.js [--rows N] [--memory-mib M] [--repetitions R]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { run } from '../infra/exec.js';
import { workerPath } from '../runners/terasort-lab.js';
import { parseWorkerOutput, type PhaseName, type WorkerOut } from '../collectors/terasort.js';

const { values } = parseArgs({ options: { rows: { type: 'string' }, 'memory-mib': { type: 'string' }, repetitions: { type: 'string' } } });
const rows = Number(values.rows ?? 10_000_000);
const memMiB = Number(values['memory-mib'] ?? 256);
const reps = Number(values.repetitions ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'icb-bench-sort-'));
const timeoutMs = 30 * 60_000;

async function phase<P extends PhaseName>(p: P, cfg: object): Promise<WorkerOut[P] & { peakRssKiB: number | null }> {
  const r = await run([process.execPath, workerPath(), p, JSON.stringify({ node: 'bench', dir, timeoutMs, ...cfg })], { timeoutMs: timeoutMs + 10_000 });
  if (!r.ok) throw new Error(`${p} failed: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  const parsed = parseWorkerOutput(p, r.stdout);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.value as WorkerOut[P] & { peakRssKiB: number | null };
}

const mb = (rows * 100) / 1e6;
try {
  console.log(`sort bench: ${rows} rows (${mb} MB), budget ${memMiB} MiB, temp data in ${dir}`);
  const gen = await phase('teragen', { startRow: '0', rows });
  console.log(`teragen: ${(gen.elapsedMs / 1000).toFixed(2)} s, ${(mb / (gen.elapsedMs / 1000)).toFixed(1)} MB/s`);
  const peers = [{ id: 0, name: 'bench', address: '127.0.0.1', port: 17799, site: 'local' }];
  console.log('rep  sort s   MB/s   peak RSS MiB  (budget MiB)  spills  in-memory sort s  spill-write s  merge s');
  for (let rep = 1; rep <= reps; rep++) {
    const s = (await phase('sort', { self: 0, peers, splits: [], budgetBytes: memMiB * 2 ** 20 })) as WorkerOut['sort'] & { sort: Record<string, number> };
    const secs = s.elapsedMs / 1000;
    const rss = s.peakRssKiB === null ? NaN : s.peakRssKiB / 1024;
    console.log(
      `${String(rep).padEnd(4)} ${secs.toFixed(2).padStart(6)} ${(mb / secs).toFixed(1).padStart(6)}   ${rss.toFixed(0).padStart(8)}      (${memMiB})      ${String(s.sort.spills).padStart(4)}   ${(s.sort.sortMs / 1000).toFixed(2).padStart(10)}   ${(s.sort.spillMs / 1000).toFixed(2).padStart(10)}   ${(s.sort.mergeMs / 1000).toFixed(2).padStart(6)}`,
    );
  }
  const v = await phase('validate', {});
  console.log(`validate: ${v.summary.ok ? 'ok' : `FAILED: ${v.summary.error}`} (${v.summary.records} records, ${(v.elapsedMs / 1000).toFixed(2)} s)`);
  if (!v.summary.ok || v.summary.records !== rows) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
