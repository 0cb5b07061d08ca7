import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { activity, during, elapsedText, watchdog, type Clock } from '../../infra/heartbeat.js';
import { run } from '../../infra/exec.js';
import type { Progress } from '../../infra/progress.js';

/** A clock moved by hand: advance(ms) fires every timer that falls due, in order. */
function fakeClock(): Clock & { advance(ms: number): void; pending(): number } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let ids = 0;
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { at: now + ms, fn, id: ++ids };
      timers.push(t);
      return t.id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
    pending: () => timers.length,
  };
}

/** A progress that keeps its lines with the fake time they were printed at. */
function sink(clock: Clock): { p: Progress; lines: { at: number; text: string }[] } {
  const lines: { at: number; text: string }[] = [];
  const add = (text: string) => lines.push({ at: clock.now(), text });
  return {
    lines,
    p: {
      stage: (n, d) => add(`== ${n}${d ? `: ${d}` : ''}`),
      step: (s, i, n, d) => add(`[${s}] ${i}/${n} ${d}`),
      info: (m) => add(m),
      warn: (m) => add(`WARNING: ${m}`),
    },
  };
}

const gaps = (lines: { at: number }[], from = 0): number[] => lines.map((l, i) => l.at - (i ? lines[i - 1].at : from));

test('a silent phase gets a "still" line every 9.5 s (never 10 s silent) with its latest detail and elapsed time; none after it ends', () => {
  const clock = fakeClock();
  const out = sink(clock);
  const w = watchdog(out.p, { clock });
  w.progress.stage('terasort (hadoop)', '4 nodes, 200000 rows');
  const job = activity(w.progress, 'running terasort of 200000 rows on 4 nodes (rep 1 of 1)');
  job.detail('job_1_0002 submitted, waiting for YARN to start its ApplicationMaster');
  clock.advance(10_000);
  job.detail('job_1_0002 map 45% reduce 0%');
  clock.advance(25_000);
  job.end();
  w.progress.step('terasort', 1, 1, 'teragen 20.0 s, terasort 35.0 s');
  clock.advance(5_000);
  w.stop();
  clock.advance(60_000);
  assert.equal(
    out.lines.map((l) => `${l.at / 1000} ${l.text}`),
    [
      '0 == terasort (hadoop): 4 nodes, 200000 rows',
      '9.5 still running terasort of 200000 rows on 4 nodes (rep 1 of 1): job_1_0002 submitted, waiting for YARN to start its ApplicationMaster, 10 s',
      '19 still running terasort of 200000 rows on 4 nodes (rep 1 of 1): job_1_0002 map 45% reduce 0%, 19 s',
      '28.5 still running terasort of 200000 rows on 4 nodes (rep 1 of 1): job_1_0002 map 45% reduce 0%, 29 s',
      '35 [terasort] 1/1 teragen 20.0 s, terasort 35.0 s',
    ],
  );
  assert.is(clock.pending(), 0, 'stop() leaves no timer');
});

test('a phase that prints at least every 9 s never gets a "still" line; the clock restarts at each line', () => {
  const clock = fakeClock();
  const out = sink(clock);
  const w = watchdog(out.p, { clock });
  const a = activity(w.progress, 'sorting');
  for (let i = 1; i <= 12; i++) {
    clock.advance(9_000);
    w.progress.step('terasort', i, 12, `part ${i}`);
  }
  a.end();
  assert.is(out.lines.filter((l) => l.text.startsWith('still')).length, 0);
  // Silent after the last line: the first "still" line comes 9.5 s after it, not 9.5 s after the previous one.
  clock.advance(10_000);
  assert.is(out.lines.at(-1)!.text, 'still starting: terasort 12/12 part 12, 1 min 58 s');
  assert.is(out.lines.at(-1)!.at, 108_000 + 9_500);
  assert.ok(Math.max(...gaps(out.lines)) < 10_000);
  w.stop();
});

