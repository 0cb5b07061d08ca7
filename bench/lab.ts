/**
 * npm run bench:lab: how faithful and how fast is the local lab on this machine?
 *  (a) the WAN fidelity grid (issue 15): rate x RTT (50 Mbit/s, 300 Mbit/s, 1 Gbit/s x 3, 20, 37,
 *      50 ms) plus the issue's own profiles (200 Mbit/s / 25 ms, 50 Mbit/s / 3 ms / 1% loss): TCP
 *      goodput over whole runs as % of the ceiling rate x MSS / frame, idle RTT median delta, loaded
 *      p99 delta vs its allowance (1 ms + one frame time), loss per direction over 100,000 datagrams;
 *  (b) lab stand-up and tear-down time for 3, 30 and 300 nodes.
 * Prints the estimated time first, then tables; every sample is also kept under results/bench-lab-<run-id>/.
 * Every profile runs once per congestion control (--cc, default cubic,bbr: every node set to it, iperf3 -C).
 * Options: --quick (two profiles), --profiles 300Mbit:37ms,50Mbit:3ms:1%, --sizes 3,30,300 ('' = none),
 *          --loss-packets 100000, --cc cubic,bbr
 */
import { loadavg } from 'node:os';
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
import { measureUdpLoss } from '../runners/udp-loss.js';
import type { RunContext } from '../runners/context.js';
import { pathOf } from '../runners/pairs.js';
import { cleanRun } from '../session/clean.js';
import { emulatorVerdict, pairKey, type WanemStats } from '../infra/wan/wanem-stats.js';
import { dropSnapshot, dropsBetween } from './lab-drops.js';
import {
  defaultProfiles,
  judge,
  LOSS_PAYLOAD,
  matrix,
  cellLabel,
  GRID_CCS,
  parseCcs,
  parseProfiles,
  planCell,
  TABLE_HEADER,
  tableRow,
  TARGETS,
  TCP_SLOW_START_SHARE,
  type CellResult,
  type CellVerdict,
  type GridProfile,
  type ResolvedCell,
} from './lab-grid.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    profiles: { type: 'string' },
    sizes: { type: 'string' },
    'loss-packets': { type: 'string' },
    cc: { type: 'string' },
  },
});
const ccs = parseCcs(values.cc ?? GRID_CCS.join(','));
const profiles = values.profiles ? parseProfiles(values.profiles) : defaultProfiles(!!values.quick);
const sizes = (values.sizes ?? (values.quick ? '3,30' : '3,30,300')).split(',').filter(Boolean).map(Number);
const lossPackets = Number(values['loss-packets'] ?? TARGETS.lossPackets);
if (!Number.isInteger(lossPackets) || lossPackets < 1000 || lossPackets > 10_000_000)
  throw new Error(`--loss-packets: expected a whole number from 1000 to 10000000, got '${values['loss-packets']}'`);
const IDLE_PINGS = 200,
  LOADED_PINGS = 300;

const abort = new AbortController();
process.on('SIGINT', () => abort.abort());
const root = resolve('results');
const benchId = newRunId();
const store = new ResultStore(root, `bench-lab-${benchId}`);

const provider = labProvider({ wanMode: 'wanem' });
const providers = new Map(ccs.map((cc) => [cc, labProvider({ wanMode: 'wanem', tcpCc: cc as 'cubic' | 'bbr' | 'reno' })]));

async function withLab<T>(input: ScenarioInput, fn: (lab: Lab, ctx: RunContext) => Promise<T>, cc?: string): Promise<T> {
  const up = await upTestbed(resolveConfig(input), cc ? providers.get(cc)! : provider, { resultsDir: root, store, signal: abort.signal });
  try {
    return await fn(up.testbed, up.ctx);
  } finally {
    await up.down();
    await cleanRun(up.runId);
  }
}

const pick = (rows: Measurement[], metric: string) => rows.find((r) => r.metric === metric && r.status === 'ok')?.value ?? NaN;
const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const load1 = () => loadavg()[0];

const inputOf = (p: GridProfile): ScenarioInput => ({
  scenario: 'bench-lab',
  sites: [
    { name: 'A', lan: '10Gbit', hosts: 1, nodesPerHost: 2 },
    { name: 'B', lan: '10Gbit', hosts: 1, nodesPerHost: 2 },
  ],
  wan: { rate: p.rate, rtt: p.rtt, ...(p.loss ? { loss: p.loss } : {}) },
});

function resolveCell(p: GridProfile, cc: string): ResolvedCell {
  const w = resolveConfig(inputOf(p)).wan[0];
  return { profile: p, cc, rateBps: w.rateBps, rttMs: w.rttMs, lossPct: w.lossPct, mtu: w.mtu };
}

