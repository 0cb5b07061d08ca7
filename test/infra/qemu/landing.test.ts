/**
 * A migration landing is made after stand-up (journaled first): tearing the lab down removes it with
 * the rest, so the run's journal is never dropped while one of its namespaces still exists. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { useStateDir } from '../../helpers/lab.js';

const STATE = useStateDir(test);
const { upTestLab } = await import('../../helpers/lab.js');
const { createLanding } = await import('../../../infra/qemu/landing.js');

const runNamespaces = (runId: string) => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : []);

if (process.getuid?.() !== 0) {
  console.log('SKIPPED landing test: needs root (network namespaces)');
} else {
  test('landings made after stand-up (journaled) go with the lab down: nothing of the run is left', async () => {
    const t = await upTestLab(
      {
        scenario: 'landing',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 1 },
        ],
        wan: { rate: '1Gbit', rtt: '2ms' },
      },
      STATE,
    );
    let downDone = false;
    try {
      const hostNs = (h: string) => t.lab.plan.hostNs.get(h)!;
      const a = await createLanding({ runId: t.runId, journal: t.lab.journal, hostNs: hostNs('a-h1'), host: 'a-h1', slot: 10, role: 'la' });
      const b = await createLanding({ runId: t.runId, journal: t.lab.journal, hostNs: hostNs('b-h1'), host: 'b-h1', slot: 11, role: 'lb' });
      assert.equal(
        runNamespaces(t.runId)
          .filter((n) => n === a.ns || n === b.ns)
          .sort(),
        [a.ns, b.ns].sort(),
      );
      const report = await t.lab.down();
      downDone = true;
      assert.equal(report.left, []);
      assert.equal(runNamespaces(t.runId), [], 'no namespace of the run, landings included');
    } finally {
      if (!downDone) await t.lab.down();
      await t.down();
    }
  });
  test.run();
}
