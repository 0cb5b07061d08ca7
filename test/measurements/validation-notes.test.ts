import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REPORT_PARTS } from '../../benchmarks/registry.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';
import type { RunMeta, ValidationEntry } from '../../measurements/run-meta.js';
import { degrades, markNotes, noteOnlyReason } from '../../measurements/validation-notes.js';
import { bannerHtml, runSummary, summaryHtml, summaryText } from '../../reports/summary.js';
import { validationTable } from '../../reports/tables.js';

/** The NII LAN check as validateLans writes it on this machine: 10 Gbit/s configured, 8,495 measured (2 cores' ceiling). */
const lan = (measured: number, o: Partial<ValidationEntry> = {}): ValidationEntry => ({
  check: 'lan_rate',
  a: 'nii-h1',
  b: 'nii-h2',
  configured: 10000,
  measured,
  unit: 'Mbit/s',
  ok: false,
  note: `not reached: this machine's ceiling for this path is about ${measured} Mbit/s (3 s TCP probe, 2 streams)`,
  limit: 'machine',
  ...o,
});
const wanOk: ValidationEntry[] = [
  { check: 'rtt_median', a: 'NII', b: 'Hokudai', configured: 20, measured: 20.4, unit: 'ms', ok: true, note: '' },
  { check: 'throughput', a: 'NII', b: 'Hokudai', configured: 953.9, measured: 902.7, unit: 'Mbit/s', ok: true, note: '' },
];
const metaWith = (validation: ValidationEntry[], o: Partial<RunMeta> = {}): RunMeta => ({ ...sampleMeta(), validation, failures: [], ...o });

test('a LAN below its configured rate only by this machine, still above the WAN rate: a note with the reason', () => {
  const meta = metaWith([]);
  const why = noteOnlyReason(lan(8495), meta);
  assert.ok(why);
  assert.match(why!, "NII's LAN reached 8495 Mbit/s, not the configured 10000 Mbit/s: this machine's ceiling, but still above the WAN rate (1000 Mbit/s)");
  const [marked] = markNotes([lan(8495)], meta);
  assert.is(marked.note_only, why);
  assert.is(degrades(marked), false);
});

test('everything else NOT OK degrades: LAN at or below the WAN rate, unlimited WAN, no WAN, not the machine, and every WAN check', () => {
  const meta = metaWith([]);
  assert.is(noteOnlyReason(lan(950), meta), null, 'the LAN would be the bottleneck of inter-site paths');
  assert.is(noteOnlyReason(lan(1000), meta), null);
  assert.is(noteOnlyReason(lan(8495, { limit: undefined }), meta), null, 'not known to be the machine');
  assert.is(noteOnlyReason(lan(8495, { measured: null }), meta), null);
  assert.is(noteOnlyReason(lan(8495), { ...meta, wan: meta.wan.map((w) => ({ ...w, rate_mbit: null })) }), null, 'unlimited WAN');
  assert.is(noteOnlyReason(lan(8495), { ...meta, wan: [] }), null, 'a single site: intra-site paths are what is measured');
  const vmWan: ValidationEntry = { ...wanOk[1], measured: 400, ok: false, limit: 'machine' };
  const emuWan: ValidationEntry = { ...wanOk[0], measured: 21.3, ok: false, limit: 'emulator' };
  assert.equal(markNotes([vmWan, emuWan], meta), [vmWan, emuWan]);
  assert.ok(degrades(vmWan) && degrades(emuWan));
  assert.is(degrades({ ...wanOk[0] }), false);
});

test('a run whose only miss is a note: status ok, the note in the summary (page and terminal), no banner; the table says NOT OK (note)', () => {
  const meta = metaWith(markNotes([...wanOk, lan(8495)], sampleMeta()));
  const s = runSummary(sampleRows({ full: true }), meta, REPORT_PARTS.headlines);
  assert.is(s.status, 'ok');
  assert.equal(s.reasons, []);
  assert.is(bannerHtml(s), '');
  assert.is(s.notes.length, 1);
  assert.match(
    s.notes[0],
    /^lan_rate nii-h1–nii-h2: configured 10,000.00 Mbit\/s, measured 8,495.00 Mbit\/s .*: not degrading: NII's LAN reached 8495 Mbit\/s/,
  );
  const text = summaryText(s);
  assert.is(text[0], 'status: ok');
  assert.ok(text.some((l) => l.startsWith('  note: lan_rate nii-h1–nii-h2: configured 10,000.00 Mbit/s, measured 8,495.00 Mbit/s')));
  assert.match(summaryHtml(s, meta, sampleRows({ full: true })), '<ul class="notes" id="run-notes"><li>note: lan_rate');
  const table = validationTable(meta);
  assert.match(table, '<p class="ok">2 of 3 checks ok.</p>');
  assert.match(table, "1 check(s) NOT OK only because of this machine's own ceiling");
  assert.match(table, 'NOT OK (note)');
});

test('a note next to a WAN miss: degraded for the WAN check only, the LAN still a note', () => {
  const miss: ValidationEntry = { ...wanOk[1], measured: 700, ok: false };
  const meta = metaWith(markNotes([wanOk[0], miss, lan(8495)], sampleMeta()));
  const s = runSummary(sampleRows(), meta, REPORT_PARTS.headlines);
  assert.is(s.status, 'degraded');
  assert.equal(s.reasons.length, 1);
  assert.match(s.reasons[0], /^1 of 3 validation checks NOT OK: throughput NII–Hokudai/);
  assert.is(s.notes.length, 1);
});

test.run();
