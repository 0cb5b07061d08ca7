import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  defaultProfiles,
  GRID_CCS,
  parseCcs,
  cellLabel,
  judge,
  LOSS_MAX_PPS,
  matrix,
  parseProfiles,
  planCell,
  TCP_MAX_S,
  TCP_MIN_S,
  type CellResult,
  type ResolvedCell,
} from '../../bench/lab-grid.js';

const cell = (rate: string, rtt: string, rateBps: number, rttMs: number, lossPct = 0): ResolvedCell => ({
  profile: { rate, rtt, loss: lossPct ? `${lossPct}%` : '' },
  rateBps,
  rttMs,
  lossPct,
  mtu: 1500,
});
const result = (o: Partial<CellResult>): CellResult => ({
  idleMedianMs: NaN,
  idleP99Ms: NaN,
  loadedMedianMs: NaN,
  loadedP99Ms: NaN,
  tcpMbit: NaN,
  retransmits: 0,
  tcpLateShare: 0,
  lossAb: NaN,
  lossBa: NaN,
  emuLossAb: NaN,
  emuLossBa: NaN,
  lossSent: 0,
  load1: 0,
  ...o,
});

test('the default grid: 3 rates x 4 RTTs plus the issue profiles not on it (1 Gbit/s x 80 and 150 ms among them)', () => {
  const p = defaultProfiles(false);
  assert.is(p.length, 16);
  for (const want of ['300Mbit:37ms:', '50Mbit:3ms:1%', '1Gbit:20ms:', '1Gbit:50ms:', '200Mbit:25ms:', '1Gbit:80ms:', '1Gbit:150ms:'])
    assert.ok(
      p.some((x) => `${x.rate}:${x.rtt}:${x.loss}` === want),
      want,
    );
  assert.equal(parseProfiles('50Mbit:3ms:1%'), [{ rate: '50Mbit', rtt: '3ms', loss: '1%' }]);
  assert.throws(() => parseProfiles('300Mbit'), /--profiles: entry 1 '300Mbit': expected rate:rtt or rate:rtt:loss/);
});

test('every load is bounded: TCP runs sized from the BDP within limits, the loss flood has a fixed packet rate and length', () => {
  const big = planCell(cell('1Gbit', '50ms', 1e9, 50), 100_000, 200, 300);
  const small = planCell(cell('50Mbit', '3ms', 50e6, 3, 1), 100_000, 200, 300);
  assert.ok(big.tcpS > small.tcpS && big.tcpS <= TCP_MAX_S && small.tcpS >= TCP_MIN_S);
  assert.ok(big.slowStartShare <= 0.02 || big.tcpS === TCP_MAX_S);
  assert.is(big.lossS, 0, 'no flood where no loss is configured');
  assert.ok(small.lossPps <= LOSS_MAX_PPS && small.lossPps * (small.lossS - 1) >= 100_000);
  // the whole default grid stays under 10 minutes by the estimate
  const grid = [50e6, 300e6, 1e9].flatMap((r) => [3, 20, 37, 50].map((t) => cell('r', 't', r, t)));
  grid.push(cell('200Mbit', '25ms', 200e6, 25), cell('50Mbit', '3ms', 50e6, 3, 1));
  const total = grid.reduce((a, c) => a + planCell(c, 100_000, 200, 300).estimateS, 0);
  assert.ok(total < 600, `${total} s`);
});

test('judging a cell: ceiling, idle and loaded deltas, loss within +-10% relative', () => {
  const c = cell('50Mbit', '3ms', 50e6, 3, 1);
  const v = judge(c, result({ tcpMbit: 46.5, idleMedianMs: 3.2, loadedP99Ms: 4.2, lossAb: 1.05, lossBa: 0.89 }));
  assert.ok(Math.abs(v.ceilingMbit - 47.694) < 0.001);
  assert.ok(v.tcpOk, String(v.tcpPct));
  assert.ok(v.idleOk);
  assert.ok(v.loadedOk, `${v.loadedDeltaMs} vs ${v.loadedAllowanceMs}`);
  assert.is(v.lossOk, false, '0.89% is more than 10% below 1%');
  assert.is(judge(cell('1Gbit', '20ms', 1e9, 20), result({ tcpMbit: 900 })).tcpOk, false);
  assert.is(judge(cell('1Gbit', '20ms', 1e9, 20), result({})).lossOk, null);
});

test('the rate x RTT matrix leaves cells not measured empty and skips lossy profiles', () => {
  const m = matrix('t', [
    { c: cell('50Mbit', '3ms', 50e6, 3), text: '98.0' },
    { c: cell('1Gbit', '50ms', 1e9, 50), text: '97.1' },
    { c: cell('50Mbit', '3ms', 50e6, 3, 1), text: 'XX' },
  ]);
  assert.not.match(m, 'XX');
  assert.match(m, /50Mbit\s+98\.0\s*\n/);
  assert.match(m, /1Gbit\s+97\.1$/);
});

test('--cc: each profile runs with cubic and bbr by default; an unknown algorithm is refused naming --cc', () => {
  assert.equal([...GRID_CCS], ['cubic', 'bbr']);
  assert.equal(parseCcs('bbr,cubic,bbr'), ['bbr', 'cubic']);
  assert.throws(() => parseCcs('cubic,vegas'), /--cc: expected cubic, bbr or reno \(comma-separated\), got 'vegas'/);
  assert.is(cellLabel({ ...cell('1Gbit', '80ms', 1e9, 80), cc: 'bbr' }), '1Gbit/80ms bbr');
});

test.run();
