import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, Duration, parseDurationMs, parsePercent, parseRate, Percent, Rate } from '../../infra/units.js';

test('rates in the usual spellings become bits per second', () => {
  assert.is(parseRate('1Gbit', 'r'), 1e9);
  assert.is(parseRate('100 Mbit/s', 'r'), 1e8);
  assert.is(parseRate('500M', 'r'), 5e8);
  assert.is(parseRate('10gbps', 'r'), 1e10);
  assert.is(parseRate('2.5Gbit', 'r'), 2.5e9);
  assert.is(parseRate('64kbit', 'r'), 64000);
});

test('a rate in words, a bare number or zero is rejected naming the field', () => {
  for (const bad of ['1 gigabit', '1000', '', 'fast', '0Mbit', '-1Gbit']) {
    assert.throws(
      () => parseRate(bad, 'wan.rate'),
      (e: Error) =>
        (e instanceof ConfigError && e.message.startsWith('wan.rate: expected a rate')) || e.message.startsWith('wan.rate: expected a rate greater'),
      bad,
    );
  }
  assert.throws(() => parseRate(1e9, 'wan.rate'), /wan\.rate: expected a rate such as '1Gbit'.*got 1000000000/);
});

test('durations carry a unit and become milliseconds', () => {
  assert.is(parseDurationMs('20ms', 'd'), 20);
  assert.is(parseDurationMs('1.5 ms', 'd'), 1.5);
  assert.is(parseDurationMs('500us', 'd'), 0.5);
  assert.is(parseDurationMs('2s', 'd'), 2000);
  assert.is(parseDurationMs('0ms', 'd'), 0);
  assert.throws(() => parseDurationMs('20', 'wan.rtt'), /wan\.rtt: expected a duration such as '20ms'.*got "20"/);
  assert.throws(() => parseDurationMs('twenty ms', 'wan.rtt'), /wan\.rtt/);
  assert.throws(() => parseDurationMs(20, 'wan.rtt'), /wan\.rtt/);
});

test('loss percentages: number or string with %, from 0 to 100', () => {
  assert.is(parsePercent('0.1%', 'l'), 0.1);
  assert.is(parsePercent(2, 'l'), 2);
  assert.throws(() => parsePercent('101%', 'wan.loss'), /wan\.loss: expected a percentage/);
  assert.throws(() => parsePercent('-1', 'wan.loss'), /wan\.loss/);
});

test('typed values: parsed once, the number and the text as given; a typed value is taken as it is', () => {
  const d = Duration.of('1.5 ms', '--wan-rtt');
  assert.is(d.ms, 1.5);
  assert.is(String(d), '1.5 ms');
  assert.is(JSON.stringify({ rtt: d }), '{"rtt":"1.5 ms"}');
  assert.is(Duration.of(d, 'other'), d);
  assert.ok(Object.isFrozen(d));
  const r = Rate.of('100Mbit/s', '--wan-rate');
  assert.equal([r.bps, `${r}`, Rate.of(r, 'x')], [1e8, '100Mbit/s', r]);
  assert.throws(() => Rate.of(Rate.of('2Gbit', 'x'), 'site.lan', 1e9), /site\.lan: expected a rate of at most 1 Gbit\/s, got "2Gbit"/);
  assert.equal([Rate.fromBps(2.5e9).bps, Rate.fromBps(2.5e9).text], [2.5e9, '2500000000bit']);
  const p = Percent.of('0.1%', '--wan-loss');
  assert.equal([p.pct, JSON.stringify(p), Percent.of(p, 'x') === p], [0.1, '"0.1%"', true]);
  assert.throws(() => Duration.of('20', '--wan-rtt'), /--wan-rtt: expected a duration/);
  assert.throws(() => Rate.of('fast', '--wan-rate'), /--wan-rate: expected a rate/);
  assert.throws(() => Percent.of('200%', '--wan-loss'), /--wan-loss: expected a percentage/);
});

test.run();
