/**
 * The TCP stack module: --tcp-cc checked before anything exists, this kernel's facts parsed from
 * real captured output (test/fixtures/tcp), and the reasons a run is refused naming --tcp-cc.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { ConfigError } from '../../infra/units.js';
import {
  allowedWith,
  ccMismatches,
  ccSysctls,
  chosenCc,
  kernelTcpScript,
  keyValues,
  namespacesTcpScript,
  parseKernelTcp,
  tcpCcChoice,
  tcpCcProblem,
} from '../../infra/tcp-stack.js';
import { hostTcpCheck, probeScript } from '../../infra/remote/preflight.js';
import { parseNsconfGets } from '../../infra/lab/tcp.js';
import { fixture } from '../helpers/fixtures.js';

const host = () => parseKernelTcp(keyValues(fixture('tcp/kernel-host.txt')))!;

test('--tcp-cc: system by default, one of the choices, else a ConfigError naming the field', () => {
  assert.is(tcpCcChoice(undefined), 'system');
  for (const c of ['system', 'cubic', 'bbr', 'reno']) assert.is(tcpCcChoice(c), c);
  for (const bad of ['vegas', 'CUBIC', '', 3]) {
    try {
      tcpCcChoice(bad, 'tcpCc');
      assert.unreachable(String(bad));
    } catch (e) {
      assert.instance(e, ConfigError);
      assert.match((e as Error).message, /^tcpCc: expected one of system, cubic, bbr, reno/);
    }
  }
  assert.is(chosenCc('system'), null);
  assert.is(chosenCc(undefined), null);
  assert.is(chosenCc('cubic'), 'cubic');
  assert.equal(ccSysctls(null), {});
  assert.equal(ccSysctls('cubic'), { 'net.ipv4.tcp_congestion_control': 'cubic' });
});

test("this machine's kernel, as captured: bbr by default, cubic available but not allowed in namespaces; no default qdisc inside a namespace", () => {
  assert.equal(host(), { available: ['reno', 'bbr', 'cubic'], allowed: ['reno', 'bbr'], default: 'bbr', qdisc: 'pfifo_fast', modprobe: '' });
  const inNs = parseKernelTcp(keyValues(fixture('tcp/kernel-netns.txt')))!;
  assert.is(inNs.default, 'bbr', 'a new namespace starts with the init namespace’s algorithm');
  assert.is(inNs.qdisc, null, 'net.core.default_qdisc is not per namespace');
  assert.is(parseKernelTcp({}), null);
  assert.is(parseKernelTcp(keyValues('uid=0\nkernel=6.1\n')), null);
});

test('refusals name --tcp-cc and say what to do: a missing algorithm (with what modprobe said), one a real host does not allow in namespaces', () => {
  const k = host();
  assert.is(tcpCcProblem('bbr', k, 'this machine', { namespaces: true, canAllow: false }), null, 'the default is always allowed');
  assert.is(tcpCcProblem('reno', k, 'this machine', { namespaces: true, canAllow: false }), null);
  assert.is(tcpCcProblem('cubic', k, 'this machine', { namespaces: true, canAllow: true }), null, 'the lab may allow it itself');
  assert.is(tcpCcProblem('cubic', k, 'host h1', { namespaces: false, canAllow: false }), null, 'a VM kernel needs no allowed list');
  const real = tcpCcProblem('cubic', k, 'host h1', { namespaces: true, canAllow: false })!;
  assert.match(
    real,
    /^--tcp-cc cubic: host h1 lets network namespaces use only reno bbr \(net\.ipv4\.tcp_allowed_congestion_control, a setting of the whole host/,
  );
  assert.match(real, /sysctl -w net\.ipv4\.tcp_allowed_congestion_control="reno bbr cubic"\) or choose --tcp-cc system$/);
  const tried = parseKernelTcp(keyValues(fixture('tcp/kernel-host-modprobe-vegas.txt')))!;
  assert.match(tried.modprobe, /modprobe: not found/);
  const missing = tcpCcProblem('vegas', tried, 'this machine', { namespaces: true, canAllow: true })!;
  assert.match(
    missing,
    /^--tcp-cc vegas: this machine's kernel has no vegas \(net\.ipv4\.tcp_available_congestion_control: reno bbr cubic; modprobe tcp_vegas: .*not found\); choose reno, bbr, cubic, system$/,
  );
  assert.match(tcpCcProblem('vegas', k, 'host h1', { namespaces: true, canAllow: false })!, /if it is a module there, modprobe tcp_vegas on the host/);
  assert.match(tcpCcProblem('cubic', null, 'host h1', { namespaces: true, canAllow: false })!, /^--tcp-cc cubic: could not read/);
  assert.equal(allowedWith(k, 'cubic'), ['reno', 'bbr', 'cubic']);
  assert.is(allowedWith(k, 'bbr'), null);
  assert.is(allowedWith(k, 'reno'), null);
});

test('real hosts: the probe reads the kernel (never loads a module); namespaces must be allowed the algorithm; xen and rumprun nodes are refused', () => {
  const script = probeScript(['ip']);
  assert.match(script, /tcp\.allowed=\$\(cat \/proc\/sys\/net\/ipv4\/tcp_allowed_congestion_control/);
  assert.not.match(script, /modprobe tcp_/);
  const p = keyValues(`uid=0\n${fixture('tcp/kernel-host.txt')}`);
  const system = hostTcpCheck('h1', 'lxc', p, null);
  assert.equal(system.problems, []);
  assert.equal(system.tcp, { available: ['reno', 'bbr', 'cubic'], allowed: ['reno', 'bbr'], default: 'bbr', qdisc: 'pfifo_fast' });
  assert.equal(hostTcpCheck('h1', 'netns', p, 'reno').problems, []);
  assert.match(hostTcpCheck('h1', 'docker', p, 'cubic').problems[0], /^--tcp-cc cubic: host h1 lets network namespaces use only reno bbr/);
  assert.match(hostTcpCheck('h1', 'xen', p, 'reno').problems[0], /^h1: --tcp-cc reno is not supported for xen nodes .*use --tcp-cc system$/);
  assert.match(hostTcpCheck('h1', 'rumprun', p, 'cubic').problems[0], /rumprun nodes/);
});

test('the scripts are valid POSIX sh and take only plain names', () => {
  for (const s of [kernelTcpScript(null), kernelTcpScript('cubic'), namespacesTcpScript(['icb-x-a', 'icb-x-b'])]) execFileSync('sh', ['-n'], { input: s });
  assert.match(kernelTcpScript('cubic'), /modprobe tcp_cubic/);
  assert.not.match(kernelTcpScript(null), /modprobe/);
  assert.throws(() => kernelTcpScript('cubic; reboot'), /tcpCc/);
  assert.throws(() => namespacesTcpScript(['a b']), /bad namespace name/);
});

test('what nodes report, as captured: nsconf `get` lines and the per-namespace read of a host', () => {
  const gets = parseNsconfGets(fixture('tcp/nsconf-get.txt'), 'net.ipv4.tcp_congestion_control');
  assert.equal(
    [...gets],
    [
      ['icbfx-a', 'bbr'],
      ['icbfx-b', 'reno'],
    ],
  );
  assert.equal([...parseNsconfGets(fixture('tcp/nsconf-get.txt'), 'net.core.default_qdisc')], [], '"-": not a per-namespace setting');
  const kv = keyValues(fixture('tcp/namespaces-read.txt'));
  assert.is(kv['ns.icbfx-a'], 'bbr');
  assert.is(kv['ns.icbfx-b'], 'reno');
});

test('after stand-up every node must run the chosen algorithm; with none chosen anything goes', () => {
  const n = (cc: string | null) => ({ congestion_control: cc, default_qdisc: 'pfifo_fast', qdisc_from: 'host' as const });
  assert.equal(ccMismatches('cubic', { a: n('cubic'), b: n('cubic') }), []);
  assert.equal(ccMismatches('cubic', { a: n('cubic'), b: n('bbr'), c: n(null) }), ['b runs bbr', 'c runs an unknown algorithm (not readable)']);
  assert.equal(ccMismatches(null, { a: n('bbr'), b: n(null) }), []);
});

test.run();
