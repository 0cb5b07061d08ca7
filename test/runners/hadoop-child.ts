/**
 * Brings a small journaled lab up, prints "UP <run-id> <work dir>", then starts the hadoop Terasort
 * engine on it and waits to be killed (the kill -9 test of terasort-hadoop-lab.test.ts).
 */
import { resolveConfig } from '../../infra/config.js';
import { labProvider } from '../../infra/lab/provider.js';
import { upTestbed } from '../../session/run-setup.js';
import { createHadoopTerasort } from '../../runners/terasort-hadoop.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const up = await upTestbed(
  resolveConfig({
    scenario: 'hadoop-killed',
    sites: [
      { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
      { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
    ],
    wan: { rate: '100Mbit', rtt: '2ms' },
  }),
  labProvider({ wanMode: 'wanem' }),
  { resultsDir: mkdtempSync(join(tmpdir(), 'icb-results-')), signal: new AbortController().signal },
);
process.stdout.write(`UP ${up.runId} ${up.workDir}\n`);
const engine = createHadoopTerasort({ mapMemoryMiB: 512, reduceMemoryMiB: 512, amMemoryMiB: 512, nodeMemoryMiB: 1536, daemonHeapMiB: 256 });
await engine.run(up.ctx, up.testbed.nodes, { rows: 100_000, label: 'killed' });
setTimeout(() => process.exit(3), 600_000);
