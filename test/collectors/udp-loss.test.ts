import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { arrived, lossPct, parseUdpLoss, udpReceiveDrops } from '../../collectors/udp-loss.js';

// Real iperf3 3.12 `-u --bidir -l 64 -k 2000 --json` output, captured on loopback on this machine while it
// was busy: both receivers overflowed their sockets (which is why host drops are counted apart).
const fixture = readFileSync(new URL('../../../test/fixtures/iperf3/udp-bidir-loopback.json', import.meta.url), 'utf8');

test('per direction: sent by one side; judged up to the highest sequence number the other saw, with the gaps below it', () => {
  const c = parseUdpLoss(fixture);
  if ('error' in c) throw new Error(c.error);
  assert.equal(c.forward, { sent: 2000, seen: 1910, gaps: 872 });
  assert.equal(c.reverse, { sent: 1391, seen: 1239, gaps: 274 });
  assert.is(arrived(c.forward), 1038, 'bytes received / 64');
});

test('loss: gaps minus the receiving host own drops, over the datagrams judged (an unread or in-flight tail is not loss)', () => {
  assert.is(lossPct({ sent: 100_500, seen: 100_000, gaps: 1010 }, 10), 1);
  assert.is(lossPct({ sent: 100, seen: 100, gaps: 0 }, 0), 0);
  assert.is(lossPct({ sent: 100, seen: 100, gaps: 10 }, 50), 0, 'never negative');
  assert.ok(Number.isNaN(lossPct({ sent: 0, seen: 0, gaps: 0 }, 0)));
});

test('not a finished bidirectional test: a reason, never zeros', () => {
  assert.equal(parseUdpLoss('{"error":"unable to connect"}'), { error: 'iperf3: unable to connect' });
  assert.match((parseUdpLoss('garbage') as { error: string }).error, 'not JSON');
  assert.match((parseUdpLoss('{"start":{}}') as { error: string }).error, 'no "end" section');
  const oneWay = JSON.parse(fixture);
  delete oneWay.end.sum_sent_bidir_reverse;
  assert.match((parseUdpLoss(JSON.stringify(oneWay)) as { error: string }).error, 'not a --bidir test');
});

test('host receive drops: Udp InErrors (which includes RcvbufErrors)', () => {
  const snmp = [
    'Ip: Forwarding DefaultTTL',
    'Ip: 2 64',
    'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
    'Udp: 4415 0 17 4417 15 0 0 0 0',
    'UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors',
    'UdpLite: 0 0 0 0 0 0 0 0 0',
  ].join('\n');
  assert.is(udpReceiveDrops(snmp), 17);
  assert.is(udpReceiveDrops('Ip: a\nIp: 1'), null);
});

test.run();
