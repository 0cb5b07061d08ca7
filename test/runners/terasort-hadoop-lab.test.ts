/**
 * The hadoop Terasort engine against a REAL Hadoop (scripts/install-hadoop.sh) on a real lab: 2 sites
 * x 1 host x 2 nodes, netns nodes. One small spanning run (NameNode + ResourceManager on the first
 * node, a DataNode + NodeManager on each node): every row ok, TeraValidate valid, WAN bytes measured
 * on the emulator; no JVM of the run left afterwards. Needs root and the installed Hadoop.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';
import { createHadoopTerasort } from '../../runners/terasort-hadoop.js';
import { defaultHadoopHome } from '../../infra/hadoop/install.js';
import type { Measurement } from '../../measurements/measurement.js';

const STATE_DIR = useStateDir(test);

/** Java processes whose command line mentions `needle` (the run's work dir is in every daemon's -D options). */
export function jvms(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('java') && cmd.includes(needle)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}
const metric = (rows: Measurement[], m: string) => rows.find((r) => r.metric === m)!;

if (process.getuid?.() !== 0) console.log('SKIPPED hadoop lab tests: they need root (network namespaces)');
else if (!defaultHadoopHome()) console.log('SKIPPED hadoop lab tests: no Hadoop installed (run scripts/install-hadoop.sh)');
else {
  let t: TestLab | null = null;
  test.before(async () => {
    t = await upTestLab(
      {
        scenario: 'hadoop',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
        ],
        wan: { rate: '200Mbit', rtt: '4ms' },
      },
      STATE_DIR,
    );
  });

  test.after(async () => {
    if (t) await t.down();
    rmSync(STATE_DIR, { recursive: true, force: true });
  });

  test('a real Hadoop cluster spanning two sites: teragen, terasort, teravalidate ok; WAN bytes from the emulator; no JVM left', async () => {
    const { ctx, lab, workDir, results, runId } = t!;
    const engine = createHadoopTerasort({ mapMemoryMiB: 512, reduceMemoryMiB: 512, amMemoryMiB: 512, nodeMemoryMiB: 1536, daemonHeapMiB: 256 });
    const rows = await engine.run(ctx, lab.nodes, { rows: 100_000, label: 'spanning' });
    for (const r of rows) assert.is(r.status, 'ok', `${r.metric}: ${r.reason}`);
    assert.is(metric(rows, 'validate').value, 1);
    assert.is(rows[0].path, 'inter-site');
    assert.equal(jvms(workDir), [], 'no JVM of the run left');
    assert.ok(existsSync(join(results, runId, 'raw')));
  });
}

test.run();
