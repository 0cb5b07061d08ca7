import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStateDir, Journal, journaledRuns } from '../../infra/journal.js';
import { ownerAlive, pidStartTime } from '../../infra/process-owner.js';
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
    assert.equal(j.entries(), [
      { kind: 'netns', name: 'icb-20261122-034901-a1b2-wan' },
      { kind: 'netns', name: 'icb-20261122-034901-a1b2-nii' },
    ]);
    assert.equal(journaledRuns(dir), ['20261122-034901-a1b2']);
    j.remove();
    assert.equal(journaledRuns(dir), []);
    assert.throws(() => new Journal('../etc', dir), /bad run id/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('journal file 0600; the state dir is created 0711 (postgres traverses it) and tightened when others can list it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-j-'));
  try {
    const state = join(dir, 'state');
    const j = new Journal('20261122-034901-a1b2', state);
    j.record({ kind: 'netns', name: 'icb-20261122-034901-a1b2-wan' });
    assert.is(statSync(j.path).mode & 0o777, 0o600);
    assert.is(statSync(state).mode & 0o777, 0o711);
    const open = join(dir, 'open');
    ensureStateDir(open);
    (statSync(open).mode & 0o777) === 0o711 || assert.unreachable();
    ensureStateDir(dir); // mkdtemp: 0700 stays 0700
    assert.is(statSync(dir).mode & 0o777, 0o700);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('process ownership: own pid alive with its start time; another start time or a dead pid is not', () => {
  const start = pidStartTime(process.pid);
  assert.ok(start !== null && start > 0);
  assert.ok(ownerAlive({ pid: process.pid, pidStart: start! }));
  assert.ok(ownerAlive({ pid: process.pid }), 'no start time journaled: alive while the pid exists');
  assert.not.ok(ownerAlive({ pid: process.pid, pidStart: start! + 1 }), 'a reused pid');
  assert.not.ok(ownerAlive({ pid: 2 ** 22 + 1, pidStart: 1 }));
  assert.is(pidStartTime(-1), null);
});

test.run();
