/**
 * A real A/A run in the lab (issue 25): two iperf3 pairs of one site over the same emulated LAN,
 * repeated by the session's adaptive controller (session/adaptive.ts: one pass, then A and B in
 * turn, looks at 3, 6, 12) and judged by the headline procedure (measurements/sequential.ts). Same
 * site vs same site: it must not be called different. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { upTestLab, useStateDir } from '../helpers/lab.js';
import type { BenchmarkModule } from '../../benchmarks/types.js';
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { compareSequential, designOf } from '../../measurements/sequential.js';
import { isSuperseded } from '../../measurements/retries.js';
import { runIperf3 } from '../../runners/iperf3.js';
import type { Iperf3Options } from '../../runners/iperf3-options.js';
import { AdaptiveRepetitions, adaptiveSettings } from '../../session/adaptive.js';

const STATE_DIR = useStateDir(test);

if (process.getuid?.() !== 0) {
  console.log('SKIPPED A/A lab test: it needs root (network namespaces)');
} else {
  test('A/A: two pairs of one site over the same LAN, repeated and looked at as a run does, are not called different', async () => {
    const t = await upTestLab(
      { scenario: 'aa-it', sites: [{ name: 'A', lan: '200Mbit', hosts: 2, nodesPerHost: 2 }], wan: { rate: '1Gbit', rtt: '0ms' } },
      STATE_DIR,
    );
    const { ctx } = t;
    const lines: string[] = [];
    ctx.progress = { stage: (s, d) => lines.push(`${s}: ${d ?? ''}`), step: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(m) };
    try {
      const [a1, a2, b1, b2] = ['a-h1-n1', 'a-h1-n2', 'a-h2-n1', 'a-h2-n2'];
      const tp = (rows: Measurement[], src: string) =>
        rows.filter((r) => r.metric === 'throughput' && r.status === 'ok' && !isSuperseded(r) && r.src_node === src).map((r) => r.value as number);
      // iperf3 as a module whose one comparison is pair 2 against pair 1 (the same path, the same LAN).
      const module: BenchmarkModule<Iperf3Options, Iperf3Options> = {
        benchmark: 'iperf3',
        summary: 'A/A',
        resolve: (o) => o,
        plan: () => ({ benchmark: 'iperf3', pairs: [], repetitions: 1, samples: 1, detail: '', estimateS: 1 }),
        run: (_env, o) => runIperf3(ctx, o),
        comparisons: (rows, meta) => [{ key: 'aa', label: 'A/A', comparison: compareSequential(tp(rows, a1), tp(rows, a2), designOf(meta, 'aa')) }],
      };
      const m = module as unknown as BenchmarkModule<unknown, unknown>;
      const meta = { wan: [] } as unknown as RunMeta;
      const repeat = new AdaptiveRepetitions(adaptiveSettings({ min: 3, max: 12 }), {
        run: (mod, o) => mod.run({ ctx } as never, o),
        withWanRtt: (_rtt, fn) => fn(),
        currentRtt: () => undefined,
        meta,
        progress: ctx.progress,
        signal: ctx.signal,
        startMs: Date.now(),
        reserveS: 0,
      });
      const call = (pairs: [string, string][]) => repeat.call('iperf3', m, { pairs, durationS: 2, repetitions: 'auto' }, (o) => m.run({} as never, o));
      await call([[a1, b1]]);
      await call([[a2, b2]]);
      const got = await repeat.finish();
      assert.is(got!.comparisons.length, 1);
      const c = got!.comparisons[0];
      console.log(
        `A/A in the lab: ${c.state} at ${c.repetitions} repetitions (n=${c.na}/${c.nb}, look ${c.look} of ${got!.looks.length}, stopped: ${c.stopped})`,
      );
      assert.is.not(c.state, 'different', lines.join('\n'));
      assert.ok(c.na >= 3 && c.nb >= 3, `at least the minimum per side: ${c.na}/${c.nb}`);
      assert.ok(
        lines.some((l) => /^adaptive: look 1 at 3 repetitions/.test(l)),
        lines.join('\n'),
      );
    } finally {
      await t.down();
    }
  });
}

test.run();
