import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dropsBetween, parseProcNet } from '../../bench/lab-drops.js';
import { fixture } from '../helpers/fixtures.js';

// /proc/net/snmp followed by /proc/net/netstat, captured on this machine's kernel 6.18.
const captured = fixture('tcp/proc-net-snmp-netstat-6.18.txt');

test('parseProcNet: counters of both files by protocol and name', () => {
  const c = parseProcNet(captured);
  assert.is(c.get('TcpExt.TCPLossProbes'), 343);
  assert.is(c.get('TcpExt.TCPDSACKRecv'), 348);
  assert.is(c.get('TcpExt.TCPTimeouts'), 4472);
  assert.is(c.get('Udp.InDatagrams'), 19102);
  assert.is(c.get('Udp.InErrors'), 0);
  // Ip's header line is not taken for a value line of the next protocol.
  assert.is(c.get('Ip.DefaultTTL'), 64);
  assert.not.ok(c.has('Ip.Ip:'));
});

test('parseProcNet: a header without its value line, or a mismatched one, is skipped', () => {
  const c = parseProcNet('Tcp: A B\nUdp: 1 2\nUdp: X Y\nUdp: 3 4\n');
  assert.not.ok(c.has('Tcp.A'));
  assert.is(c.get('Udp.X'), 3);
  assert.is(c.get('Udp.Y'), 4);
});

test('dropsBetween: only what grew, largest first; new keys count from 0', () => {
  const before = new Map([
    ['ns/eth0', 5],
    ['ns/TcpExt.TCPLossProbes', 10],
  ]);
  const after = new Map([
    ['ns/eth0', 5],
    ['ns/TcpExt.TCPLossProbes', 12],
    ['ns2/br0', 7],
  ]);
  assert.equal(dropsBetween(before, after), [
    { iface: 'ns2/br0', dropped: 7 },
    { iface: 'ns/TcpExt.TCPLossProbes', dropped: 2 },
  ]);
});

test.run();
