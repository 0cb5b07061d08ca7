/**
 * The lab's netem path for real (issue 29): this machine's kernel has no sch_netem, so a QEMU VM
 * boots Debian's stock kernel (which has it) with this machine's userland and this package, and
 * runs the lab inside (test/integration/netem-guest.ts): `--wan-emulator auto` must pick netem;
 * the qdiscs the kernel lists (`tc -j qdisc show`) carry the configured (compensated) delay,
 * jitter and loss; RTT and loss measured with ping between two node namespaces match the
 * configuration; TCP through the HTB class stays within the rate; the TPS-vs-RTT sweep's in-place
 * change (`tc qdisc change`) takes; teardown and clean leave nothing. Needs root, QEMU and the VM
 * image (scripts/build-vm-image.sh, run by setup). One VM, ~1.5 min under TCG.
 */
import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePing } from '../../collectors/ping.js';
import { vmDir } from '../../infra/qemu/image.js';
import { tcpCeilingBps } from '../../infra/wan/fidelity.js';
import { runNetemVm, type NetemVmResult } from '../helpers/netem-vm.js';

type Qdisc = {
  kind: string;
  dev: string;
  parent?: string;
  bytes?: number;
  packets?: number;
  options: { delay?: { delay: number; jitter: number }; 'loss-random'?: { loss: number } };
};
const netems = (q: unknown) => (q as Qdisc[]).filter((x) => x.kind === 'netem');
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

