/**
 * Starts a nested Xen host (QEMU) under a fresh run, prints "STARTED <run-id> <pid>" once the QEMU
 * process is journaled with its pid, and waits to be killed (the kill -9 + clean test). Does not
 * wait for the boot: a kill during the boot is the harder case for clean.
 */
import { Journal } from '../../infra/journal.js';
import { newRunId } from '../../infra/run-id.js';
import { NestedXenHost } from '../../infra/xen/nested-host.js';

const runId = newRunId();
const journal = new Journal(runId);
journal.record({ kind: 'run', runId, scenario: 'xen-killed', resultsDir: '', pid: process.pid, at: new Date().toISOString() });
const timer = setInterval(() => {
  const e = journal.entries().find((x) => x.kind === 'process' && x.pid !== undefined);
  if (e?.kind === 'process') {
    process.stdout.write(`STARTED ${runId} ${e.pid}\n`);
    clearInterval(timer);
  }
}, 100);
NestedXenHost.boot({ runId, journal, bootTimeoutMs: 600_000 }).catch((err) => {
  process.stderr.write(`boot failed: ${err}\n`);
  process.exit(2);
});
setTimeout(() => process.exit(3), 600_000);
