#!/usr/bin/env zx
// @ts-check
// Hadoop at scale on one cloud (docs/experiments.md, "Hokudai at scale", Fig. 4): Teragen and Terasort
// throughput against the number of VMs. One testbed per cluster size, all in one sweep
// directory; a sweep that stops halfway keeps its finished points and continues with --resume.
// On the lab the default sizes fit one machine; on real sites the same sweep goes to 2,000 VMs.
import { main, scenarioParams, sweep, TCP_CC_CHOICES, withTestbed } from 'intercloud-bench';

await main(async () => {
  const p = scenarioParams(import.meta.url, 'Hokudai cloud at scale: Teragen/Terasort MB/s against the number of VMs (Fig. 4 analogue).', {
    'sizes': {
      type: 'ints',
      default: '3,6,12,24,48,100,200,500,1000,2000',
      help: 'cluster sizes (VMs) to sweep (above 48, one lab worker process serves 100 VMs)',
    },
    'rows-per-node': {
      type: 'int',
      default: 1000,
      help: 'Teragen rows (100 bytes each) per VM: the job grows with the cluster, one task per VM as in the report (small by default, so 2,000 VMs fit one machine)',
    },
    'repetitions': { type: 'int', default: 3, help: 'runs per size (the chart shows each run and their median, with an interval where n allows)' },
    'memory': { type: 'int', default: 64, help: 'sort memory per VM in MiB before spilling' },
    'nodes-per-host': { type: 'int', default: 12, help: 'VMs per physical host (hosts = size / this, rounded up)' },
    'lan': { type: 'rate', default: '10Gbit', help: 'host uplink rate (the blades had 2 x 10GbE)' },
    'virt': { type: 'choice', default: 'netns', choices: ['netns', 'lxc', 'docker'], help: 'node type' },
    'engine': { type: 'choice', default: 'lab', choices: ['lab', 'hadoop'], help: 'Terasort engine (hadoop: the Hadoop that setup installs, or HADOOP_HOME)' },
    'tcp-cc': {
      type: 'choice',
      default: 'system',
      choices: TCP_CC_CHOICES,
      help: "TCP congestion control of every node (system: each kernel's own, recorded in run.json; the reports' era used cubic)",
    },
    'results': { type: 'string', default: 'results', help: 'results directory (the sweep makes a folder in it)' },
    'resume': { type: 'string', default: '', help: 'continue the sweep in this folder (runs only the points not done)' },
  });

  // Hosts for a size: enough to hold `size` VMs at nodes-per-host, with every host equally full;
  // a lab site has at most 64 hosts, so large sizes put more VMs on each.
  /** @param {number} size */
  const layout = (size) => {
    let hosts = Math.min(64, Math.ceil(size / p['nodes-per-host']));
    while (size % hosts !== 0 && hosts < 64) hosts++;
    while (size % hosts !== 0) hosts--;
    return { hosts, nodesPerHost: size / hosts };
  };

  const r = await sweep({
    scenario: 'hokudai-scale',
    resultsRoot: p['results'],
    resume: p['resume'] || undefined,
    points: p['sizes'],
    key: String,
    params: p,
    fixed: ['rows-per-node', 'memory', 'nodes-per-host', 'lan', 'virt', 'engine', 'tcp-cc'],
    runPoint: (size, o) =>
      withTestbed(
        {
          config: {
            scenario: 'hokudai-scale',
            runId: o.runId,
            resultsDir: o.resultsDir,
            sites: [{ name: 'Hokudai', lan: p['lan'], virt: p['virt'], ...layout(size) }],
            wan: [],
          },
          params: { ...p, size },
          tcpCc: p['tcp-cc'],
          validate: false,
          report: false,
        },
        async (s) => {
          await s.terasort({
            engine: p['engine'],
            cluster: { kind: 'all' },
            rows: size * p['rows-per-node'],
            memoryMiB: p['memory'],
            repetitions: p['repetitions'],
          });
        },
      ),
  });
  return { status: r.status };
});
