import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, journaledRuns } from '../../infra/journal.js';
import { newRunId, nsName, runIdOfNs, RUN_ID_RE } from '../../infra/run-id.js';

test('run ids are sortable and recoverable from namespace names', () => {
  const id = newRunId(new Date('2026-11-22T03:49:01Z'));
  assert.match(id, /^20261122-034901-[0-9a-f]{4}$/);
  assert.ok(RUN_ID_RE.test(id));
  assert.is(runIdOfNs(nsName(id, 'nii-h1-n1')), id);
  assert.is(runIdOfNs('icb-something-else'), null);
  assert.is(runIdOfNs('netns-of-someone'), null);
});

test('journal entries survive in order; a line torn by a crash is skipped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-j-'));
  try {
    const j = new Journal('20261122-034901-a1b2', dir);
    j.record({ kind: 'netns', name: 'icb-20261122-034901-a1b2-wan' }, { kind: 'netns', name: 'icb-20261122-034901-a1b2-nii' });
    appendFileSync(j.path, '{"kind":"netns","na');
    assert.equal(j.entries(), [{ kind: 'netns', name: 'icb-20261122-034901-a1b2-wan' }, { kind: 'netns', name: 'icb-20261122-034901-a1b2-nii' }]);
    assert.equal(journaledRuns(dir), ['20261122-034901-a1b2']);
    j.remove();
    assert.equal(journaledRuns(dir), []);
    assert.throws(() => new Journal('../etc', dir), /bad run id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
