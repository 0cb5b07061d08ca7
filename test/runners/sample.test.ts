import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { emulatorDown, emulatorWatch, runSample, type SampleCommand } from '../../runners/sample.js';
import { WANEM_COUNTERS, type WanemDir, type WanemStats } from '../../infra/wan/wanem-stats.js';
import type { Sample } from '../../measurements/measurement.js';
import type { BenchNode } from '../../runners/context.js';

const METRICS = [
  ['throughput', 'Mbit/s'],
  ['throughput_sender', 'Mbit/s'],
] as const;
let parsed = 0;
const parse = (r: { stdout: string }): Sample[] => {
  parsed++;
  const v = Number(r.stdout.trim());
  return Number.isFinite(v) && r.stdout.trim() !== ''
    ? [{ metric: 'throughput', value: v, unit: 'Mbit/s', status: 'ok' }]
    : METRICS.map(([m, u]) => ({ metric: m, value: null, unit: u, status: 'failed', reason: 'parser: not a number' }));
};
const cmd = (argv: string[], extra: Partial<SampleCommand> = {}): SampleCommand => ({
  tool: 'faketool',
  argv,
  timeoutMs: 5000,
  failedMetrics: METRICS,
  parse,
  ...extra,
});

function allFailed(samples: Sample[], status: string, reason: string | RegExp) {
  assert.equal(
    samples.map((s) => s.metric),
    ['throughput', 'throughput_sender'],
  );
  for (const s of samples) {
    assert.is(s.status, status);
    assert.is(s.value, null);
    if (typeof reason === 'string') assert.is(s.reason, reason);
    else assert.match(s.reason ?? '', reason);
  }
}

test('exit 0: the parser decides', async () => {
  const { samples, result } = await runSample(cmd(['sh', '-c', 'echo 42']));
  assert.equal(samples, [{ metric: 'throughput', value: 42, unit: 'Mbit/s', status: 'ok' }]);
  assert.is(result?.exitCode, 0);
});

test('killed by the timeout: status timeout, "<tool> killed after N s without finishing"', async () => {
  const t0 = Date.now();
  const { samples } = await runSample(cmd(['sleep', '5'], { timeoutMs: 200 }));
  assert.ok(Date.now() - t0 < 3000, 'killed early');
  allFailed(samples, 'timeout', 'faketool killed after 0.2 s without finishing');
});

test('killed by a signal before the timeout (run interrupted): failed "interrupted"', async () => {
  const { samples } = await runSample(cmd(['sh', '-c', 'kill -TERM $$']));
  allFailed(samples, 'failed', 'interrupted');
});

test('non-zero exit, nothing to parse: failed with the exit code and the stderr tail', async () => {
  const { samples } = await runSample(cmd(['sh', '-c', 'echo one >&2; echo "two: connection refused" >&2; exit 3']));
  allFailed(samples, 'failed', 'faketool exited 3: one | two: connection refused');
  const quiet = await runSample(cmd(['sh', '-c', 'exit 3']));
  allFailed(quiet.samples, 'failed', 'faketool exited 3: (no output)');
});

test('non-zero exit with output: the parser decides (tools that report and exit non-zero)', async () => {
  const { samples } = await runSample(cmd(['sh', '-c', 'echo 7; exit 1']));
  assert.equal(
    samples.map((s) => [s.status, s.value]),
    [['ok', 7]],
  );
});

const node = (name: string, site: string) => ({ name, site, host: `${site}-h1` }) as unknown as BenchNode;
const inter = { src: node('a', 'A'), dst: node('b', 'B'), path: 'inter-site' as const };
const intra = { src: node('a', 'A'), dst: node('c', 'A'), path: 'intra-site' as const };

test('WAN emulator down before the sample: the tool is not run, rows say why', async () => {
  const down = emulatorDown({ emulatorFailure: () => 'wanem exited 1' }, inter);
  const before = parsed;
  const { samples, result } = await runSample(cmd(['sh', '-c', 'echo ran > /dev/null; echo 1'], { emulatorDown: down }));
  assert.is(result, null);
  assert.is(parsed, before);
  allFailed(samples, 'failed', 'WAN emulator down: wanem exited 1');
});

test('WAN emulator only matters for inter-site pairs', async () => {
  assert.is(emulatorDown({ emulatorFailure: () => 'gone' }, intra), undefined);
  assert.is(emulatorDown({}, inter), undefined);
  const { samples } = await runSample(cmd(['sh', '-c', 'echo 5'], { emulatorDown: emulatorDown({ emulatorFailure: () => 'gone' }, intra) }));
  assert.is(samples[0].status, 'ok');
});

test('WAN emulator died during the sample: its reason replaces the tool error', async () => {
  let dead: string | null = null;
  const down = emulatorDown({ emulatorFailure: () => dead }, inter);
  const c = cmd(['sh', '-c', 'echo refused >&2; exit 1'], { emulatorDown: down, parse });
  const p = runSample(c);
  dead = 'wanem killed by SIGKILL';
  allFailed((await p).samples, 'failed', 'WAN emulator down: wanem killed by SIGKILL');
});

test('emulatorWatch: an inter-site sample is flagged when the emulator sent over 1% of its packets late, with a warning', async () => {
  const dir = (tx: number, late: number): WanemDir => ({
    ...(Object.fromEntries(WANEM_COUNTERS.map((k) => [k, 0])) as WanemDir),
    tx_pkts: tx,
    late_pkts: late,
  });
  const at = (tx: number, late: number): WanemStats => ({
    tag: 'A-B',
    pid: 1,
    time_ns: 0,
    uptime_s: 0,
    late_threshold_us: 200,
    config: {},
    ab: dir(tx, late),
    ba: dir(tx, late),
  });
  let now = at(100, 0);
  const warnings: string[] = [];
  const ctx = { emulatorStats: () => ({ 'A-B': now }), progress: { warn: (m: string) => warnings.push(m) } as never };
  const w = emulatorWatch(ctx, inter);
  now = at(200, 5); // 10 of 200 packets late: 5%
  assert.equal(await w.flags(), ['emulator-saturated']);
  assert.match(warnings[0], /emulator limited this sample: 5\.0% of packets sent > 200 us late/);
  const onTime = emulatorWatch(ctx, inter);
  now = at(300, 5); // no new late packet
  assert.equal(await onTime.flags(), []);
  assert.equal(await emulatorWatch(ctx, intra).flags(), [], 'intra-site samples do not cross the emulator');
  assert.equal(await emulatorWatch({ progress: ctx.progress }, inter).flags(), [], 'no emulator counters: no flag');
});

test.run();
