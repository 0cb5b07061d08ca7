import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Measurement } from '../../measurements/measurement.js';
import { bandwidthSection, bandwidthSummary } from '../../reports/specs/bandwidth.js';
import { median, quantile } from '../../reports/specs/common.js';
import { sampleMeta } from '../../fixtures/sample-run.js';

// Test input: a constructed scenario, not a measurement.
const meta = sampleMeta(); // sites NII, Hokudai; WAN NII-Hokudai 1000 Mbit/s
function row(path: Measurement['path'], src: string, dst: string, value: number | null, extra: Partial<Measurement> = {}): Measurement {
  return {
    run_id: 'r',
    scenario: 's',
    benchmark: 'iperf3',
    metric: 'throughput',
    value,
    unit: 'Mbit/s',
    status: value === null ? 'failed' : 'ok',
    src_site: src,
    src_node: `${src}-a`,
    dst_site: dst,
    dst_node: `${dst}-b`,
    path,
    virt: 'netns',
    nodes: 8,
    repetition: 1,
    started_at: '2024-01-01T00:00:00Z',
    reason: value === null ? 'refused' : '',
    flags: '',
    params: {},
    ...extra,
  };
}
const rows: Measurement[] = [
  row('intra-site', 'NII', 'NII', 9000),
  row('intra-site', 'NII', 'NII', 9600),
  row('intra-site', 'NII', 'NII', 9400),
  row('intra-site', 'Hokudai', 'Hokudai', 900),
  row('intra-site', 'Hokudai', 'Hokudai', 940),
  row('inter-site', 'NII', 'Hokudai', 700),
  row('inter-site', 'Hokudai', 'NII', 740, { flags: 'emulator-saturated' }),
  row('inter-site', 'NII', 'Hokudai', 760),
  row('inter-site', 'Hokudai', 'NII', null),
  row('local', 'NII', 'NII', 20000),
  { ...row('local', 'NII', 'NII', 5), metric: 'retransmits', unit: 'count' }, // other metric: ignored
];

test('median and quantile', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.is(quantile([0, 10], 0.99), 9.9);
});

test('groups: labels per site / site pair, in display order, medians of ok samples not flagged emulator-saturated', () => {
  const s = bandwidthSummary(rows, meta);
  assert.equal(
    s.groups.map((g) => g.label),
    ['local NII', 'intra-site NII', 'intra-site Hokudai', 'inter-site NII–Hokudai'],
  );
  const inter = s.groups[3];
  assert.is(inter.median, 730); // 700 and 760; the saturated 740 is shown apart
  assert.is(inter.n, 2);
  assert.is(inter.flagged, 1);
  assert.is(inter.lo, null, 'n=2: no interval');
  assert.is(s.groups[1].median, 9400);
  assert.is(s.groups[2].median, 920);
  assert.is(s.failed, 1);
  assert.is(s.samples.filter((x) => x.kind === 'emulator-saturated').length, 1);
});

test('inter-site drop vs intra-site per site, and vs the configured WAN rate', () => {
  const s = bandwidthSummary(rows, meta);
  assert.equal(
    s.drops.map((d) => d.site),
    ['NII', 'Hokudai'],
  );
  const [nii, hok] = s.drops;
  assert.ok(Math.abs(nii.drop_pct - ((9400 - 730) / 9400) * 100) < 1e-9);
  assert.ok(Math.abs(hok.drop_pct - ((920 - 730) / 920) * 100) < 1e-9);
  assert.is(nii.inter_flagged, 1);
  assert.is(nii.intra.n, 3);
  assert.is(nii.inter.n, 2);
  assert.is(s.wan.length, 1);
  assert.is(s.wan[0].rate_mbit, 1000);
  assert.ok(Math.abs(s.wan[0].pct_of_rate - 73) < 1e-9);
  assert.ok(Math.abs(s.wan[0].drop_pct - 27) < 1e-9);
  assert.is(s.wan[0].inter_flagged, 1);
});

test('section states the drops; no throughput rows -> no section', () => {
  const sec = bandwidthSection(rows, meta);
  assert.ok(sec?.spec);
  assert.match(
    sec!.html!,
    /NII −92\.2% \(9,400 → 730 Mbit\/s, n=3\/2; too few to call \(−9\d\.\d%, n=3\/2\)\), Hokudai −20\.7% \(920 → 730 Mbit\/s, n=2\/2; too few to call \(−2\d\.\d%, n=2\/2\)\)/,
  );
  assert.match(sec!.html!, 'median 730 Mbit/s (n=2) = 73.0% of configured WAN rate 1,000 Mbit/s (−27.0%)');
  assert.match(sec!.html!, '1 of 9 samples flagged emulator-saturated');
  assert.match(JSON.stringify(sec!.spec), 'Inter-site vs intra-site median');
  assert.is(
    bandwidthSection(
      rows.filter((r) => r.path !== 'inter-site').map((r) => ({ ...r, benchmark: 'ping' })),
      meta,
    ),
    null,
  );
});

test('unlimited WAN rate: no comparison against a rate', () => {
  const s = bandwidthSummary(rows, { ...meta, wan: [{ ...meta.wan[0], rate_mbit: null }] });
  assert.equal(s.wan, []);
  assert.is(s.drops.length, 2);
});

test.run();
