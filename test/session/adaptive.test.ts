/**
 * The adaptive controller's logic (session/adaptive.ts) with a module whose rows come from a
 * seeded distribution: which calls it repeats, in what order, with which repetition numbers, when it
 * looks, and why it stops. The real benchmarks under it run in the quick start and the lab tests.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BenchmarkModule } from '../../benchmarks/types.js';
import type { Measurement } from '../../measurements/measurement.js';
import type { RunMeta } from '../../measurements/run-meta.js';
import { compareSequential, designOf } from '../../measurements/sequential.js';
import { normal, seeded } from '../../measurements/sequential-sim.js';
import { AdaptiveRepetitions, adaptiveSettings } from '../../session/adaptive.js';
import type { Progress } from '../../infra/progress.js';
import { ConfigError } from '../../infra/units.js';

interface Opts {
  side: 'a' | 'b';
  mean: number;
  cv: number;
  repetitions?: number | 'auto' | { min?: number; max?: number };
  firstRepetition?: number;
}

/** A two-call benchmark (side a and side b) and a log of every invocation. */
function fixture(seed = 1) {
  const z = normal(seeded(seed));
  const log: string[] = [];
  const row = (o: Opts, rep: number): Measurement =>
    ({ benchmark: 'syn', metric: 'x', value: o.mean * Math.exp(o.cv * z()), status: 'ok', path: o.side, repetition: rep }) as unknown as Measurement;
  const module: BenchmarkModule<Opts, Opts> = {
    benchmark: 'syn',
    summary: 'synthetic',
    resolve: (o) => o,
    plan: () => ({ benchmark: 'syn', pairs: [], repetitions: 1, samples: 1, detail: '', estimateS: 1 }),
    run: async (_env, o) => {
      const first = o.firstRepetition ?? 1;
      const n = o.repetitions as number;
      log.push(`${o.side}${first}${n > 1 ? `-${first + n - 1}` : ''}`);
      return Array.from({ length: n }, (_, i) => row(o, first + i));
    },
    comparisons: (rows, meta) => {
      const v = (s: string) => rows.filter((r) => r.path === s).map((r) => r.value as number);
      return [{ key: 'syn', label: 'syn b vs a', comparison: compareSequential(v('a'), v('b'), designOf(meta)) }];
    },
  };
  return { module: module as unknown as BenchmarkModule<unknown, unknown>, log };
}

const quiet: Progress = { stage: () => {}, step: () => {}, info: () => {}, warn: () => {} };
const meta = { wan: [] } as unknown as RunMeta;

function controller(f: ReturnType<typeof fixture>, o: { min?: number; max?: number; budget?: string; clock?: { t: number; perCall: number } } = {}) {
  const rtts: string[] = [];
  const c = new AdaptiveRepetitions(adaptiveSettings({ min: o.min ?? 3, max: o.max ?? 12, budget: o.budget }), {
    run: async (m, opts) => {
      if (o.clock) o.clock.t += o.clock.perCall;
      return m.run({} as never, opts);
    },
    withWanRtt: async (rtt, fn) => {
      rtts.push(String(rtt));
      return fn();
    },
    currentRtt: () => undefined,
    meta,
    progress: quiet,
    signal: new AbortController().signal,
    startMs: 0,
    reserveS: 0,
    now: o.clock ? () => o.clock!.t : () => 0,
  });
  const call = (opts: Opts) =>
    c.call('syn', f.module, opts, (x) => {
      if (o.clock) o.clock.t += o.clock.perCall;
      return f.module.run({} as never, x);
    });
  return { c, call, rtts };
}

