#!/usr/bin/env zx
// @ts-check
// Elastic Hadoop (the Kumoi experiment, docs/experiments.md): a real Hadoop cluster of a master and
// 3 workers runs a stream of TeraSort jobs while more workers are started, one every --add-every
// seconds, up to --max-workers, in the same site (--grow-into one) or in a second site across the
// L2VPN (--grow-into other). Records each job's MB/s over time and how long each new worker took to
// join the ResourceManager and to run its first task; the report plots it.
import { main, scenarioParams, TCP_CC_CHOICES, withTestbed } from 'intercloud-bench';

await main(async () => {
  const p = scenarioParams(import.meta.url, 'Elastic Hadoop: TeraSort throughput while workers are added (Kumoi analogue).', {
    'initial-workers': { type: 'int', default: 3, help: 'workers at the start' },
    'max-workers': { type: 'int', default: 9, help: 'workers at the end (added one by one)' },
    'grow-into': {
      type: 'choice',
      default: 'other',
      choices: ['one', 'other'],
      help: 'add workers in the first site (one) or in a second site over the L2VPN (other)',
    },
    'add-every': { type: 'int', default: 60, help: 'seconds between two added workers' },
    'rows': { type: 'int', default: 2000000, help: 'TeraGen rows (100 bytes each) each TeraSort job of the stream sorts' },
    'max-jobs': { type: 'int', default: 20, help: 'most TeraSort jobs in the stream' },
    'after-jobs': { type: 'int', default: 2, help: 'jobs to run once every worker joined' },
    'node-memory': { type: 'int', default: 3072, help: 'MiB YARN hands out per worker' },
    'task-memory': { type: 'int', default: 1024, help: 'MiB per map/reduce/AM container' },
    'wan-rate': { type: 'rate', default: '1Gbit', help: 'L2VPN rate (grow-into other)' },
    'wan-rtt': { type: 'duration', default: '20ms', help: 'L2VPN round-trip time (grow-into other)' },
    'virt': { type: 'choice', default: 'netns', choices: ['netns', 'lxc', 'docker'], help: 'node type' },
    'tcp-cc': {
      type: 'choice',
      default: 'system',
      choices: TCP_CC_CHOICES,
      help: "TCP congestion control of every node (system: each kernel's own, recorded in run.json; the reports' era used cubic)",
    },
    'results': { type: 'string', default: 'results', help: 'results directory' },
  });
  const init = p['initial-workers'];
  const added = Math.max(0, p['max-workers'] - init);
  const other = p['grow-into'] === 'other' && added > 0;
  /** @param {string} name @param {number} nodes */
  const site = (name, nodes) => ({ name, lan: '10Gbit', hosts: 1, nodesPerHost: nodes, virt: p['virt'] });
  return withTestbed(
    {
      config: {
        scenario: 'hadoop-elastic',
        // The master and the first workers in site A; the added ones after them in A, or in B.
        sites: other ? [site('A', 1 + init), site('B', added)] : [site('A', 1 + init + added)],
        wan: other ? { rate: p['wan-rate'], rtt: p['wan-rtt'] } : [],
        resultsDir: p['results'],
      },
      params: p,
      tcpCc: p['tcp-cc'],
    },
    async (s) => {
      await s.hadoopElastic({
        initialWorkers: init,
        rows: p['rows'],
        addEveryS: p['add-every'],
        maxJobs: p['max-jobs'],
        afterJobs: p['after-jobs'],
        hadoop: { nodeMemoryMiB: p['node-memory'], mapMemoryMiB: p['task-memory'], reduceMemoryMiB: p['task-memory'], amMemoryMiB: p['task-memory'] },
      });
    },
  );
});
