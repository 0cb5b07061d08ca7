/**
 * npm run bench:lab: how faithful and how fast is the local lab on this machine?
 *  (a) configured vs measured RTT (median, p99; idle and under a 50% TCP load) and TCP rate,
 *      for a grid of WAN profiles;
 *  (b) lab stand-up and tear-down time for 3, 30 and 300 nodes.
 * Prints tables; every sample is also kept under results/bench-lab-<run-id>/.
 * Options: --quick (fewer profiles), --profiles 10Mbit:5ms,100Mbit:20ms, --sizes 3,30,300
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type ScenarioInput } from '../infra/config.js';
import type { Lab } from '../infra/lab/lab.js';
import { labProvider } from '../infra/lab/provider.js';
import { upTestbed } from '../session/run-setup.js';
import { newRunId } from '../infra/run-id.js';
import { ResultStore } from '../measurements/store.js';
import type { Measurement } from '../measurements/measurement.js';
import { measureIperf3 } from '../runners/iperf3.js';
import { measurePing } from '../runners/ping.js';
import type { RunContext } from '../runners/context.js';
import { pathOf } from '../runners/pairs.js';
import { cleanRun } from '../session/clean.js';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, profiles: { type: 'string' }, sizes: { type: 'string' }, duration: { type: 'string' } },
});
const rates = values.quick ? ['100Mbit', '500Mbit'] : ['10Mbit', '100Mbit', '500Mbit', '1000Mbit'];
const rtts = values.quick ? ['20ms'] : ['5ms', '20ms', '50ms'];
const profiles = values.profiles
  ? values.profiles.split(',').map((p) => p.split(':') as [string, string])
  : rates.flatMap((r) => rtts.map((t) => [r, t] as [string, string]));
const sizes = (values.sizes ?? (values.quick ? '3,30' : '3,30,300')).split(',').map(Number);
const durationS = Number(values.duration ?? 5);

const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
const root = resolve('results');
const benchId = newRunId();
const store = new ResultStore(root, `bench-lab-${benchId}`);

const provider = labProvider({ wanMode: 'wanem' });

async function withLab<T>(input: ScenarioInput, fn: (lab: Lab, ctx: RunContext) => Promise<T>): Promise<T> {
  const up = await upTestbed(resolveConfig(input), provider, { resultsDir: root, store, signal: abort.signal });
  try {
    return await fn(up.testbed, up.ctx);
  } finally {
    await up.down();
    await cleanRun(up.runId);
  }
}

const pick = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric && r.status === 'ok')?.value ?? NaN;
const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function fidelity(): Promise<void> {
  console.log(`\n(a) WAN emulation fidelity: 2 sites x 1 host x 2 nodes, ${durationS} s TCP, 300 pings at 10 ms intervals`);
  console.log('rate        RTT  | idle median  p99   | 50% load median  p99  | TCP Mbit/s  % of rate | emulator');
  for (const [rate, rtt] of profiles) {
    if (abort.signal.aborted) break;
    const input: ScenarioInput = {
      scenario: 'bench-lab',
      sites: [
        { name: 'A', lan: '10Gbit', hosts: 1, nodesPerHost: 2 },
        { name: 'B', lan: '10Gbit', hosts: 1, nodesPerHost: 2 },
      ],
      wan: { rate, rtt },
    };
    const line = await withLab(input, async (lab, ctx) => {
      const [a1, a2, b1, b2] = lab.nodes;
      const pr = (s: typeof a1, d: typeof a1) => ({ src: s, dst: d, path: pathOf(s, d) });
      const spec = resolveConfig(input);
      const rateMbit = spec.wan[0].rateBps / 1e6;
      const idle = await measurePing(ctx, pr(a1, b1), 1, { pairs: 'all', count: 300, intervalS: 0.01, warmup: 5, benchmark: `bench-idle-${rate}-${rtt}` });
      const tcp = await measureIperf3(ctx, pr(a1, b1), 1, { pairs: 'all', durationS, benchmark: `bench-tcp-${rate}-${rtt}` }, 5201);
      // Under load: a TCP flow paced at half the WAN rate (8 KiB writes every 100 us at most) on another pair while pinging.
      const loadS = Math.ceil(300 * 0.01) + 3;
      const load = measureIperf3(
        ctx,
        pr(a2, b2),
        1,
        {
          pairs: 'all',
          durationS: loadS,
          bitrate: `${Math.round(rateMbit / 2)}M`,
          lengthBytes: 8192,
          pacingTimerUs: 100,
          benchmark: `bench-load-${rate}-${rtt}`,
        },
        5202,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const loaded = await measurePing(ctx, pr(a1, b1), 1, { pairs: 'all', count: 300, intervalS: 0.01, benchmark: `bench-loaded-${rate}-${rtt}` });
      const loadRows = await load;
      const tp = pick(tcp, 'throughput');
      const flags = [...tcp, ...loadRows].map((r) => r.flags).filter(Boolean);
      const lt = pick(loadRows, 'throughput');
      return `${rate.padEnd(9)} ${rtt.padStart(5)} | ${f(pick(idle, 'rtt_median')).padStart(8)} ${f(pick(idle, 'rtt_p99')).padStart(7)} | ${f(pick(loaded, 'rtt_median')).padStart(12)} ${f(pick(loaded, 'rtt_p99')).padStart(7)} | ${f(tp, 1).padStart(9)} ${f((tp / rateMbit) * 100, 1).padStart(8)}% | ${flags.length ? 'SATURATED' : 'ok'} (load ${f(lt, 0)} Mbit/s)`;
    });
    console.log(line);
  }
}

async function standup(): Promise<void> {
  console.log('\n(b) lab stand-up and tear-down (2 sites, WAN emulator included)');
  console.log('nodes | namespaces | up ms  | ms/node | down ms | ms/node');
  for (const n of sizes) {
    if (abort.signal.aborted) break;
    const a = Math.ceil(n / 2),
      b = n - a;
    const shape = (k: number) => {
      const hosts = Math.max(1, Math.round(Math.sqrt(k / 1.5)));
      return { hosts, nodesPerHost: Math.ceil(k / hosts) };
    };
    const sa = shape(a),
      sb = shape(b);
    const input: ScenarioInput = {
      scenario: 'bench-lab',
      sites: [
        { name: 'A', lan: '1Gbit', ...sa },
        { name: 'B', lan: '1Gbit', ...sb },
      ],
      wan: { rate: '1Gbit', rtt: '20ms' },
    };
    const spec = resolveConfig(input);
    const t = await upTestbed(spec, provider, { resultsDir: root, store });
    const lab = t.testbed;
    const up = lab.timings.totalMs;
    const down = (await t.down()).ms;
    await cleanRun(t.runId);
    const nodes = spec.nodes.length;
    store.add([
      {
        run_id: benchId,
        scenario: 'bench-lab',
        benchmark: 'lab',
        metric: 'standup_ms_per_node',
        value: up / nodes,
        unit: 'ms',
        status: 'ok',
        src_site: '',
        src_node: '',
        dst_site: '',
        dst_node: '',
        path: '',
        virt: 'netns',
        nodes,
        repetition: 1,
        started_at: new Date().toISOString(),
        reason: '',
        flags: '',
        params: {},
      },
    ]);
    console.log(
      `${String(nodes).padStart(5)} | ${String(lab.plan.namespaces.length).padStart(10)} | ${f(up, 0).padStart(6)} | ${f(up / nodes, 2).padStart(7)} | ${f(down, 0).padStart(7)} | ${f(down / nodes, 2).padStart(7)}`,
    );
  }
}

await provider.preflight(
  resolveConfig({
    scenario: 'bench-lab',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '1Gbit' },
  }),
);
console.log(`bench:lab on ${(await import('node:os')).cpus().length} cores; samples kept in ${store.dir}`);
await fidelity();
await standup();
console.log(
  `\nTargets: RTT median within +-0.5 ms; p99 <= configured + 2 ms under 50% load; TCP >= 90% of the rate up to 500 Mbit/s; stand-up <= 20 ms per node.`,
);