if (process.getuid?.() !== 0 || !existsSync(`${vmDir()}/vmlinuz`)) {
  console.log('SKIPPED netem VM test: needs root and the VM image (scripts/build-vm-image.sh)');
} else {
  let r: NetemVmResult;
  test.before(async () => {
    r = await runNetemVm();
    console.log(`  netem VM: kernel ${r.kernel}, ${(r.ms / 1000).toFixed(1)} s`);
  });

  test('the guest ran the lab on a netem kernel: auto picked netem, stand-up and teardown whole', () => {
    const g = r.guest;
    assert.ok(g, `the guest wrote no record; serial:\n${r.serial.slice(-2000)}\nlog:\n${r.log.slice(-2000)}`);
    assert.not.ok(g!.error, `guest failed: ${g!.error}\nlog:\n${r.log.slice(-2000)}`);
    assert.is(g!.mode, 'netem', '--wan-emulator auto finds netem in a kernel that has it');
    assert.is(g!.namespacesUp, 7, 'wan, 2 sites, 2 hosts, 2 nodes');
    assert.equal((g!.down as { left: string[]; errors: unknown[] }).left, []);
    assert.equal((g!.down as { errors: unknown[] }).errors, []);
    assert.equal(g!.namespacesAfterDown, [], 'no namespace of the run after teardown');
    assert.equal(g!.clean, [], 'clean finds nothing left');
  });

  test('the kernel lists one netem leaf per direction with the compensated delay and the jitter, under an HTB class at the rate', () => {
    const g = r.guest!;
    const comp = g.compensation as { baseMs: number; appliedMs: number };
    assert.ok(comp.baseMs > 0 && comp.baseMs < 5, `base RTT measured in the VM: ${comp.baseMs} ms`);
    const leaves = netems(g.qdiscs);
    assert.is(leaves.length, 2, 'a leaf on s0 and on s1');
    for (const q of leaves) {
      assert.ok(
        Math.abs(q.options.delay!.delay * 1000 - comp.appliedMs / 2) < 0.002,
        `one-way delay ${q.options.delay!.delay} s for ${comp.appliedMs} ms applied`,
      );
      assert.ok(Math.abs(q.options.delay!.jitter * 1000 - 0.5) < 0.01, `jitter 0.5 ms: ${JSON.stringify(q.options.delay)}`);
    }
    assert.match(String(g.classes), /rate 2Mbit ceil 2Mbit/, 'the pair class shapes at the configured rate');
  });

  test('RTT measured between the nodes is the configured one; the rate charges the L2 frame as wanem does', () => {
    const g = r.guest!;
    const p20 = parsePing(String(g.ping20));
    assert.is(p20.received, p20.transmitted, 'no loss configured, none seen');
    const rtts = p20.rtts.slice(5).map((x: { ms: number }) => x.ms);
    const m20 = medianOf(rtts);
    console.log(`  netem: median RTT ${m20} ms (min ${Math.min(...rtts)}) for 20 ms configured (jitter 0.5 ms one way)`);
    // A TCG guest's own path is slow and noisy (it shares 2 cores with the other suites: medians of
    // 20.8-25.4 ms at load averages 8-21, printed, not held): what is held is that netem adds the delay (no round trip is
    // shorter than the delay netem adds, less about 4 sigma of the two ways' jitter) and nothing more (the fastest is
    // within 2 ms of the configured RTT). The +-0.15 ms median is held on this machine's own lab (lab.test.ts).
    const comp = g.compensation as { appliedMs: number };
    const min = Math.min(...rtts);
    assert.ok(min >= comp.appliedMs - 3, `min ${min} ms, netem adds ${comp.appliedMs} ms`);
    assert.ok(min <= 22, `min ${min} ms for 20 ms`);
    // The receiver's own per-second figures (packets still queued when the sender stops are not
    // counted lost by iperf3, so the sender's figure less its loss overstates what got through); the
    // best second, since a TCG sender on a busy machine does not keep the class full every second
    // (seen: 3.85, 3.84, 3.83, then 0.4-3.2 Mbit/s while the host was loaded). A class cannot pass more than its rate.
    const udpRun = JSON.parse(String(g.iperfUdp));
    const offered = udpRun.end.sum.bits_per_second / 1e6;
    const perSecond = (udpRun.server_output_json.intervals as { sum: { bits_per_second: number } }[]).slice(1, -1).map((i) => i.sum.bits_per_second / 1e6);
    const received = Math.max(...perSecond);
    const l2 = (2 * 1400) / (1400 + 8 + 20 + 18); // UDP payload per inner Ethernet frame with FCS, as wanem charges
    console.log(
      `  netem: UDP offered ${offered.toFixed(2)} Mbit/s, received ${received.toFixed(3)} (best of ${perSecond.map((x) => x.toFixed(2)).join(', ')}) through 2 Mbit/s (L2 charge: ${l2.toFixed(3)}; the VXLAN packet's would be ${((2 * 1400) / 1492).toFixed(3)})`,
    );
    assert.ok(offered > 2.2, `UDP offered above the rate: ${offered}`);
    // What HTB charged per packet, from the kernel's own counts on the leaf toward B during 20 pings
    // of 1400 bytes on an idle path (the size table's length): 1446 bytes (IP 1428 + Ethernet 14 + FCS 4),
    // not the 1492 of the VXLAN packet on the underlay.
    const leafB = (q: unknown) => netems(q).find((x) => x.dev === 's1')!;
    const [q0, q1] = [leafB(g.qdiscsBeforeSized), leafB(g.qdiscsAfterSized)];
    const perPacket = (q1.bytes! - q0.bytes!) / (q1.packets! - q0.packets!);
    console.log(`  netem: ${q1.packets! - q0.packets!} packets toward B charged ${perPacket.toFixed(1)} bytes each (1446 expected)`);
    assert.ok(q1.packets! - q0.packets! >= 20, 'the pings crossed the leaf');
    assert.ok(Math.abs(perPacket - 1446) < 3, `charged ${perPacket} bytes per packet`);
    // The best whole second through the class (first and last left out): within 4% of the L2 charge (a TCG guest's seconds are not exact).
    assert.ok(received <= l2 * 1.04 && received >= l2 * 0.96, `received ${received} Mbit/s, ${l2} expected`);
    const iperf = JSON.parse(String(g.iperf));
    const mbit = iperf.end.sum_received.bits_per_second / 1e6;
    console.log(
      `  netem: TCP ${mbit.toFixed(2)} Mbit/s through 2 Mbit/s (ceiling ${(tcpCeilingBps(2e6, 1500) / 1e6).toFixed(2)}), ${iperf.end.sender_tcp_congestion}`,
    );
    assert.ok(mbit <= (tcpCeilingBps(2e6, 1500) / 1e6) * 1.02, `no more than the ceiling: ${mbit} Mbit/s`);
  });

  test('an in-place RTT change (tc qdisc change) and a loss change take effect', () => {
    const g = r.guest!;
    const c40 = g.compensation40 as { baseMs: number; appliedMs: number };
    for (const q of netems(g.qdiscs40))
      assert.ok(Math.abs(q.options.delay!.delay * 1000 - c40.appliedMs / 2) < 0.002, `delay after change: ${q.options.delay!.delay}`);
    const p40 = parsePing(String(g.ping40));
    const m40 = medianOf(p40.rtts.slice(5).map((x: { ms: number }) => x.ms));
    const min40 = Math.min(...p40.rtts.map((x: { ms: number }) => x.ms));
    console.log(`  netem: median RTT ${m40} ms (min ${min40}) after the change to 40 ms`);
    assert.ok(min40 >= c40.appliedMs - 3 && min40 <= 42, `min ${min40} ms for 40 ms (netem adds ${c40.appliedMs})`);
    for (const q of netems(g.qdiscsLoss))
      assert.ok(Math.abs((q.options['loss-random']?.loss ?? 0) - 0.05) < 1e-6, `loss 5% listed: ${JSON.stringify(q.options)}`);
    const pl = parsePing(String(g.pingLoss));
    const lost = 1 - (pl.received ?? 0) / (pl.transmitted ?? 1);
    // 5% each way: 9.75% of round trips; 400 pings: sd 1.5 points, held to 4.5-15%.
    console.log(`  netem: ${(lost * 100).toFixed(1)}% of ${pl.transmitted} pings lost for 5% per direction (9.75% expected)`);
    assert.ok(lost >= 0.045 && lost <= 0.15, `round-trip loss ${lost}`);
  });
}

test.run();