test('a large difference: one pass, then A and B in turn up to the first look, decided there', async () => {
  const f = fixture();
  const { c, call } = controller(f);
  await call({ side: 'a', mean: 100, cv: 0.03, repetitions: 'auto' });
  await call({ side: 'b', mean: 50, cv: 0.03, repetitions: 'auto' });
  const m = await c.finish();
  assert.equal(f.log, ['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  assert.is(m!.comparisons.length, 1);
  assert.equal(
    { ...m!.comparisons[0], label: undefined },
    { key: 'syn', label: undefined, state: 'different', stopped: 'decided', repetitions: 3, na: 3, nb: 3, look: 1 },
  );
  assert.equal(m!.looks, [3, 6, 12]);
});

test('no difference and wide noise: repeats look by look to the maximum, then says so', async () => {
  const f = fixture(3);
  const { c, call } = controller(f, { max: 8 });
  await call({ side: 'a', mean: 100, cv: 0.3, repetitions: 'auto' });
  await call({ side: 'b', mean: 100, cv: 0.3, repetitions: 'auto' });
  const m = await c.finish();
  assert.is(f.log.length, 16); // 8 each
  assert.is(f.log[f.log.length - 1], 'b8');
  assert.is(m!.comparisons[0].state, 'undecided');
  assert.is(m!.comparisons[0].stopped, 'max');
  assert.is(m!.comparisons[0].look, 3);
});

test('the budget stops the repetitions before one would overrun it, and says so', async () => {
  const f = fixture(3);
  const clock = { t: 0, perCall: 10_000 }; // every invocation takes 10 s
  const { c, call } = controller(f, { budget: '75s', clock });
  await call({ side: 'a', mean: 100, cv: 0.3, repetitions: 'auto' });
  await call({ side: 'b', mean: 100, cv: 0.3, repetitions: 'auto' });
  const m = await c.finish();
  // 20 s used by the first pass; each further invocation costs 10 s: 5 more fit in 75 s.
  assert.is(f.log.length, 7);
  assert.is(m!.comparisons[0].stopped, 'budget');
  assert.ok(clock.t <= 75_000);
});

test('a fixed number keeps its meaning: no top-ups, nothing to record', async () => {
  const f = fixture();
  const { c, call } = controller(f);
  await call({ side: 'a', mean: 100, cv: 0.03, repetitions: 2 });
  await call({ side: 'b', mean: 50, cv: 0.03, repetitions: 2 });
  assert.is(await c.finish(), null);
  assert.equal(f.log, ['a1-2', 'b1-2']);
});

test("a benchmark's own { min, max }: its own schedule, recorded with its comparisons; a bad one names the call's field", async () => {
  const f = fixture(3);
  const { c, call } = controller(f, { max: 20 });
  await call({ side: 'a', mean: 100, cv: 0.3, repetitions: { max: 6 } });
  await call({ side: 'b', mean: 100, cv: 0.3, repetitions: { max: 6 } });
  const m = await c.finish();
  assert.is(f.log.length, 12); // 6 each, not the run's 20
  assert.equal([m!.comparisons[0].stopped, m!.comparisons[0].looks, m!.comparisons[0].look], ['max', [3, 6], 2]);
  assert.equal(m!.looks, [3, 6, 12, 20], "the run's own schedule is unchanged");
  const g = controller(fixture());
  const err = await g.call({ side: 'a', mean: 1, cv: 0.1, repetitions: { min: 2 } }).then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError && err.field === 'syn.repetitions.min', String(err));
});

test('settings: fewer than 3, a maximum below the minimum and a zero budget are refused naming the field', () => {
  assert.throws(
    () => adaptiveSettings({ min: 2 }),
    (e: Error) => e instanceof ConfigError && e.field === 'adaptive.min',
  );
  assert.throws(
    () => adaptiveSettings({ min: 5, max: 4 }),
    (e: Error) => e instanceof ConfigError && e.field === 'adaptive.max',
  );
  assert.throws(
    () => adaptiveSettings({ budget: '0s' }),
    (e: Error) => e instanceof ConfigError && e.field === 'adaptive.budget',
  );
  assert.equal(adaptiveSettings({}).looks, [3, 6, 12, 20]);
});

test.run();
