import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { wanemBinary } from '../../../infra/paths.js';
import { emulatorVerdict, pairKey, WANEM_COUNTERS, type WanemDir, type WanemStats } from '../../../infra/wan/wanem-stats.js';

const dir = (o: Partial<WanemDir> = {}): WanemDir => ({ ...Object.fromEntries(WANEM_COUNTERS.map((k) => [k, 0])), ...o }) as WanemDir;
const stats = (ab: Partial<WanemDir>, ba: Partial<WanemDir> = {}, late?: number): WanemStats => ({
  tag: 't',
  pid: 1,
  time_ns: 0,
  uptime_s: 0,
  config: {},
  ab: dir(ab),
  ba: dir(ba),
  ...(late === undefined ? {} : { late_threshold_us: late }),
});

test('the counter list is the one the wanem binary describes (defined once, in wanem.c)', () => {
  const bin = wanemBinary();
  assert.ok(existsSync(bin), 'npm run build compiles wanem');
  const d = JSON.parse(execFileSync(bin, ['--describe'], { encoding: 'utf8' }));
  assert.equal(d.counters, [...WANEM_COUNTERS]);
  assert.type(d.late_threshold_us, 'number');
});

test('no counters before or after: not saturated', () => {
  assert.equal(emulatorVerdict(undefined, stats({})), { saturated: false, detail: '', delta: {} });
});

test('queue drops and loss are the emulated WAN itself, not saturation', () => {
  const v = emulatorVerdict(stats({ tx_pkts: 0 }), stats({ tx_pkts: 1000, drop_queue: 50, drop_loss: 10 }));
  assert.is(v.saturated, false);
  assert.is(v.delta.drop_queue, 50);
});

test('overruns, ring drops and late sends beyond 1% flag saturation, with the threshold wanem reported', () => {
  const late = emulatorVerdict(stats({ tx_pkts: 100 }), stats({ tx_pkts: 1100, late_pkts: 30 }, { tx_pkts: 0 }, 250));
  assert.is(late.saturated, true);
  assert.match(late.detail, '3.0% of packets sent > 250 us late');
  const fine = emulatorVerdict(stats({ tx_pkts: 0 }), stats({ tx_pkts: 1000, late_pkts: 10 }));
  assert.is(fine.saturated, false, 'exactly 1% is not above the limit');
  const over = emulatorVerdict(stats({}), stats({ drop_overrun: 1 }, { drop_ring: 2 }));
  assert.is(over.saturated, true);
  assert.match(over.detail, '1 packets dropped by the kernel');
  assert.match(over.detail, '2 packets dropped for lack of emulator buffers');
});

test('pairKey finds a pair in either order', () => {
  assert.is(pairKey({ 'A-B': 1 }, 'B', 'A'), 'A-B');
  assert.is(pairKey({ 'A-B': 1 }, 'A', 'C'), null);
});

test.run();
