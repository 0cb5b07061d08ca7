#!/usr/bin/env zx
// @ts-check
// Live migration of a VM between the two sites across the L2VPN (the reason the research built
// one: a VM keeps its address when it moves). A qemu VM at site A moves to a host at site B and
// back, for each guest memory size, under each WAN profile; QEMU reports total time, downtime,
// bytes and dirty-sync passes, and a peer node pinging the VM every 10 ms measures the downtime
// it sees. One testbed per WAN profile, all in one sweep directory (--resume continues it).
// Defaults fit under 15 minutes on this 2-core lab machine (see docs/scenarios.md, "vm-migration").
import { main, scenarioParams, sweep, TCP_CC_CHOICES, withTestbed } from 'intercloud-bench';

await main(async () => {
  const p = scenarioParams(import.meta.url, 'VM live migration across the L2VPN: migration time and downtime against guest memory, per WAN profile.', {
    'memory': { type: 'ints', default: '256,512,1024', help: 'guest memory sizes in MiB' },
    'wan-rates': { type: 'rates', default: '1Gbit,500Mbit', help: 'WAN rates to sweep (one testbed each)' },
    'wan-rtt': { type: 'duration', default: '20ms', help: 'L2VPN round-trip time' },
    'repetitions': { type: 'int', default: 2, help: 'migrations per size (alternately there and back)' },
    'dirty': {
      type: 'number',
      zero: true,
      default: 0,
      help: 'MiB/s the guest dirties during migration (0: filled, then idle; see docs/scenarios.md for the TCG caveat)',
    },
    'fill': { type: 'number', default: 0.7, help: 'fraction of guest memory filled with non-zero data (at most 0.75)' },
    'lan': { type: 'rate', default: '10Gbit', help: 'site LAN rate' },
    'tcp-cc': {
      type: 'choice',
      default: 'system',
      choices: TCP_CC_CHOICES,
      help: "TCP congestion control of every node (system: each kernel's own, recorded in run.json; the reports' era used cubic)",
    },
    'results': { type: 'string', default: 'results', help: 'results directory (the sweep makes a folder in it)' },
    'resume': { type: 'string', default: '', help: 'continue the sweep in this folder (runs only the points not done)' },
  });
  const r = await sweep({
    scenario: 'vm-migration',
    resultsRoot: p['results'],
    resume: p['resume'] || undefined,
    points: p['wan-rates'],
    key: String,
    params: p,
    fixed: ['memory', 'wan-rtt', 'repetitions', 'dirty', 'fill', 'lan', 'tcp-cc'],
    runPoint: (rate, o) =>
      withTestbed(
        {
          config: {
            scenario: 'vm-migration',
            runId: o.runId,
            resultsDir: o.resultsDir,
            sites: [
              { name: 'A', lan: p['lan'], hosts: 1, nodesPerHost: 1, virt: 'qemu' },
              { name: 'B', lan: p['lan'], hosts: 1, nodesPerHost: 1, virt: 'netns' },
            ],
            wan: { rate, rtt: p['wan-rtt'] },
          },
          params: { ...p, 'wan-rate': rate },
          tcpCc: p['tcp-cc'],
          // The VM migrates: no 9p shares (QEMU refuses to migrate them); it boots with the first size.
          qemu: { memMiB: p['memory'][0], shares: false },
          validate: false,
          report: false,
        },
        async (s) => {
          await s.vmMigration({
            vm: 'a-h1-n1',
            peer: 'b-h1-n1',
            to: 'b-h1',
            memMiB: p['memory'],
            repetitions: p['repetitions'],
            dirtyMiBps: p['dirty'],
            fill: p['fill'],
          });
        },
      ),
  });
  return { status: r.status };
});
