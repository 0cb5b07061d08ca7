/**
 * Runs INSIDE the netem VM (test/helpers/netem-vm.ts boots Debian's kernel, which has sch_netem):
 * the lab's own stand-up with `--wan-emulator auto` (it must pick netem), the kernel's qdiscs as
 * `tc -j` lists them, RTT and loss measured with ping between two node namespaces, a TCP rate with
 * iperf3, the in-place RTT change the TPS-vs-RTT sweep makes (`tc qdisc change`), a loss change, then
 * teardown and clean. Records raw observations as JSON in the output dir given as argv[2]; the
 * host-side test judges them. Never run on the host (it would only find this kernel's wanem).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../infra/config.js';
import { run } from '../../infra/exec.js';
import { Journal, stateDir } from '../../infra/journal.js';
import { Lab } from '../../infra/lab/lab.js';
import { newRunId } from '../../infra/run-id.js';
import { withRtt } from '../../infra/wan/profile.js';
import { cleanRun } from '../../session/clean.js';

const out = process.argv[2];
if (!out) throw new Error('usage: netem-guest.js <output dir>');
const rec: Record<string, unknown> = { steps: [] as string[] };
const step = (s: string) => {
  (rec.steps as string[]).push(`${new Date().toISOString()} ${s}`);
  save();
};
const save = () => writeFileSync(join(out, 'guest.json'), JSON.stringify(rec, null, 1));

const spec = resolveConfig({
  scenario: 'netem-vm',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' },
  ],
  wan: { rate: '2Mbit', rtt: '20ms', jitter: '0.5ms' },
});
const runId = newRunId();
rec.runId = runId;
const journal = new Journal(runId);
const workDir = join(stateDir(), `${runId}.d`);
journal.record({ kind: 'file', path: workDir });
const ns = () => run(['ip', 'netns', 'list']).then((r) => r.stdout.split('\n').filter((l) => l.includes(runId)));
try {
  step('lab up');
  const lab = await Lab.up(spec, { runId, journal, workDir, wanMode: 'auto' });
  rec.mode = lab.mode;
  rec.compensation = lab.wan?.rttCompensation?.(spec.wan[0]) ?? null;
  rec.namespacesUp = (await ns()).length;
  const [a, b] = lab.nodes;
  const qdiscs = async () => JSON.parse((await run(['tc', '-n', lab.plan.wanNs, '-s', '-j', 'qdisc', 'show'])).stdout);
  const ping = async (count: number, interval: string) =>
    (await run(a.exec.wrap(['ping', '-n', '-c', String(count), '-i', interval, '-W', '2', b.address]), { timeoutMs: 120_000 })).stdout;
  try {
    rec.qdiscs = await qdiscs();
    rec.classes = (await run(['tc', '-n', lab.plan.wanNs, 'class', 'show', 'dev', 's1'])).stdout; // tc -j has no JSON for htb classes
    step('ping at 20 ms');
    rec.ping20 = await ping(100, '0.02');
    step('iperf3');
    const srv = await run(b.exec.wrap(['iperf3', '-s', '-D', '-1', '-B', b.address]));
    rec.iperfServer = srv.stderr;
    await new Promise((r) => setTimeout(r, 500));
    rec.iperf = (await run(a.exec.wrap(['iperf3', '-c', b.address, '-t', '4', '-J']), { timeoutMs: 60_000 })).stdout;
    // The rate itself, without TCP's own dynamics: UDP offered at 1.5 times the rate (a rate low enough for a TCG guest on a busy machine).
    await run(b.exec.wrap(['iperf3', '-s', '-D', '-1', '-J', '-B', b.address])); // -J: its per-second figures come back as JSON
    await new Promise((r) => setTimeout(r, 500));
    rec.iperfUdp = (
      await run(a.exec.wrap(['iperf3', '-c', b.address, '-u', '-b', '3M', '-l', '1400', '-t', '5', '--get-server-output', '-J']), { timeoutMs: 60_000 })
    ).stdout;
    // What HTB charges per packet, from the kernel's own byte counts: 20 pings of a known size on an otherwise idle path.
    await new Promise((r) => setTimeout(r, 1500)); // the flood's backlog drains
    rec.qdiscsBeforeSized = await qdiscs();
    rec.sizedPing = (await run(a.exec.wrap(['ping', '-n', '-c', '20', '-i', '0.05', '-s', '1400', b.address]), { timeoutMs: 30_000 })).stdout;
    rec.qdiscsAfterSized = await qdiscs();
    step('rtt change to 40 ms');
    await lab.wan!.apply(spec.wan.map((w) => withRtt(w, 40)));
    rec.qdiscs40 = await qdiscs();
    rec.compensation40 = lab.wan!.rttCompensation!(lab.wan!.profiles()[0]);
    rec.ping40 = await ping(60, '0.02');
    step('loss 5% per direction');
    await lab.wan!.apply(spec.wan.map((w) => ({ ...w, jitterMs: 0, lossPct: 5 })));
    rec.qdiscsLoss = await qdiscs();
    rec.pingLoss = await ping(400, '0.005');
  } finally {
    step('lab down');
    rec.down = await lab.down();
  }
  rec.namespacesAfterDown = await ns();
  rec.qdiscsAfterDown = (await run(['tc', '-j', 'qdisc', 'show'])).stdout;
  rec.clean = await cleanRun(runId);
  step('done');
} catch (e) {
  rec.error = String((e as Error).stack ?? e);
  rec.clean = await cleanRun(runId).catch((x) => String(x));
}
save();
process.exit(0);
