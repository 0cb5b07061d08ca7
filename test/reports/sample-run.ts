/**
 * Test input: a constructed run shaped like a real two-site lab run (NII and Hokudai, 2 hosts x
 * 2 nodes each, WAN 1000 Mbit/s / 20 ms). Values are made up by a seeded generator: they describe
 * a scenario for the report tests, they are not measurements.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { MEASUREMENT_COLUMNS, type Measurement, type PathKind } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';

export const RUN_ID = 'test-20240101T000000Z';

export interface SampleOptions {
  nii?: string;
  hokudai?: string;
  node?: string;
  /** Also pgbench and Terasort rows, as the default scenario (hokudai-nii) writes them. */
  full?: boolean;
  /** run.json status and failures (default: ok with one recorded failure). */
  status?: RunMeta['status'];
}

/** Deterministic noise in [-1, 1). */
function noise(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1;
}

export function sampleMeta(o: SampleOptions = {}): RunMeta {
  const [nii, hok] = [o.nii ?? 'NII', o.hokudai ?? 'Hokudai'];
  const site = (name: string, prefix: string, lan: number, base: number) => ({
    name,
    lan_rate_mbit: lan,
    hosts: [1, 2].map((h) => ({
      name: `${prefix}-h${h}`,
      nodes: [1, 2].map((n) => ({
        name: h === 1 && n === 1 && o.node && prefix === 'nii' ? o.node : `${prefix}-h${h}-n${n}`,
        virt: 'netns',
        address: `10.77.0.${base + h * 2 + n}/24`,
      })),
    })),
  });
  return {
    run_id: RUN_ID,
    scenario: 'hokudai-nii',
    harness: { name: 'intercloud-bench', version: '0.1.0', commit: 'abc1234' },
    tools: { iperf3: 'iperf 3.12', ping: 'ping from iputils 20221126', kernel: '6.1.0-test' },
    host: { kernel: '6.1.0-test', hostname: 'lab', cpus: 8, memory_mb: 16000, netem: false },
    testbed: 'lab',
    topology: { sites: [site(nii, 'nii', 10000, 10), site(hok, 'hok', 1000, 20)], cluster_subnet: '10.77.0.0/24', l2vpn: 'vxlan' },
    wan: [{ a: nii, b: hok, rate_mbit: 1000, rtt_ms: 20, jitter_ms: 0.5, loss_pct: 0, mtu: 1450, enforced_by: 'wanem' }],
    params: { repetitions: 3, duration_s: 10 },
    validation: [
      { check: 'rtt', a: nii, b: hok, configured: 20, measured: 20.31, unit: 'ms', ok: true, note: '' },
      { check: 'throughput', a: nii, b: hok, configured: 1000, measured: 742, unit: 'Mbit/s', ok: false, note: 'emulator saturated below the configured rate' },
    ],
    emulator: { [`${nii}-${hok}`]: { packets: 123456, dropped_queue: 12, cpu_saturated_s: 4.5 } },
    started_at: '2024-01-01T00:00:00Z',
    ended_at: '2024-01-01T00:05:00Z',
    status: o.status ?? 'ok',
    failures: [{ stage: 'run', what: `iperf3 ${hok}/hok-h1-n1 -> ${nii}/nii-h1-n1 rep 3`, error: 'connection reset' }],
  };
}

