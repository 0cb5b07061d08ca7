import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXlInfo, parseXlList, parseXlListLong, parseXlMigrate, stateFlags } from '../../../infra/xen/xl-output.js';
import { migrationSamples } from '../../../collectors/xl-migrate.js';
import { fixture } from '../../helpers/fixtures.js';

test('xl list (tab-separated header tail): Domain-0 and a paused guest', () => {
  const rows = parseXlList(fixture('xen/xl-list-paused.txt'));
  assert.equal(rows, [
    { name: 'Domain-0', id: 0, memMiB: 13984, vcpus: 4, state: 'r-----', timeS: 56475.2 },
    { name: 'guest1', id: 28, memMiB: 1024, vcpus: 1, state: '--p---', timeS: 28 },
  ]);
  assert.ok(stateFlags(rows[1].state).has('p'));
  assert.is(stateFlags(rows[1].state).has('r'), false);
});

test('xl list on the migration target: the guest blocked (b) with a new domain id', () => {
  const g = parseXlList(fixture('xen/xl-list-running.txt')).find((r) => r.name === 'guest1');
  assert.equal(g, { name: 'guest1', id: 4, memMiB: 1024, vcpus: 1, state: '-b----', timeS: 0.3 });
});

test('xl list: text without the header or with a broken row is an error, never an empty list', () => {
  assert.throws(() => parseXlList(''), /no "Name ID Mem VCPUs State Time\(s\)" header/);
  assert.throws(() => parseXlList(fixture('xen/xl-destroy-missing.txt')), /header/);
  const cut = fixture('xen/xl-list-paused.txt').replace('28.0', '');
  assert.throws(() => parseXlList(cut), /cannot read row "guest1/);
});

test('xl info 4.6: version, memory (MiB), cpus; a wrapped xen_commandline is joined', () => {
  const i = parseXlInfo(fixture('xen/xl-info-4.6.txt'));
  assert.is(i.xenVersion, '4.6.0-9.el7');
  assert.is(i.totalMemoryMiB, 12287);
  assert.is(i.freeMemoryMiB, 8054);
  assert.is(i.nrCpus, 6);
  assert.is(i.fields.xen_commandline, 'placeholder dom0_mem=4096M,max:4096M cpuinfo com1=115200,8n1 console=com1,tty loglvl=all guest_loglvl=all');
  assert.is(i.fields.xen_scheduler, 'credit');
});

test('xl info 4.19: empty values stay empty strings; numbers read', () => {
  const i = parseXlInfo(fixture('xen/xl-info-4.19.txt'));
  assert.is(i.xenVersion, '4.19.1');
  assert.is(i.totalMemoryMiB, 7933);
  assert.is(i.freeMemoryMiB, 2341);
  assert.is(i.nrCpus, 12);
  assert.is(i.fields.xen_changeset, '');
  assert.is(i.fields.cc_compile_domain, '');
  assert.is(i.fields.xen_scheduler, 'credit2');
});

test('xl info without xen_version falls back to major.minor+extra; missing memory is an error', () => {
  const noVersion = fixture('xen/xl-info-4.6.txt').replace(/^xen_version.*\n/m, '');
  assert.is(parseXlInfo(noVersion).xenVersion, '4.6.0-9.el7');
  assert.throws(() => parseXlInfo(fixture('xen/xl-info-4.6.txt').replace(/^free_memory.*\n/m, '')), /no numeric free_memory/);
  assert.throws(() => parseXlInfo(''), /no xen_version/);
});

test('xl migrate (Xen 4.9, xc info lines): success, saved domain 28 of type x86 PV, protocol steps', () => {
  const r = parseXlMigrate(fixture('xen/xl-migrate-ok-4.9.txt'));
  assert.is(r.ok, true);
  assert.is(r.reason, undefined);
  assert.is(r.savedDomid, 28);
  assert.is(r.guestType, 'x86 PV');
  assert.is(r.stateUndefined, false);
  assert.is(r.steps[0], 'migration target: Ready to receive domain.');
  assert.is(r.steps[r.steps.length - 1], 'migration sender: Target reports successful startup.');
  assert.is(r.steps.length, 7);
});

test('xl migrate (progress lines, no xc info): success without a saved domain id', () => {
  const r = parseXlMigrate(fixture('xen/xl-migrate-ok-progress.txt'));
  assert.is(r.ok, true);
  assert.is(r.savedDomid, undefined);
});

test('xl migrate cut before the end: failed, the reason quotes the last line', () => {
  const full = fixture('xen/xl-migrate-ok-4.9.txt');
  const cut = full.slice(0, full.indexOf('migration target: Transfer complete'));
  const r = parseXlMigrate(cut);
  assert.is(r.ok, false);
  assert.match(r.reason ?? '', /did not report "Migration successful\."; last line: "xc: info: Console: mfn 0x328656, dom 0, evt 2"/);
  assert.is(parseXlMigrate('').reason, 'xl migrate did not report "Migration successful."; no output');
});

test('xl migrate failure lines (texts as xl prints them, see README): reason and undefined-state flag', () => {
  const start = fixture('xen/xl-migrate-ok-4.9.txt').split('\n').slice(0, 7).join('\n');
  const resumed = parseXlMigrate(`${start}\nMigration failed, resuming at sender.\n`);
  assert.is(resumed.ok, false);
  assert.is(resumed.reason, 'Migration failed, resuming at sender.');
  assert.is(resumed.stateUndefined, false);
  const badly = parseXlMigrate(`${start}\n** Migration failed during final handshake **\nDomain state is now undefined !\n`);
  assert.is(badly.ok, false);
  assert.is(badly.stateUndefined, true);
  const target = parseXlMigrate('migration target: Ready to receive domain.\nmigration target: Domain creation failed (code -3).\n');
  assert.is(target.reason, 'migration target: Domain creation failed (code -3).');
  // a success line after an error does not hide the error
  const both = parseXlMigrate(`${fixture('xen/xl-create-bad-kernel.txt')}Migration successful.\n`);
  assert.is(both.ok, false);
  assert.match(both.reason ?? '', /^xc: error: panic/);
});

test('migration samples: seconds from wall-clock ms; a failure is a failed row with no value', () => {
  const ok = parseXlMigrate(fixture('xen/xl-migrate-ok-4.9.txt'));
  assert.equal(migrationSamples(ok, 2500), [{ metric: 'migration_time', value: 2.5, unit: 's', status: 'ok' }]);
  const bad = parseXlMigrate('Migration failed, resuming at sender.');
  const [s] = migrationSamples(bad, 2500);
  assert.is(s.status, 'failed');
  assert.is(s.value, null);
  assert.is(s.reason, 'Migration failed, resuming at sender.');
  assert.is(migrationSamples(ok, null)[0].value, null);
});

test('xl list -l: domid, name and type from config.c_info; anything else is an error', () => {
  // Shape written by xl's printf_info for each domain (see README: no real capture was found).
  const doc = JSON.stringify([
    { domid: 0, config: { c_info: { type: 'pv', name: 'Domain-0' }, b_info: {} } },
    { domid: 7, config: { c_info: { type: 'pvh', name: 'icb-20261122-034901-a1b2-n1' } } },
  ]);
  assert.equal(
    parseXlListLong(doc).map((d) => [d.domid, d.name, d.type]),
    [
      [0, 'Domain-0', 'pv'],
      [7, 'icb-20261122-034901-a1b2-n1', 'pvh'],
    ],
  );
  assert.throws(() => parseXlListLong('{"domid":1}'), /expected a JSON array/);
  assert.throws(() => parseXlListLong('[{"domid":1}]'), /entry 0 has no domid or config\.c_info\.name/);
  assert.throws(() => parseXlListLong(fixture('xen/xl-destroy-missing.txt')), /not JSON/);
});

test.run();
