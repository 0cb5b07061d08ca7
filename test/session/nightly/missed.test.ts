/**
 * Missed slots, from node-cron's own matcher in the entry's timezone: the newest slot within the
 * grace window runs once, every older one is listed as missed; nothing before the entry was first
 * watched; policy skip runs nothing; long outages are bounded and summed up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_LISTED, planCatchUp, slotsBetween } from '../../../session/nightly/missed.js';
import type { ScheduleEntry } from '../../../session/nightly/schedule.js';

const entry = (over: Partial<ScheduleEntry> = {}): ScheduleEntry => ({
  name: 'e',
  cron: '0 2 * * *',
  timezone: 'Asia/Tokyo',
  scenario: '/x.mjs',
  params: {},
  deadlineMs: 3_600_000,
  stopGraceMs: 1000,
  missed: 'catch-up',
  graceMs: 6 * 3_600_000,
  onRegression: null,
  alert: 'confirmed',
  ...over,
});
const iso = (d: Date | null) => d?.toISOString() ?? null;

test('slots in the entry timezone: 02:00 Tokyo is 17:00 UTC the day before', () => {
  const { slots, truncated } = slotsBetween('0 2 * * *', 'Asia/Tokyo', new Date('2026-11-27T00:00:00Z'), new Date('2026-11-30T00:00:00Z'));
  assert.equal(slots.map(iso), ['2026-11-27T17:00:00.000Z', '2026-11-28T17:00:00.000Z', '2026-11-29T17:00:00.000Z']);
  assert.is(truncated, false);
  // (after, until]: a slot equal to `after` was already handled
  assert.equal(slotsBetween('0 2 * * *', 'Asia/Tokyo', new Date('2026-11-27T17:00:00Z'), new Date('2026-11-28T17:00:00Z')).slots.map(iso), [
    '2026-11-28T17:00:00.000Z',
  ]);
});

test('seconds-level expressions step by the second', () => {
  const { slots } = slotsBetween('*/20 * * * * *', 'UTC', new Date('2026-12-01T00:00:00Z'), new Date('2026-12-01T00:01:00Z'));
  assert.equal(slots.map(iso), ['2026-12-01T00:00:20.000Z', '2026-12-01T00:00:40.000Z', '2026-12-01T00:01:00.000Z']);
});

test('catch-up: newest slot within grace runs once, older ones are missed', () => {
  const now = new Date('2026-11-30T19:00:00Z'); // 2 h after the 17:00 UTC slot
  const p = planCatchUp(entry(), { since: '2026-11-26T00:00:00Z', last_slot: '2026-11-26T17:00:00.000Z' }, now);
  assert.is(iso(p.run), '2026-11-30T17:00:00.000Z');
  assert.equal(p.missed.map(iso), ['2026-11-27T17:00:00.000Z', '2026-11-28T17:00:00.000Z', '2026-11-29T17:00:00.000Z']);
  assert.is(p.older, null);
});

test('catch-up: the newest slot beyond grace is missed too; policy skip runs nothing', () => {
  const now = new Date('2026-11-30T23:30:00Z'); // 6.5 h after the slot, grace 6 h
  const p = planCatchUp(entry(), { since: '2026-11-29T00:00:00Z' }, now);
  assert.is(p.run, null);
  assert.equal(p.missed.map(iso), ['2026-11-29T17:00:00.000Z', '2026-11-30T17:00:00.000Z']);
  const q = planCatchUp(entry({ missed: 'skip' }), { since: '2026-11-29T00:00:00Z' }, new Date('2026-11-30T17:01:00Z'));
  assert.is(q.run, null);
  assert.is(q.missed.length, 2);
});

test('nothing for an entry never watched, or whose last slot is current', () => {
  assert.equal(planCatchUp(entry(), undefined, new Date()), { run: null, missed: [], older: null });
  const p = planCatchUp(entry(), { since: '2026-11-01T00:00:00Z', last_slot: '2026-11-30T17:00:00.000Z' }, new Date('2026-11-30T20:00:00Z'));
  assert.equal(p, { run: null, missed: [], older: null });
});

test('slots already recorded as missed (missed_through) are not recorded again', () => {
  const now = new Date('2026-11-30T19:00:00Z');
  const p = planCatchUp(entry(), { since: '2026-11-26T00:00:00Z', last_slot: '2026-11-26T17:00:00.000Z', missed_through: '2026-11-28T17:00:00.000Z' }, now);
  assert.equal(p.missed.map(iso), ['2026-11-29T17:00:00.000Z']);
  assert.is(iso(p.run), '2026-11-30T17:00:00.000Z');
});

test('a long outage: at most MAX_LISTED listed, the rest summed up', () => {
  const p = planCatchUp(entry({ cron: '* * * * *', graceMs: 90_000 }), { since: '2026-11-30T00:00:00Z' }, new Date('2026-11-30T12:00:30Z'));
  assert.is(iso(p.run), '2026-11-30T12:00:00.000Z');
  assert.is(p.missed.length, MAX_LISTED);
  assert.is(iso(p.missed[p.missed.length - 1]), '2026-11-30T11:59:00.000Z');
  assert.ok(p.older);
  assert.is(p.older!.count, 12 * 60 - 1 - MAX_LISTED); // 720 slots in (00:00, 12:00]: one runs
  assert.is(p.older!.unbounded, false);
});

test.run();
