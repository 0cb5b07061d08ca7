import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rt, udpLossClientArgs, udpLossSeconds } from '../../runners/udp-loss.js';

test('a bounded flood: enough seconds for the packets at the packet rate, both directions, small datagrams', () => {
  const o = { packets: 100_000, pps: 20_000, benchmark: 'x' };
  assert.is(udpLossSeconds(o), 6);
  const argv = udpLossClientArgs('10.0.0.2', 5300, o);
  const flag = (f: string) => argv[argv.indexOf(f) + 1];
  assert.ok(argv.includes('-u') && argv.includes('--bidir') && argv.includes('--json'));
  assert.is(flag('-b'), String(20_000 * 64 * 8));
  assert.is(flag('-l'), '64');
  assert.is(flag('-t'), '6');
  assert.ok(Number(flag('-b')) * Number(flag('-t')) >= o.packets * 64 * 8, 'sends at least the packets asked for');
});

test("the ends can run real-time (below wanem's priority 10) so that their own sockets do not overflow", () => {
  const o = { packets: 10, pps: 10, benchmark: 'x' };
  assert.equal(rt({ ...o, rtPrio: 5 }, ['iperf3', '-s']), ['chrt', '-f', '5', 'iperf3', '-s']);
  assert.equal(rt(o, ['iperf3', '-s']), ['iperf3', '-s']);
  assert.throws(() => rt({ ...o, rtPrio: 100 }, ['iperf3']), /udpLoss\.rtPrio/);
});

test('bad input names the field', () => {
  assert.throws(() => udpLossClientArgs('10.0.0.2', 5300, { packets: 0, pps: 1, benchmark: 'x' }), /udpLoss\.packets/);
  assert.throws(() => udpLossClientArgs('10.0.0.2', 5300, { packets: 10, pps: 10, lengthBytes: 8, benchmark: 'x' }), /udpLoss\.lengthBytes/);
  assert.throws(() => udpLossClientArgs('-x', 5300, { packets: 10, pps: 10, benchmark: 'x' }), /udpLoss\.server/);
});

test.run();
