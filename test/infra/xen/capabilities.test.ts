import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrationCapability } from '../../../infra/xen/capabilities.js';
import { parseXlInfo } from '../../../infra/xen/xl-output.js';
import { xenHostCheck } from '../../../infra/remote/preflight.js';
import { fixture } from '../../helpers/fixtures.js';

const info417 = () => parseXlInfo(fixture('xen/xl-info-4.17-tcg.txt'));

test('Debian Xen 4.17 under QEMU TCG (real xl info): no shadow paging, no HAP -> cannot migrate PV or HVM/PVH', () => {
  const i = info417();
  assert.is(i.fields.virt_caps, 'pv hvm gnttab-v1 gnttab-v2');
  const pv = migrationCapability(i, 'pv');
  assert.is(pv.ok, false);
  assert.is(pv.shadow, false);
  assert.match(pv.reason, /PV guest needs shadow paging/);
  assert.match(pv.reason, /Failed to enable logdirty/);
  const hvm = migrationCapability(i, 'hvm');
  assert.is(hvm.ok, false);
  assert.match(hvm.reason, /nested paging \(HAP/);
});

test('Xen 4.19 on real hardware (hap and shadow in virt_caps): can migrate PV and PVH', () => {
  const i = parseXlInfo(fixture('xen/xl-info-4.19.txt'));
  assert.equal(migrationCapability(i, 'pv').ok, true);
  assert.equal(migrationCapability(i, 'pvh').ok, true);
});

test('Xen 4.6 prints no hap/shadow flags: unknown, never a refusal', () => {
  const c = migrationCapability(parseXlInfo(fixture('xen/xl-info-4.6.txt')), 'pv');
  assert.is(c.ok, null);
  assert.match(c.reason, /does not report hap\/shadow/);
});

test('HAP without shadow: HVM migrates, PV does not', () => {
  const i = info417();
  const withHap = { ...i, fields: { ...i.fields, virt_caps: 'pv hvm hap gnttab-v1' } };
  assert.is(migrationCapability(withHap, 'hvm').ok, true);
  assert.is(migrationCapability(withHap, 'pv').ok, false);
});

/** The probe's xl.* lines as a host would print them, from a real `xl info`. */
function probeOf(text: string): Record<string, string> {
  const f = parseXlInfo(text).fields;
  const p: Record<string, string> = { 'xl.ok': 'yes' };
  for (const k of ['xen_version', 'xen_major', 'xen_minor', 'virt_caps', 'xen_caps', 'total_memory', 'free_memory', 'nr_cpus']) p[`xl.${k}`] = f[k] ?? '';
  return p;
}

test('remote preflight on a Xen host: a scenario that migrates is refused with the reason, one that does not passes', () => {
  const p = probeOf(fixture('xen/xl-info-4.17-tcg.txt'));
  assert.equal(xenHostCheck('xenhost', p).problems, []);
  assert.is(xenHostCheck('xenhost', p).facts.xen, '4.17.7');
  const r = xenHostCheck('xenhost', p, { migration: 'pv' });
  assert.is(r.problems.length, 1);
  assert.match(r.problems[0], /^xenhost: cannot live-migrate PV guests: .*shadow paging/);
  assert.equal(xenHostCheck('dom0b', probeOf(fixture('xen/xl-info-4.19.txt')), { migration: 'pv' }).problems, []);
});

test('remote preflight: xl info failing is one clear problem', () => {
  const r = xenHostCheck('h1', { 'xl.ok': 'no', 'xl.error': 'xc: error: Could not obtain handle on privileged command interface' });
  assert.match(r.problems[0], /^h1: xl info failed \(xc: error: .*\): the host must run Xen/);
});

test.run();