/** wanem's per-direction counters of a pair (ab = A->B). */
function emu(ctx: RunContext): WanemStats | undefined {
  const all = ctx.emulatorStats?.();
  const key = all ? pairKey(all, 'A', 'B') : null;
  return key ? all![key] : undefined;
}
const lossShare = (b: WanemStats | undefined, a: WanemStats | undefined, d: 'ab' | 'ba') =>
  a && b && a[d].rx_pkts > b[d].rx_pkts ? ((a[d].drop_loss - b[d].drop_loss) / (a[d].rx_pkts - b[d].rx_pkts)) * 100 : NaN;

/** Per-direction accounting lines of the loss floods, printed after the grid. */
const accounting: string[] = [];
/** Per cell: the TCP run's retransmissions against the relay's drops, printed after the grid. */
const tcpAccounting: string[] = [];

async function measureCell(c: ResolvedCell): Promise<CellResult> {
  const plan = planCell(c, lossPackets, IDLE_PINGS, LOADED_PINGS);
  const tag = cellLabel(c).replace(/[^A-Za-z0-9.]+/g, '-');
  return withLab(
    inputOf(c.profile),
    async (lab, ctx) => {
      const [a1, a2, b1, b2] = lab.nodes;
      const pr = (s: typeof a1, d: typeof a1) => ({ src: s, dst: d, path: pathOf(s, d) });
      const idle = await measurePing(ctx, pr(a1, b1), 1, { pairs: 'all', count: IDLE_PINGS, intervalS: 0.01, warmup: 5, benchmark: `bench-idle-${tag}` });
      // TCP as a user runs it: one stream, the cell's congestion control, whole run (slow start included).
      const e0 = emu(ctx);
      const d0 = await dropSnapshot(lab);
      const tcp = await measureIperf3(ctx, pr(a1, b1), 1, { pairs: 'all', durationS: plan.tcpS, benchmark: `bench-tcp-${tag}` }, 5201);
      const e1 = emu(ctx);
      const pathDrops = dropsBetween(d0, await dropSnapshot(lab));
      const ifDrops = pathDrops.filter((d) => !d.iface.includes('.'));
      const counters = pathDrops.filter((d) => d.iface.includes('.'));
      const late = emulatorVerdict(e0, e1).delta;
      // Where did the TCP run's losses happen? Retransmitted segments vs the relay's own drops: the emulated
      // bottleneck's tail drops are the WAN's; ring/overrun drops are the relay's; the rest is the lab path (or spurious).
      const retr = pick(tcp, 'retransmits');
      if (e0 && e1) {
        const q = late.drop_queue ?? 0;
        const relay = (late.drop_ring ?? 0) + (late.drop_overrun ?? 0);
        const dev = (e1.netns?.dev_tx_dropped ?? 0) - (e0.netns?.dev_tx_dropped ?? 0);
        tcpAccounting.push(
          `  ${cellLabel(c)}: ${f(pick(tcp, 'throughput'), 1)} Mbit/s, ${retr} segments retransmitted; the emulated bottleneck tail-dropped ${q}, the relay ${relay} (ring/overrun), its veths ${dev}; ${Math.max(0, retr - q - relay - dev)} retransmitted beyond those; lab interfaces dropped ${ifDrops.reduce((a, d) => a + d.dropped, 0)}${
            ifDrops.length
              ? ` (${ifDrops
                  .slice(0, 4)
                  .map((d) => `${d.iface} ${d.dropped}`)
                  .join(', ')})`
              : ''
          }; counters ${counters.length ? counters.map((d) => `${d.iface} +${d.dropped}`).join(', ') : 'none grew'}; late ${late.late_pkts ?? 0} of ${late.tx_pkts ?? 0}`,
        );
      }
      // Under load: another pair's TCP flow paced by the kernel at half the rate, while pinging.
      const half = `${Math.round(c.rateBps / 2 / 1e3)}K`;
      const load = measureIperf3(
        ctx,
        pr(a2, b2),
        1,
        { pairs: 'all', durationS: plan.loadS, bitrate: half, fqRate: half, benchmark: `bench-load-${tag}` },
        5202,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const loaded = await measurePing(ctx, pr(a1, b1), 1, { pairs: 'all', count: LOADED_PINGS, intervalS: 0.01, benchmark: `bench-loaded-${tag}` });
      await load;
      let lossAb = NaN,
        lossBa = NaN,
        lossSent = 0;
      const f0 = emu(ctx);
      if (plan.lossS > 0) {
        const rows = await measureUdpLoss(
          ctx,
          pr(a1, b1),
          { packets: lossPackets, pps: plan.lossPps, lengthBytes: LOSS_PAYLOAD, rtPrio: 5, benchmark: `bench-loss-${tag}` },
          5203,
        );
        const ab = rows.find((r) => r.src_node === a1.name && r.status === 'ok');
        const ba = rows.find((r) => r.src_node === b1.name && r.status === 'ok');
        lossAb = ab?.value ?? NaN;
        lossBa = ba?.value ?? NaN;
        lossSent = Math.min(Number(ab?.params?.judged ?? 0), Number(ba?.params?.judged ?? 0));
        for (const r of rows) if (r.status !== 'ok') console.log(`  loss flood: ${r.reason}`);
        const f1 = emu(ctx);
        // Per direction: where did the missing datagrams go? (only the flood crosses the WAN now)
        for (const [row, d] of [
          [ab, 'ab'],
          [ba, 'ba'],
        ] as const) {
          if (!row || !f0 || !f1) continue;
          const n = (x: unknown) => Number(x);
          const [sent, judged, gaps, host] = [n(row.params?.sent), n(row.params?.judged), n(row.params?.gaps), n(row.params?.host_drops)];
          const k = (c: keyof WanemStats['ab']) => f1[d][c] - f0[d][c];
          const other = k('drop_queue') + k('drop_ring') + k('drop_overrun');
          accounting.push(
            `  ${cellLabel(c)} ${d === 'ab' ? 'a->b' : 'b->a'}: sent ${sent}, judged ${judged} (tail not judged ${sent - judged}), gaps ${gaps} - receiver host drops ${host} = ${gaps - host} lost; wanem: loss ${k('drop_loss')} = ${f((k('drop_loss') / k('rx_pkts')) * 100, 3)}% of the ${k('rx_pkts')} datagrams it received, queue/ring/overrun ${other}; ${sent - k('rx_pkts')} sent but not received by wanem`,
          );
        }
      }
      // wanem's own loss decisions: over the flood when there was one, else over the whole cell.
      const f1 = emu(ctx);
      const from = plan.lossS > 0 ? f0 : e0;
      return {
        idleMedianMs: pick(idle, 'rtt_median'),
        idleP99Ms: pick(idle, 'rtt_p99'),
        loadedMedianMs: pick(loaded, 'rtt_median'),
        loadedP99Ms: pick(loaded, 'rtt_p99'),
        tcpMbit: pick(tcp, 'throughput'),
        retransmits: pick(tcp, 'retransmits'),
        tcpCc: String(tcp.find((r) => r.metric === 'throughput')?.params.tcp_cc ?? '') || null,
        tcpLateShare: (late.tx_pkts ?? 0) > 0 ? (late.late_pkts ?? 0) / (late.tx_pkts ?? 1) : NaN,
        lossAb,
        lossBa,
        emuLossAb: lossShare(from, f1, 'ab'),
        emuLossBa: lossShare(from, f1, 'ba'),
        lossSent,
        load1: load1(),
      };
    },
    c.cc,
  );
}

/** The lab path's own RTT (0 ms WAN delay, no rate limit): what every idle delta below includes. */
async function baseline(): Promise<void> {
  const p: GridProfile = { rate: '10Gbit', rtt: '0ms', loss: '' };
  const rows = await withLab(inputOf(p), async (lab, ctx) => {
    const [a1, , b1] = lab.nodes;
    return measurePing(ctx, { src: a1, dst: b1, path: pathOf(a1, b1) }, 1, {
      pairs: 'all',
      count: IDLE_PINGS,
      intervalS: 0.01,
      warmup: 5,
      benchmark: 'bench-baseline',
    });
  });
  console.log(
    `lab path without WAN delay (0 ms, 10 Gbit/s): idle RTT median ${f(pick(rows, 'rtt_median'), 3)} ms, p99 ${f(pick(rows, 'rtt_p99'), 3)} ms (n=${IDLE_PINGS}; load1 ${f(load1(), 1)}): part of every idle delta below`,
  );
}

async function fidelity(): Promise<void> {
  const cells = ccs.flatMap((cc) => profiles.map((p) => resolveCell(p, cc)));
  const plans = cells.map((c) => planCell(c, lossPackets, IDLE_PINGS, LOADED_PINGS));
  const total = 15 + plans.reduce((a, p) => a + p.estimateS, 0); // 15 s: the baseline lab
  console.log(
    `\n(a) WAN fidelity grid: ${profiles.length} profiles x ${ccs.length} congestion controls, estimated ${Math.floor(total / 60)} min ${Math.round(total % 60)} s (2 sites x 1 host x 2 nodes each; wanem charges the inner Ethernet frame)`,
  );
  console.log(
    `    TCP: 1 stream, each profile with ${ccs.join(' and ')} (every node set to it, iperf3 -C; reported by iperf3), whole run of 'TCP s' (slow start <= ${TCP_SLOW_START_SHARE * 100}% of it: 'ss<='); goodput = iperf3 receiver; ceiling = rate x MSS / frame (1448/1518)`,
  );
  console.log(
    `    idle: ${IDLE_PINGS} pings at 10 ms; loaded: ${LOADED_PINGS} pings while another pair sends TCP paced at 50% (--fq-rate); allowance = 1 ms + one frame time`,
  );
  console.log(
    `    loss: ${lossPackets} x ${LOSS_PAYLOAD}-byte datagrams each way at once (iperf3 -u --bidir), receiver host drops taken out; 'emu' = wanem's own loss decisions (%); late% = wanem packets sent > 200 us late during TCP`,
  );
  console.log(
    `    targets: TCP >= ${TARGETS.tcpShareOfCeiling * 100}% of ceiling, idle |Δ| <= ${TARGETS.idleMedianMs} ms, loaded p99 Δ <= allowance, loss within +-${TARGETS.lossRelative * 100}% relative; '!' = missed`,
  );
  if (!abort.signal.aborted) await baseline();
  console.log(TABLE_HEADER);
  const done: { c: ResolvedCell; r: CellResult; v: CellVerdict }[] = [];
  for (const [i, c] of cells.entries()) {
    if (abort.signal.aborted) break;
    const r = await measureCell(c);
    const v = judge(c, r);
    done.push({ c, r, v });
    console.log(tableRow(c, plans[i], r, v));
  }
  console.log('');
  for (const cc of ccs)
    console.log(
      matrix(
        `TCP goodput with ${cc}, % of ceiling (target >= 97):`,
        done.filter(({ c }) => c.cc === cc).map(({ c, v }) => ({ c, text: `${f(v.tcpPct, 1)}${v.tcpOk ? '' : '!'}` })),
      ),
    );
  console.log(
    matrix(
      `idle RTT median - configured, ms (target +-0.3; the ${ccs[0]} cells):`,
      done.filter(({ c }) => c.cc === ccs[0]).map(({ c, v }) => ({ c, text: `${f(v.idleDeltaMs)}${v.idleOk ? '' : '!'}` })),
    ),
  );
  console.log(
    matrix(
      `loaded p99 - configured / allowance, ms (the ${ccs[0]} cells):`,
      done.filter(({ c }) => c.cc === ccs[0]).map(({ c, v }) => ({ c, text: `${f(v.loadedDeltaMs)}/${f(v.loadedAllowanceMs)}${v.loadedOk ? '' : '!'}` })),
    ),
  );
  const lossy = done.filter(({ c }) => c.lossPct > 0);
  for (const { c, r, v } of lossy)
    console.log(
      `loss ${cellLabel(c)}: a->b ${f(r.lossAb, 3)}%, b->a ${f(r.lossBa, 3)}% of >= ${r.lossSent} datagrams each (configured ${c.lossPct}%, +-${TARGETS.lossRelative * 100}% relative = ${f(c.lossPct * (1 - TARGETS.lossRelative), 3)}..${f(c.lossPct * (1 + TARGETS.lossRelative), 3)}) ${v.lossOk ? 'ok' : 'MISSED'}; wanem decided ${f(r.emuLossAb, 3)}% / ${f(r.emuLossBa, 3)}%`,
    );
  if (tcpAccounting.length)
    console.log(`TCP loss accounting per cell (iperf3's retransmits vs wanem's counters over the TCP run):\n${tcpAccounting.join('\n')}`);
  if (accounting.length) console.log(`loss accounting per direction (iperf3 sequence gaps vs wanem's own counters over the flood):\n${accounting.join('\n')}`);
  const missed = done.flatMap(({ c, v }) =>
    [
      v.tcpOk ? '' : `TCP ${f(v.tcpPct, 1)}%`,
      v.idleOk ? '' : `idle Δ ${f(v.idleDeltaMs)} ms`,
      v.loadedOk ? '' : `loaded p99 Δ ${f(v.loadedDeltaMs)} > ${f(v.loadedAllowanceMs)} ms`,
      v.lossOk === false ? 'loss' : '',
    ]
      .filter(Boolean)
      .map((m) => `${cellLabel(c)}: ${m}`),
  );
  console.log(missed.length ? `missed (${missed.length}): ${missed.join('; ')}` : 'all targets met');
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
console.log(
  `bench:lab on ${(await import('node:os')).cpus().length} cores, load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; samples kept in ${store.dir}`,
);
await fidelity();
if (sizes.length) await standup();
console.log(
  `\nload average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
