/**
 * node dist/bench/virt-start.js: how long does a lab node take to stand up, per virt?
 *  (a) per-node start time (mean, p50, max), the container phase, the whole lab up and the
 *      teardown, for 1, 10 and 50 nodes of netns, lxc and docker (one host per site; 1 node = one
 *      site, otherwise 2 sites and the WAN emulator);
 *  (b) the cost of running one command on a node (`true`, 20 times) through each executor.
 * Options: --sizes 1,10,50  --virts netns,lxc,docker  --parallel 8
 * Every start time is also kept as a 'node-start' row under results/bench-virt-<id>/.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type ScenarioInput, type TestbedSpec } from '../infra/config.js';
import type { Lab } from '../infra/lab/lab.js';
import { labProvider } from '../infra/lab/provider.js';
import { upTestbed } from '../session/run-setup.js';
import { newRunId } from '../infra/run-id.js';
import { run } from '../infra/exec.js';
import { ResultStore } from '../measurements/store.js';
import { toRow } from '../measurements/measurement.js';
import { dockerExecExecutor } from '../infra/virt/executors.js';
import { cleanRun } from '../session/clean.js';

const { values } = parseArgs({ options: { sizes: { type: 'string' }, virts: { type: 'string' }, parallel: { type: 'string' } } });
const sizes = (values.sizes ?? '1,10,50').split(',').map(Number);
const virts = (values.virts ?? 'netns,lxc,docker').split(',');
const parallel = Number(values.parallel ?? 8);
const benchId = newRunId();
const store = new ResultStore(resolve('results'), `bench-virt-${benchId}`);

function specFor(n: number, virt: string): TestbedSpec {
  const sites =
    n === 1
      ? [{ name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt }]
      : [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: Math.ceil(n / 2), virt },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: Math.floor(n / 2), virt },
        ];
  const input: ScenarioInput = { scenario: 'bench-virt', sites, wan: { rate: '1Gbit', rtt: '10ms' } };
  return resolveConfig(input);
}

const provider = labProvider({ wanMode: 'wanem', containerParallel: parallel });

async function withLab<T>(spec: TestbedSpec, fn: (lab: Lab) => Promise<T>): Promise<{ out: T; downMs: number }> {
  const up = await upTestbed(spec, provider, { resultsDir: resolve('results'), store });
  let downMs = 0;
  try {
    const out = await fn(up.testbed);
    downMs = (await up.down()).ms;
    return { out, downMs };
  } finally {
    if (!downMs) await up.down();
    await cleanRun(up.runId);
  }
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, p50: s[Math.floor((s.length - 1) / 2)], max: s[s.length - 1] };
};
const f = (n: number, w = 7, d = 0) => n.toFixed(d).padStart(w);

async function startTimes(): Promise<void> {
  console.log(`\n(a) node start time, ms (containers started ${parallel} at a time; per node = own start + equal share of the wiring batch)`);
  console.log('virt    nodes |  mean    p50    max | containers   lab up | down   down/node');
  for (const virt of virts) {
    for (const n of sizes) {
      const spec = specFor(n, virt);
      const { out, downMs } = await withLab(spec, async (lab) => {
        const at = new Date().toISOString();
        store.add(
          spec.nodes.map((node) =>
            toRow(
              {
                run_id: benchId,
                scenario: 'bench-virt',
                benchmark: 'node-start',
                src_site: node.site,
                src_node: node.name,
                dst_site: node.site,
                dst_node: node.name,
                path: 'local',
                virt,
                nodes: n,
                repetition: 1,
                started_at: at,
              },
              { metric: 'start_time', value: lab.nodeStartMs[node.name], unit: 'ms', status: 'ok' },
            ),
          ),
        );
        return { s: stats(Object.values(lab.nodeStartMs)), t: lab.timings };
      });
      console.log(
        `${virt.padEnd(7)} ${String(n).padStart(5)} | ${f(out.s.mean, 5)} ${f(out.s.p50, 6)} ${f(out.s.max, 6)} | ${f(out.t.containersMs, 10)} ${f(out.t.totalMs, 8)} | ${f(downMs, 5)} ${f(downMs / n, 8, 1)}`,
      );
    }
  }
}

async function execCost(): Promise<void> {
  console.log('\n(b) one command on a node (`true`), ms: mean of 20 after 2 warm-ups');
  const time = async (wrap: (a: string[]) => string[]) => {
    for (let i = 0; i < 2; i++) await run(wrap(['true']));
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) {
      const r = await run(wrap(['true']));
      if (!r.ok) throw new Error(r.stderr);
    }
    return (performance.now() - t0) / 20;
  };
  for (const virt of virts) {
    await withLab(specFor(1, virt), async (lab) => {
      const node = lab.nodes[0];
      console.log(
        `${virt.padEnd(7)} ${node.exec.where.split(' ')[0].padEnd(7)} via ${node.exec.wrap([])[0].padEnd(10)} ${f(await time(node.exec.wrap), 6, 1)}`,
      );
      if (virt === 'docker')
        console.log(`${'docker'.padEnd(7)} ${'docker'.padEnd(7)} via ${'docker exec'.padEnd(10)} ${f(await time(dockerExecExecutor(node.ns).wrap), 6, 1)}`);
    });
  }
}

for (const v of virts) await provider.preflight(specFor(Math.max(...sizes), v));
const cpu = (await run(['nproc'])).stdout.trim();
console.log(`bench virt-start on ${cpu} cores; rows kept in ${store.dir}`);
await startTimes();
await execCost();
