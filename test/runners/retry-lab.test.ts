/**
 * Retrying samples the WAN emulator limited, in a real lab (2 sites x 1 host x 1 netns node): the
 * WAN is set to 20 Gbit/s, a rate wanem cannot keep on this machine, so an unlimited iperf3 sample
 * across it is limited for real (over 1% of packets sent late, from wanem's own counters).
 *   - kept at that rate, every try is limited: the tries are bounded and all kept;
 *   - lowered to 100 Mbit/s during the pause before the retry (a burst that passed), the retry is
 *     clean and stands for the sample.
 * Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { upTestLab, useStateDir } from '../helpers/lab.js';

const STATE_DIR = useStateDir(test);
const { runIperf3 } = await import('../../runners/iperf3.js');
const { isSuperseded, retryOutcomes, retryText } = await import('../../measurements/retries.js');
type Measurement = import('../../measurements/measurement.js').Measurement;

const tp = (rows: Measurement[]) => rows.filter((r) => r.metric === 'throughput');

if (process.getuid?.() !== 0) {
  console.log('SKIPPED retry lab test: it needs root (network namespaces)');
} else {
  test('iperf3 across a WAN the emulator cannot keep: limited tries kept and retried, bounded; a retry after the burst is clean', async () => {
    const t = await upTestLab(
      {
        scenario: 'retry-it',
        sites: [
          { name: 'A', lan: '10Gbit', hosts: 1, nodesPerHost: 1 },
          { name: 'B', lan: '10Gbit', hosts: 1, nodesPerHost: 1 },
        ],
        wan: { rate: '20Gbit', rtt: '10ms' },
      },
      STATE_DIR,
    );
    const { lab, ctx } = t;
    const info: string[] = [];
    const progress = ctx.progress;
    ctx.progress = { ...progress, info: (m) => info.push(m), warn: () => {} };
    try {
      const [a, b] = lab.nodes;
      const wan = lab.wan!;

      // 1. Limited on every try: 1 + retryLimited tries, each a row, the last not marked retried.
      const all = await runIperf3(ctx, { pairs: [[a.name, b.name]], durationS: 2, retryLimited: 1, retryPauseS: 1 });
      const tries = tp(all);
      assert.equal(
        tries.map((r) => [r.status, r.flags, r.params.attempt]),
        [
          ['ok', 'emulator-saturated;retried', undefined],
          ['ok', 'emulator-saturated', 2],
        ],
        'a 20 Gbit/s WAN is beyond wanem here: both tries limited',
      );
      assert.is(info.length, 2, info.join(' | '));
      assert.match(info[0], /^\[iperf3\] a-h1-n1 -> b-h1-n1 \(inter-site\) rep 1: retry, try 2 of 2 in 1 s: the WAN emulator limited try 1 \(.*late.*\)$/);
      assert.is(
        info[1],
        'iperf3: 1 of 1 inter-site samples was limited by the WAN emulator; retried: 1 limited on all 2 tries',
        'the line the runner ends with',
      );
      const raw = join(ctx.store.dir, 'raw', 'iperf3');
      assert.ok(
        existsSync(join(raw, 'rep1-a-h1-n1--b-h1-n1.client.json')) && existsSync(join(raw, 'rep1-a-h1-n1--b-h1-n1.try2.client.json')),
        'each try keeps its raw output',
      );
      assert.equal(retryOutcomes(all).map(retryText), ['1 inter-site iperf3 sample was limited by the emulator and retried: 1 limited on all 2 tries']);

      // 2. The WAN drops to 100 Mbit/s while the retry waits (the lab restarts wanem): the retry is clean.
      info.length = 0;
      let lowered: Promise<void> | null = null;
      ctx.progress.info = (m) => {
        info.push(m);
        lowered ??= wan.apply(wan.profiles().map((p) => ({ ...p, rateBps: 100e6 })));
      };
      const burst = await runIperf3(ctx, { pairs: [[b.name, a.name]], durationS: 2, retryPauseS: 4 });
      await lowered;
      const bt = tp(burst);
      assert.ok(bt.length >= 2 && bt.length <= 3, `2 or 3 tries (${bt.length})`);
      assert.equal(bt[0].flags, 'emulator-saturated;retried', 'the first try at 20 Gbit/s was limited');
      const last = bt[bt.length - 1];
      assert.equal([last.flags, last.params.attempt], ['', bt.length], `the last try, at 100 Mbit/s, was clean (${info.join(' | ')})`);
      assert.ok(last.value! > 50 && last.value! < 100, `the retry measured the 100 Mbit/s WAN: ${last.value}`);
      assert.equal(
        burst.filter((r) => !isSuperseded(r) && r.metric === 'throughput'),
        [last],
        'one try stands for the sample',
      );
      assert.equal(retryOutcomes(burst).map(retryText), [
        `1 inter-site iperf3 sample was limited by the emulator and retried: 1 then clean (on try ${bt.length})`,
      ]);
    } finally {
      ctx.progress = progress;
      await t.down();
    }
  });
}

test.run();
