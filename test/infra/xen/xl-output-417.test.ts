/** The parsers on real output of Debian's Xen 4.17 (the nested Xen host, test/fixtures/xen/README.md). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseXlInfo, parseXlList, parseXlListLong, stateFlags } from '../../../infra/xen/xl-output.js';
import { fixture } from '../../helpers/fixtures.js';

test('xl list 4.17: Domain-0 and a blocked PV guest of the harness (tabs before State and Time(s))', () => {
  const rows = parseXlList(fixture('xen/xl-list-4.17.txt'));
  assert.is(rows.length, 2);
  assert.equal(rows[0], { name: 'Domain-0', id: 0, memMiB: 512, vcpus: 1, state: 'r-----', timeS: 286.5 });
  assert.equal(rows[1], { name: 'icb-20261201-032452-42cc-g1', id: 1, memMiB: 192, vcpus: 1, state: '-b----', timeS: 72.3 });
  assert.ok(stateFlags(rows[1].state).has('b'));
});

test('xl list -l 4.17: the JSON array with domid and config.c_info (name, type pv)', () => {
  const d = parseXlListLong(fixture('xen/xl-list-l-4.17.json'));
  assert.equal(
    d.map((x) => [x.domid, x.name, x.type]),
    [
      [0, 'Domain-0', 'pv'],
      [1, 'icb-20261201-032452-42cc-g1', 'pv'],
    ],
  );
});

test('xl info 4.17 under TCG: version from xen_version, memory, cpus, caps', () => {
  const i = parseXlInfo(fixture('xen/xl-info-4.17-tcg.txt'));
  assert.is(i.xenVersion, '4.17.7');
  assert.is(i.nrCpus, 1);
  assert.ok(i.totalMemoryMiB > i.freeMemoryMiB);
  assert.is(i.fields.xen_scheduler, 'credit2');
  assert.match(i.fields.xen_caps, /^xen-3\.0-x86_64 /);
});

test.run();
