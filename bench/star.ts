/**
 * npm run bench:star: the four-site star of issue 29 (a hub and three leaves, every one of the six
 * site pairs a WAN: hub-leaf 1 Gbit/s at 5, 15 and 60 ms, leaf-leaf 1 Gbit/s at 40 ms; one netns node
 * per site), stood up as a scenario would be and validated: per pair the idle RTT median against the
 * configured RTT and a TCP probe against the ceiling, with the emulator's own counters, and per pair the share
 * of packets the relay sent late over the whole run (target <= 0.1%). Prints one
 * line per check and the load average; the issue's target (idle machine): every check ok.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { resolveConfig } from '../infra/config.js';
import type { Lab } from '../infra/lab/lab.js';
import { labProvider } from '../infra/lab/provider.js';
import { ResultStore } from '../measurements/store.js';
import { newRunId } from '../infra/run-id.js';
import { validateWan } from '../runners/validate.js';
import { upTestbed } from '../session/run-setup.js';
import { cleanRun } from '../session/clean.js';

const site = (name: string) => ({ name, lan: '10Gbit', hosts: 1, nodesPerHost: 1, virt: 'netns' as const });
const spec = resolveConfig({
  scenario: 'bench-star',
  sites: [site('Hub'), site('Near'), site('Mid'), site('Far')],
  wan: [
    { between: ['Hub', 'Near'], rate: '1Gbit', rtt: '5ms' },
    { between: ['Hub', 'Mid'], rate: '1Gbit', rtt: '15ms' },
    { between: ['Hub', 'Far'], rate: '1Gbit', rtt: '60ms' },
    { rate: '1Gbit', rtt: '40ms' },
  ],
});
const la = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const root = resolve('results');
const store = new ResultStore(root, `bench-star-${newRunId()}`);
console.log(`bench:star: 4 sites, ${spec.wan.length} WAN pairs, load average ${la()}`);
const up = await upTestbed(spec, labProvider({ wanMode: 'wanem' }), { resultsDir: root, store });
try {
  const t0 = performance.now();
  const v = await validateWan(up.ctx, spec, spec.wan);
  for (const e of v)
    console.log(
      `${e.ok ? 'ok    ' : 'NOT OK'} ${e.check.padEnd(12)} ${`${e.a}-${e.b}`.padEnd(10)} configured ${e.configured} measured ${e.measured === null ? 'nothing' : +e.measured.toFixed(3)} ${e.unit}${e.note ? ` (${e.note})` : ''}`,
    );
  // Issue 29's other target per pair: late <= 0.1% of the packets the relay sent (both directions, whole run).
  const lab = up.testbed as Lab;
  for (const [pair, st] of Object.entries(lab.relayStats())) {
    const tx = st.ab.tx_pkts + st.ba.tx_pkts;
    const late = st.ab.late_pkts + st.ba.late_pkts;
    const share = tx ? (late / tx) * 100 : 0;
    console.log(
      `${share <= 0.1 ? 'ok    ' : 'NOT OK'} late         ${pair.padEnd(10)} ${late} of ${tx} packets sent > ${st.late_threshold_us ?? 200} us late (${share.toFixed(3)}%, target <= 0.1%)`,
    );
  }
  const bad = v.filter((e) => !e.ok).length;
  console.log(`${v.length - bad} of ${v.length} checks ok in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${la()}`);
} finally {
  await up.down();
  await cleanRun(up.runId);
}
