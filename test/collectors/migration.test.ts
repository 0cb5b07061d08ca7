import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrationSamples } from '../../collectors/migration.js';
import { migrationProgress, migrationStats } from '../../infra/qemu/migrate.js';
import { fixture } from '../helpers/fixtures.js';

const q = JSON.parse(fixture('qemu-query-migrate-completed.json'));

test('query-migrate (captured from QEMU 7.2 here) -> typed stats', () => {
  const s = migrationStats(q);
  assert.is(s.status, 'completed');
  assert.is(s.totalMs, q['total-time']);
  assert.is(s.downtimeMs, q.downtime);
  assert.is(s.transferredBytes, q.ram.transferred);
  assert.is(s.dirtySyncCount, q.ram['dirty-sync-count']);
  assert.ok(s.ramTotalBytes >= 256 * 2 ** 20);
});

test('query-migrate while it runs -> where it stands (the progress detail); figures QEMU has not yet are 0', () => {
  assert.equal(migrationProgress(q), { status: 'completed', transferredBytes: 234641492, remainingBytes: 0, ramTotalBytes: 268967936, dirtySyncCount: 3 });
  assert.equal(migrationProgress({ status: 'setup' }), { status: 'setup', transferredBytes: 0, remainingBytes: 0, ramTotalBytes: 0, dirtySyncCount: 0 });
});

test('samples: QEMU figures, effective rate, floor bytes / WAN rate, peer downtime', () => {
  const s = migrationStats(q);
  const rows = migrationSamples(s, { longestGapMs: 180, repliesAfter: 90, intervalS: 0.01 }, 1e9);
  const v = (m: string) => rows.find((r) => r.metric === m)!;
  assert.is(v('migration_time').value, s.totalMs / 1000);
  assert.is(v('downtime').value, s.downtimeMs);
  assert.is(v('downtime').params?.source, 'qemu');
  assert.is(v('transferred').unit, 'MB');
  assert.ok(Math.abs((v('effective_rate').value as number) - (s.transferredBytes * 8) / (s.totalMs / 1000) / 1e6) < 1e-9);
  assert.ok(Math.abs((v('migration_time_floor').value as number) - (s.transferredBytes * 8) / 1e9) < 1e-9);
  assert.is(v('downtime_peer').value, 180);
  assert.is(v('downtime_peer').params?.source, 'peer ping');
});

test('a peer that got no reply after the move, and a failed migration, give failed rows (no made-up zero)', () => {
  const s = migrationStats(q);
  const gone = migrationSamples(s, { longestGapMs: 900, repliesAfter: 0, intervalS: 0.01 }, 1e9).find((r) => r.metric === 'downtime_peer')!;
  assert.is(gone.status, 'failed');
  assert.match(gone.reason ?? '', /did not answer the peer/);
  const f = migrationStats({ status: 'failed', 'error-desc': 'Unable to write to socket' });
  const rows = migrationSamples(f, 'x', 1e9);
  assert.ok(rows.every((r) => r.status === 'failed' && r.value === null));
  assert.match(rows[0].reason ?? '', /migration failed: Unable to write/);
  assert.throws(() => migrationStats({ status: 'completed', ram: {} }), /total-time missing/);
});

test('a completed migration whose times QEMU left at 0 gives failed rows saying so, not a 0 s migration', () => {
  const s = migrationStats({ ...q, 'total-time': 0, downtime: 0 });
  const rows = migrationSamples(s, { longestGapMs: 500, repliesAfter: 90, intervalS: 0.01 }, 1e9);
  const v = (m: string) => rows.find((r) => r.metric === m)!;
  for (const m of ['migration_time', 'downtime', 'effective_rate']) {
    assert.is(v(m).status, 'failed', m);
    assert.is(v(m).value, null, m);
    assert.match(v(m).reason ?? '', /QEMU reported (total-time|downtime) 0/, m);
  }
  assert.is(v('transferred').status, 'ok', 'the bytes QEMU did count are kept');
  assert.is(v('downtime_peer').value, 500, 'the peer measured the outage itself');
});

test.run();