export function sampleRows(o: SampleOptions = {}): Measurement[] {
  const meta = sampleMeta(o);
  const [nii, hok] = [meta.topology.sites[0], meta.topology.sites[1]];
  const node = (s: typeof nii, h: number, n: number) => ({ site: s.name, node: s.hosts[h].nodes[n].name });
  const rnd = noise(42);
  const rows: Measurement[] = [];
  const add = (
    benchmark: string,
    metric: string,
    unit: string,
    path: PathKind,
    src: { site: string; node: string },
    dst: { site: string; node: string },
    repetition: number,
    value: number | null,
    extra: Partial<Measurement> = {},
  ) =>
    rows.push({
      run_id: RUN_ID,
      scenario: meta.scenario,
      benchmark,
      metric,
      value,
      unit,
      status: 'ok',
      src_site: src.site,
      src_node: src.node,
      dst_site: dst.site,
      dst_node: dst.node,
      path,
      virt: 'netns',
      nodes: 8,
      repetition,
      started_at: `2024-01-01T00:0${repetition}:00Z`,
      reason: '',
      flags: '',
      params: {},
      ...extra,
    });
  const pairs: [PathKind, ReturnType<typeof node>, ReturnType<typeof node>, number, number][] = [
    ['local', node(nii, 0, 0), node(nii, 0, 1), 21000, 0.03],
    ['local', node(hok, 0, 0), node(hok, 0, 1), 14000, 0.04],
    ['intra-site', node(nii, 0, 0), node(nii, 1, 0), 9400, 0.12],
    ['intra-site', node(hok, 0, 0), node(hok, 1, 0), 940, 0.2],
    ['inter-site', node(nii, 0, 0), node(hok, 0, 0), 760, 20.3],
    ['inter-site', node(hok, 0, 0), node(nii, 0, 0), 745, 20.3],
  ];
  for (const [path, src, dst, mbit, rtt] of pairs) {
    for (let rep = 1; rep <= 3; rep++) {
      if (path === 'inter-site' && src.site === hok.name && rep === 3) {
        add('iperf3', 'throughput', 'Mbit/s', path, src, dst, rep, null, {
          status: 'failed',
          reason: 'iperf3: error - unable to receive control message: Connection reset by peer',
        });
      } else {
        const saturated = path === 'inter-site' && rep === 2;
        add(
          'iperf3',
          'throughput',
          'Mbit/s',
          path,
          src,
          dst,
          rep,
          Math.round((mbit * (saturated ? 0.93 : 1) + rnd() * mbit * 0.02) * 10) / 10,
          saturated ? { flags: 'emulator-saturated' } : {},
        );
      }
      const rtts = Array.from({ length: 20 }, () => Math.round((rtt + rnd() * (path === 'inter-site' ? 0.5 : rtt * 0.3)) * 1000) / 1000);
      rtts.forEach((v) => add('ping', 'rtt', 'ms', path, src, dst, rep, v));
      const sorted = [...rtts].sort((a, b) => a - b);
      add('ping', 'rtt_median', 'ms', path, src, dst, rep, sorted[10]);
      add('ping', 'rtt_p99', 'ms', path, src, dst, rep, sorted[19]);
      add('ping', 'loss', '%', path, src, dst, rep, 0);
    }
  }
  if (o.full) {
    // pgbench: server at NII, a client at NII and one at Hokudai, 3 runs each.
    for (let rep = 1; rep <= 3; rep++) {
      const params = { script: 'select-only', rtt_ms: 20 };
      add('pgbench', 'tps', 'tx/s', 'intra-site', node(nii, 1, 0), node(nii, 0, 0), rep, Math.round(9000 + rnd() * 300), { params });
      add('pgbench', 'tps', 'tx/s', 'inter-site', node(hok, 0, 0), node(nii, 0, 0), rep, Math.round(190 + rnd() * 5), { params });
    }
    // Terasort: 4 nodes inside NII vs 4 spanning both sites, 3 repetitions.
    for (let rep = 1; rep <= 3; rep++) {
      for (const [path, dst, base] of [
        ['intra-site', node(nii, 1, 1), 2.0],
        ['inter-site', node(hok, 1, 1), 3.1],
      ] as const) {
        const e = base + rnd() * 0.2;
        add('terasort', 'terasort_elapsed', 's', path, node(nii, 0, 0), dst, rep, Math.round(e * 1000) / 1000, { nodes: 4 });
        add('terasort', 'terasort_throughput', 'MB/s', path, node(nii, 0, 0), dst, rep, Math.round((20 / e) * 10) / 10, { nodes: 4 });
      }
    }
  }
  return rows;
}

/** Writes measurements.csv and run.json into `<parent>/<RUN_ID>/` and returns that directory. */
export async function writeSampleRun(parent: string, o: SampleOptions = {}): Promise<string> {
  const dir = join(parent, RUN_ID);
  await mkdir(dir, { recursive: true });
  const rows = sampleRows(o).map((r) => ({ ...r, value: r.value === null ? '' : r.value }));
  await writeFile(join(dir, 'measurements.csv'), stringify(rows, { header: true, columns: MEASUREMENT_COLUMNS as string[] }));
  await writeFile(join(dir, 'run.json'), JSON.stringify(sampleMeta(o), null, 2));
  return dir;
}