test('with no activity open: the current stage and its last line; activities side by side each get a line', () => {
  const clock = fakeClock();
  const out = sink(clock);
  const w = watchdog(out.p, { clock });
  w.progress.stage('validation', '1 site pairs');
  w.progress.info('probing NII <-> Hokudai');
  clock.advance(10_000);
  assert.is(out.lines.at(-1)!.text, 'still validation: probing NII <-> Hokudai, 10 s');
  const job = activity(w.progress, 'running terasort job 3');
  const add = activity(w.progress, 'adding worker w5');
  job.detail('map 100% reduce 33%');
  add.detail('waiting for its NodeManager to be RUNNING');
  clock.advance(10_000);
  assert.equal(
    out.lines.slice(-2).map((l) => l.text),
    ['still running terasort job 3: map 100% reduce 33%, 9 s', 'still adding worker w5: waiting for its NodeManager to be RUNNING, 9 s'],
  );
  job.end();
  add.end();
  w.stop();
});

test('during() ends its activity also when the phase throws; a progress without a watchdog gets a no-op activity', async () => {
  const clock = fakeClock();
  const out = sink(clock);
  const w = watchdog(out.p, { clock });
  w.progress.stage('pgbench');
  await during(w.progress, 'initialising pgbench tables', async () => {
    throw new Error('pgbench -i failed');
  }).catch(() => {});
  clock.advance(10_000);
  assert.is(out.lines.at(-1)!.text, 'still pgbench, 10 s');
  w.stop();
  const plain = sink(clock);
  const a = activity(plain.p, 'x');
  a.detail('y');
  a.end();
  assert.equal(plain.lines, []);
});

test('elapsed text: seconds, minutes, hours', () => {
  assert.equal([elapsedText(8_400), elapsedText(125_000), elapsedText(3_725_000)], ['8 s', '2 min 05 s', '1 h 02 min']);
});

test('with the real clock and a short interval: lines appear while a command is silent, none while it prints', async () => {
  const lines: string[] = [];
  const sinkOf = (): Progress => ({ stage() {}, step() {}, warn() {}, info: (m) => lines.push(m) });
  const w = watchdog(sinkOf(), { intervalMs: 150 });
  const a = activity(w.progress, 'a silent command');
  await run(['sleep', '0.8']);
  a.end();
  w.stop();
  const silent = lines.splice(0);
  // Every line the command prints (one per 0.1 s for 1.6 s) is passed on as a progress line: no "still" line at 0.5 s.
  const v = watchdog(sinkOf(), { intervalMs: 500 });
  const b = activity(v.progress, 'a chatty command');
  await run(['sh', '-c', 'for i in $(seq 16); do echo "$i"; sleep 0.1; done'], { onLine: (l) => v.progress.info(`line ${l}`) });
  b.end();
  v.stop();
  assert.ok(silent.length >= 3, `${silent.length} "still" lines in 0.8 s at 150 ms`);
  assert.match(silent[0], /^still a silent command, 0 s$/);
  assert.equal(
    lines,
    Array.from({ length: 16 }, (_, i) => `line ${i + 1}`),
  );
});

test('run(): onLine sees each line as it is written (before the command ends), stdout and stderr apart', async () => {
  const seen: { line: string; stream: string; at: number }[] = [];
  const t0 = performance.now();
  const r = await run(['sh', '-c', 'echo one; echo two >&2; sleep 0.4; printf "three"'], {
    onLine: (line, stream) => seen.push({ line, stream, at: performance.now() - t0 }),
  });
  assert.equal(
    seen.map((s) => `${s.stream}:${s.line}`),
    ['stdout:one', 'stderr:two', 'stdout:three'],
  );
  assert.ok(seen[0].at < r.durationMs - 300, `first line at ${seen[0].at} ms of ${r.durationMs} ms`);
  assert.is(r.stdout, 'one\nthree');
});

test.run();
