/**
 * npm run bench:scale: how fast does the lab stand up and tear down at scale, and how much memory
 * does the harness need? For 100, 500, 1,000 and 2,000 netns nodes and 100/500 LXC nodes (two
 * sites joined by the VXLAN and wanem, at most --per-host nodes per host, at most 64 hosts per
 * site): lab up and down (s), per-node cost (ms), the parts of the stand-up (containers, namespace
 * batches, WAN emulator), the harness's resident memory after up (RSS) and its peak so far
 * (VmHWM), and the load average before and after each point (the machine may be shared).
 * Options: --netns 100,500,1000,2000  --lxc 100,500  --per-host 16  --parallel 8  --settle 5
 * (--settle: seconds to wait between points, for the kernel to finish freeing the last
 * point's namespaces, which it does in the background after `down` returned).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type TestbedSpec } from '../infra/config.js';
import { Journal } from '../infra/journal.js';
import { Lab } from '../infra/lab/lab.js';
import { newRunId } from '../infra/run-id.js';
import { cleanRun } from '../session/clean.js';

const { values } = parseArgs({
  options: {
    netns: { type: 'string' },
    lxc: { type: 'string' },
    'per-host': { type: 'string' },
    parallel: { type: 'string' },
    settle: { type: 'string' },
  },
});
const ints = (s: string | undefined, d: string, field: string) =>
  (s ?? d)
    .split(',')
    .filter(Boolean)
    .map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 2 || n % 2) throw new Error(`--${field}: even whole numbers >= 2 expected (two sites), got ${JSON.stringify(x)}`);
      return n;
    });
const points = [
  ...ints(values.netns, '100,500,1000,2000', 'netns').map((n) => ({ virt: 'netns', n })),
  ...ints(values.lxc, '100,500', 'lxc').map((n) => ({ virt: 'lxc', n })),
];
const perHost = Number(values['per-host'] ?? 16);
const parallel = Number(values.parallel ?? 8);
const settleS = Number(values.settle ?? 5);

/** Two sites of n/2 nodes; hosts of about perHost nodes (more when 64 hosts per site are not enough), all equally full. */
export function scaleSpec(n: number, virt: string, per = perHost): TestbedSpec {
  const half = n / 2;
  let hosts = Math.min(64, Math.ceil(half / per));
  while (half % hosts && hosts < 64) hosts++;
  while (half % hosts) hosts--;
  const site = (name: string) => ({ name, lan: '10Gbit', hosts, nodesPerHost: half / hosts, virt });
  return resolveConfig({ scenario: 'bench-scale', sites: [site('A'), site('B')], wan: { rate: '1Gbit', rtt: '10ms' } });
}

const hwmMiB = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const pad = (s: string | number, w: number) => String(s).padStart(w);

interface Row {
  virt: string;
  n: number;
  hosts: number;
  upS: number;
  downS: number;
  containersS: number;
  createS: number;
  rssMiB: number;
  hwmMiB: number;
  loadBefore: string;
  loadAfter: string;
  error?: string;
}

async function point(virt: string, n: number, stateDir: string): Promise<Row> {
  const spec = scaleSpec(n, virt);
  const runId = newRunId();
  const loadBefore = load();
  const row: Row = {
    virt,
    n,
    hosts: spec.sites.reduce((a, s) => a + s.hosts.length, 0),
    upS: NaN,
    downS: NaN,
    containersS: NaN,
    createS: NaN,
    rssMiB: NaN,
    hwmMiB: NaN,
    loadBefore,
    loadAfter: '',
  };
  let lab: Lab | null = null;
  try {
    const t0 = performance.now();
    lab = await Lab.up(spec, {
      runId,
      journal: new Journal(runId, stateDir),
      workDir: join(stateDir, `${runId}.d`),
      wanMode: 'wanem',
      containerParallel: parallel,
    });
    row.upS = (performance.now() - t0) / 1000;
    row.rssMiB = process.memoryUsage().rss / 2 ** 20;
    row.hwmMiB = hwmMiB();
    row.containersS = lab.timings.containersMs / 1000;
    row.createS = lab.timings.createMs / 1000;
    const t1 = performance.now();
    const r = await lab.down();
    row.downS = (performance.now() - t1) / 1000;
    lab = null;
    if (r.left.length || r.errors.length) row.error = `left ${r.left.length}, errors: ${r.errors.map((e) => e.error).join('; ')}`;
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0].slice(0, 200);
    if (lab) await lab.down();
  } finally {
    await cleanRun(runId);
  }
  row.loadAfter = load();
  return row;
}

const stateDir = mkdtempSync(join(tmpdir(), 'icb-bench-scale-'));
process.env.ICBENCH_STATE_DIR = stateDir;
console.log(`bench:scale: lab stand-up at scale, two sites (VXLAN + wanem), at most ${perHost} nodes per host, LXC started ${parallel} at a time`);
console.log(`machine: ${readFileSync('/proc/cpuinfo', 'utf8').match(/^processor/gm)?.length ?? '?'} CPUs; load average (1/5/15 min) now ${load()}\n`);
const header = `${'virt'.padEnd(6)}${pad('nodes', 6)}${pad('hosts', 6)} |${pad('up s', 7)}${pad('ms/node', 8)}${pad('contnr s', 9)}${pad('wiring s', 9)} |${pad('down s', 7)}${pad('ms/node', 8)} |${pad('RSS MiB', 8)}${pad('peak', 6)} | load before -> after`;
console.log(header);
console.log('-'.repeat(header.length));
const rows: Row[] = [];
for (const [i, p] of points.entries()) {
  if (i > 0) await new Promise((r) => setTimeout(r, settleS * 1000));
  const r = await point(p.virt, p.n, stateDir);
  rows.push(r);
  const f = (x: number, w: number, d = 2) => pad(Number.isFinite(x) ? x.toFixed(d) : '-', w);
  console.log(
    `${r.virt.padEnd(6)}${pad(r.n, 6)}${pad(r.hosts, 6)} |${f(r.upS, 7)}${f((r.upS * 1000) / r.n, 8)}${f(r.containersS, 9)}${f(r.createS, 9)} |${f(r.downS, 7)}${f((r.downS * 1000) / r.n, 8)} |${f(r.rssMiB, 8, 0)}${f(r.hwmMiB, 6, 0)} | ${r.loadBefore} -> ${r.loadAfter}${r.error ? `  FAILED: ${r.error}` : ''}`,
  );
}
console.log(
  '\nup: Lab.up wall time (plan, containers, namespace/link batches, nsconf, WAN emulator start); contnr: LXC containers started; wiring: the batches; down: Lab.down (the kernel frees namespaces in the background after it returns);',
);
console.log(
  'RSS: harness resident memory right after up; peak: its high-water mark so far in this process. Targets (issue 15): 2,000 netns up <= 5 s, down <= 2 s, RSS <= 256 MiB; 2,000 LXC up <= 60 s.',
);
rmSync(stateDir, { recursive: true, force: true });
process.exit(rows.some((r) => r.error) ? 1 : 0);
