/**
 * The retry policy for samples the WAN emulator limited: bounded tries, a pause before each retry,
 * every try kept as rows (limited ones flagged, retries numbered), a progress line per retry.
 * The emulator's verdict comes from emulatorWatch over real wanem counters captured in the lab
 * around a sample it could not keep (test/fixtures/wanem/limited-*) and one it could (clean-*).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture } from '../helpers/fixtures.js';
import { emulatorWatch } from '../../runners/sample.js';
import { limitedLine, resolveRetry, retryLimited, type RetryPolicy, type Try } from '../../runners/retry-limited.js';
import { sampleContext, type BenchNode, type RunContext } from '../../runners/context.js';
import { toRow, type Measurement } from '../../measurements/measurement.js';
import { ResultStore } from '../../measurements/store.js';
import { parseMeasurements } from '../../measurements/reader.js';
import { isSuperseded, retryOutcomes, retryText } from '../../measurements/retries.js';
import type { WanemStats } from '../../infra/wan/wanem-stats.js';
import type { Pair } from '../../runners/pairs.js';
import { rejects } from './options-spec.js';

const stats = (name: string): WanemStats => JSON.parse(fixture(`wanem/${name}.json`));
const LIMITED = { before: stats('limited-before'), after: stats('limited-after') }; // 12.7% of packets late
const CLEAN = { before: stats('clean-before'), after: stats('clean-after') }; // no new late packet

const node = (name: string, site: string) => ({ name, site, host: `${site}-h1`, virt: 'netns' }) as unknown as BenchNode;
const pair: Pair<BenchNode> = { src: node('a-h1-n1', 'A'), dst: node('b-h1-n1', 'B'), path: 'inter-site' };

interface Harness {
  ctx: RunContext;
  info: { msg: string; at: number }[];
  warnings: string[];
  /** The emulator counters emulatorStats() gives from now on. */
  set(s: WanemStats): void;
  csv(): Measurement[];
  done(): void;
}

