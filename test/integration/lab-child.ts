/**
 * Brings a small lab up, prints "UP <run-id>" and waits to be killed (used by the kill -9 tests).
 * Argument: the nodes' virt (netns, lxc, docker, qemu or xen; default netns). Prints "RUN <run-id>" first.
 */
import { resolveConfig } from '../../infra/config.js';
import { Journal, stateDir } from '../../infra/journal.js';
import { Lab } from '../../infra/lab/lab.js';
import { newRunId } from '../../infra/run-id.js';
import { join } from 'node:path';

const virt = process.argv[2] ?? 'netns';
const spec = resolveConfig({
  scenario: 'killed',
  sites: [
    { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt },
    { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt },
  ],
  wan: { rate: '100Mbit', rtt: '10ms' },
});
const runId = newRunId();
const journal = new Journal(runId);
process.stdout.write(`RUN ${runId}\n`);
journal.record({ kind: 'file', path: join(stateDir(), `${runId}.d`) });
const lab = await Lab.up(spec, { runId, journal, workDir: join(stateDir(), `${runId}.d`), wanMode: 'wanem' });
// A long-running process inside a node, as a benchmark in flight would have.
const { start } = await import('../../infra/exec.js');
start(lab.nodes[0].exec.wrap(['ping', '-i', '0.2', '-w', '120', lab.nodes[1].address]));
process.stdout.write(`UP ${runId}\n`);
setTimeout(() => process.exit(3), 120_000);
