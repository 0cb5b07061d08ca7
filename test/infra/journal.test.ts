import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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

test('amend rewrites entries through a map (null drops one), keeps a torn line as it was, appends, stays 0600', () => {
  const dir = mkdtempSync(join(tmpdir(), 'icb-j-'));
  try {
    const j = new Journal('20261122-034901-a1b2', dir);
    j.record({ kind: 'remote', inventory: '/x/inv.yaml', hosts: ['a', 'b'] }, { kind: 'file', path: '/x/work' });
    appendFileSync(j.path, '{"kind":"netns","na\n');
    j.record({ kind: 'netns', name: 'icb-20261122-034901-a1b2-n1' });
    j.amend(
      (e) => (e.kind === 'remote' ? { ...e, hosts: ['a'] } : e.kind === 'netns' ? null : e),
      [{ kind: 'forgotten', host: 'b', at: '2026-11-22T04:00:00.000Z', by: 'root', why: 'gone' }],
    );
    assert.equal(j.entries(), [
      { kind: 'remote', inventory: '/x/inv.yaml', hosts: ['a'] },
      { kind: 'file', path: '/x/work' },
      { kind: 'forgotten', host: 'b', at: '2026-11-22T04:00:00.000Z', by: 'root', why: 'gone' },
    ]);
    assert.match(readFileSync(j.path, 'utf8'), /\n\{"kind":"netns","na\n/);
    assert.is(statSync(j.path).mode & 0o777, 0o600);
    assert.equal(
      readdirSync(dir).filter((f) => f.includes('.tmp-')),
      [],
      'no temp file left',
    );
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