function harness(signal = new AbortController().signal): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'icb-retry-'));
  const store = new ResultStore(dir, 'retry-run');
  let now: WanemStats = LIMITED.before;
  const info: { msg: string; at: number }[] = [];
  const warnings: string[] = [];
  const ctx = {
    runId: 'retry-run',
    scenario: 't',
    store,
    nodes: [pair.src, pair.dst],
    workDir: dir,
    signal,
    emulatorStats: () => ({ 'A-B': now }),
    progress: { stage() {}, step() {}, info: (msg: string) => info.push({ msg, at: Date.now() }), warn: (m: string) => warnings.push(m) },
  } as RunContext;
  return {
    ctx,
    info,
    warnings,
    set: (s) => {
      now = s;
    },
    csv: () => parseMeasurements(readFileSync(store.csvPath, 'utf8'), store.csvPath),
    done: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A fake sample whose emulator counters move as the captured ones did: each try watches the
 * emulator over `counters[attempt - 1]` ('limited' or 'clean'); 'failed' is a try whose tool failed.
 */
function sampler(h: Harness, outcomes: ('limited' | 'clean' | 'failed')[]) {
  const starts: number[] = [];
  const once = async (attempt: number): Promise<Try> => {
    starts.push(Date.now());
    const what = outcomes[attempt - 1];
    const c = what === 'limited' ? LIMITED : CLEAN;
    h.set(c.before);
    const watch = emulatorWatch(h.ctx, pair);
    h.set(c.after);
    const flags = what === 'failed' ? [] : await watch.flags();
    const sctx = sampleContext(h.ctx, 'iperf3', pair, 1, new Date());
    const s =
      what === 'failed'
        ? { metric: 'throughput', value: null, unit: 'Mbit/s', status: 'failed' as const, reason: 'iperf3 client exited 1: refused' }
        : { metric: 'throughput', value: 900 + attempt, unit: 'Mbit/s', status: 'ok' as const, flags };
    return { rows: [toRow(sctx, s), toRow(sctx, { ...s, metric: 'retransmits', unit: 'count', value: s.value === null ? null : 3 })], why: watch.detail };
  };
  return { once, starts };
}

const policy = (retryLimited: number, retryPauseS = 1): RetryPolicy => ({ retryLimited, retryPauseS });
const tp = (rows: Measurement[]) => rows.filter((r) => r.metric === 'throughput');

test('limited, then clean: two tries, a pause between them, both kept; the first flagged retried, the second attempt 2', async () => {
  const h = harness();
  try {
    const s = sampler(h, ['limited', 'clean']);
    const rows = await retryLimited(h.ctx, policy(2), '[iperf3] a -> b rep 1', s.once);
    assert.is(s.starts.length, 2, 'no third try after a clean one');
    assert.ok(s.starts[1] - s.starts[0] >= 1000, `paused 1 s before the retry (${s.starts[1] - s.starts[0]} ms)`);
    assert.equal(
      tp(rows).map((r) => [r.value, r.flags, r.params]),
      [
        [901, 'emulator-saturated;retried', {}],
        [902, '', { attempt: 2 }],
      ],
    );
    assert.ok(
      rows.every((r) => (r.params.attempt === 2) === !isSuperseded(r)),
      'every row of a try carries its marks (retransmits too)',
    );
    assert.equal(h.csv(), rows, 'every try is recorded in measurements.csv, as returned');
    assert.is(h.info.length, 1);
    assert.match(h.info[0].msg, /^\[iperf3\] a -> b rep 1: retry, try 2 of 3 in 1 s: the WAN emulator limited try 1 \(12\.7% of packets sent > 200 us late\)$/);
    assert.ok(h.info[0].at <= s.starts[1] - 900, 'the progress line comes before the pause');
    assert.match(h.warnings[0], /a-h1-n1 -> b-h1-n1: emulator limited this sample/);
    assert.equal(retryOutcomes(rows).map(retryText), ['1 inter-site iperf3 sample was limited by the emulator and retried: 1 then clean (on try 2)']);
  } finally {
    h.done();
  }
});

test('limited on every try: bounded at 1 + retryLimited tries; the last try stays flagged but is not marked retried', async () => {
  const h = harness();
  try {
    const s = sampler(h, ['limited', 'limited', 'limited', 'limited']);
    const rows = await retryLimited(h.ctx, policy(2, 0), 'x', s.once);
    assert.is(s.starts.length, 3);
    assert.equal(
      tp(rows).map((r) => [r.flags, r.params.attempt]),
      [
        ['emulator-saturated;retried', undefined],
        ['emulator-saturated;retried', 2],
        ['emulator-saturated', 3],
      ],
    );
    assert.is(rows.filter((r) => !isSuperseded(r)).length, 2, 'one try (its two rows) stands for the sample');
    assert.equal(
      h.info.map((i) => i.msg.replace(/ \(.*\)$/, '')),
      ['x: retry, try 2 of 3 in 0 s: the WAN emulator limited try 1', 'x: retry, try 3 of 3 in 0 s: the WAN emulator limited try 2'],
    );
    assert.equal(retryOutcomes(rows).map(retryText), ['1 inter-site iperf3 sample was limited by the emulator and retried: 1 limited on all 3 tries']);
  } finally {
    h.done();
  }
});

test('retryLimited 0: one try, kept flagged; a clean first try or a failed retry ends the sample', async () => {
  const off = harness();
  try {
    const s = sampler(off, ['limited', 'clean']);
    const rows = await retryLimited(off.ctx, policy(0), 'x', s.once);
    assert.is(s.starts.length, 1);
    assert.equal(tp(rows)[0].flags, 'emulator-saturated');
    assert.equal(off.info, []);
    assert.equal(retryOutcomes(rows), []);
  } finally {
    off.done();
  }
  const clean = harness();
  try {
    const s = sampler(clean, ['clean', 'limited']);
    const rows = await retryLimited(clean.ctx, policy(2), 'x', s.once);
    assert.is(s.starts.length, 1, 'a clean try is not retried');
    assert.equal(tp(rows)[0].flags, '');
  } finally {
    clean.done();
  }
  const failed = harness();
  try {
    const s = sampler(failed, ['limited', 'failed', 'clean']);
    const rows = await retryLimited(failed.ctx, policy(2, 0), 'x', s.once);
    assert.is(s.starts.length, 2, 'a failed try says why it failed: not retried');
    assert.equal(
      tp(rows).map((r) => [r.status, r.flags, r.params.attempt]),
      [
        ['ok', 'emulator-saturated;retried', undefined],
        ['failed', '', 2],
      ],
    );
    assert.equal(retryOutcomes(rows).map(retryText), ['1 inter-site iperf3 sample was limited by the emulator and retried: 1 then failed']);
  } finally {
    failed.done();
  }
});

test('interrupted during the pause: no further try, what was measured stands', async () => {
  const ac = new AbortController();
  const h = harness(ac.signal);
  try {
    const s = sampler(h, ['limited', 'clean']);
    setTimeout(() => ac.abort(), 300);
    const t0 = Date.now();
    const rows = await retryLimited(h.ctx, policy(2, 30), 'x', s.once);
    assert.ok(Date.now() - t0 < 5000, 'the pause ends at the interrupt');
    assert.is(s.starts.length, 1);
    assert.is(tp(rows).length, 1);
  } finally {
    h.done();
  }
});

test('resolveRetry: defaults 2 retries after 2 s; bad values name the field', () => {
  assert.equal(resolveRetry({}, 'iperf3'), { retryLimited: 2, retryPauseS: 2 });
  assert.equal(resolveRetry({ retryLimited: 0, retryPauseS: 5 }, 'iperf3'), { retryLimited: 0, retryPauseS: 5 });
  rejects(() => resolveRetry({ retryLimited: -1 }, 'iperf3'), 'iperf3.retryLimited', /a number of retries, a whole number from 0 to 10/);
  rejects(() => resolveRetry({ retryLimited: 11 }, 'ping'), 'ping.retryLimited');
  rejects(() => resolveRetry({ retryPauseS: 1.5 }, 'iperf3'), 'iperf3.retryPauseS', /seconds/);
});

test('the line a runner ends with: how many inter-site samples the emulator limited and how their retries ended', async () => {
  const h = harness();
  try {
    const clean = await retryLimited(h.ctx, policy(2, 0), 'x', sampler(h, ['clean']).once);
    assert.is(limitedLine('iperf3', clean), 'iperf3: none of 1 inter-site samples was limited by the WAN emulator');
    const retried = await retryLimited(h.ctx, policy(2, 0), 'x', sampler(h, ['limited', 'clean']).once);
    const allLimited = await retryLimited(h.ctx, policy(2, 0), 'x', sampler(h, ['limited', 'limited', 'limited']).once);
    const rep2 = (rows: Measurement[]) => rows.map((r) => ({ ...r, repetition: 2 }));
    const rep3 = (rows: Measurement[]) => rows.map((r) => ({ ...r, repetition: 3 }));
    assert.is(
      limitedLine('iperf3', [...clean, ...rep2(retried), ...rep3(allLimited)]),
      'iperf3: 2 of 3 inter-site samples were limited by the WAN emulator; retried: 1 then clean (on try 2), 1 limited on all 3 tries',
    );
    const off = await retryLimited(h.ctx, policy(0), 'x', sampler(h, ['limited']).once);
    assert.is(limitedLine('ping', off), 'ping: 1 of 1 inter-site samples was limited by the WAN emulator, not retried (retryLimited 0)');
    assert.is(limitedLine('ping', []), null);
  } finally {
    h.done();
  }
});

test.run();
