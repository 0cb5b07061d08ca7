/**
 * Samples tried again because the WAN emulator limited them (runners/retry-limited.ts): a sample
 * counts once in every median and headline (its last try, when the emulator did not limit it),
 * the terminal and the report say how many were retried and how they ended, and the history keeps
 * one series whatever the try.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Measurement } from '../../measurements/measurement.js';
import { runSeries } from '../../measurements/history/series.js';
import { bandwidthHeadline, runSummary, summaryText } from '../../reports/summary.js';
import { bandwidthSection } from '../../reports/specs/bandwidth.js';
import { rawIperf3File } from '../../reports/specs/intervals.js';
import { rttSummary } from '../../reports/specs/rtt.js';
import { tcpSummary } from '../../reports/specs/tcp.js';
import { sampleMeta } from '../../fixtures/sample-run.js';
import { REPORT_PARTS } from '../../benchmarks/registry.js';
import { retryOutcomes, retryText } from '../../measurements/retries.js';

// Test input: constructed rows, as runIperf3/runPing record them (see test/runners/retry-limited.test.ts).
const meta = sampleMeta(); // NII, Hokudai; WAN 1000 Mbit/s, 20 ms
let clock = 0;
function row(path: Measurement['path'], src: string, dst: string, rep: number, value: number, extra: Partial<Measurement> = {}): Measurement {
  return {
    run_id: 'r',
    scenario: 'hokudai-nii',
    benchmark: 'iperf3',
    metric: 'throughput',
    value,
    unit: 'Mbit/s',
    status: 'ok',
    src_site: src,
    src_node: `${src.toLowerCase()}-h1-n1`,
    dst_site: dst,
    dst_node: `${dst.toLowerCase()}-h2-n1`,
    path,
    virt: 'netns',
    nodes: 8,
    repetition: rep,
    started_at: new Date(Date.UTC(2024, 0, 1, 0, 0, clock++)).toISOString(),
    reason: '',
    flags: '',
    params: {},
    ...extra,
  };
}
const LIMITED_RETRIED = { flags: 'emulator-saturated;retried' };
const intra = [9000, 9400, 9600].map((v, i) => row('intra-site', 'NII', 'NII', i + 1, v));
const inter = [
  row('inter-site', 'NII', 'Hokudai', 1, 500, LIMITED_RETRIED),
  row('inter-site', 'NII', 'Hokudai', 1, 700, { params: { attempt: 2 } }),
  row('inter-site', 'NII', 'Hokudai', 2, 720),
  row('inter-site', 'NII', 'Hokudai', 3, 400, LIMITED_RETRIED),
  row('inter-site', 'NII', 'Hokudai', 3, 450, { ...LIMITED_RETRIED, params: { attempt: 2 } }),
  row('inter-site', 'NII', 'Hokudai', 3, 460, { flags: 'emulator-saturated', params: { attempt: 3 } }),
];
const rows = [...intra, ...inter];

test('bandwidth headline: a retried sample counts once, with its clean last try; an all-limited one not at all', () => {
  const h = bandwidthHeadline(rows, meta);
  assert.match(h.value, /^NII −[\d.]+% \(n=3\/2, /, 'intra n=3, inter n=2: 700 (rep 1, try 2) and 720 (rep 2)');
  assert.match(h.detail, /inter median 710 Mbit\/s/);
});

test('every inter-site sample limited on every try: no figure, saying so', () => {
  const h = bandwidthHeadline([...intra, ...inter.slice(3)], meta);
  assert.is(h.value, 'no figure: all 1 inter-site samples were emulator-saturated (on every try: 3 tries)');
});

test('the terminal summary and the bandwidth section say how many samples were retried and how they ended', () => {
  const s = runSummary(rows, meta, REPORT_PARTS.headlines);
  const text = summaryText(s).join('\n');
  assert.match(text, 'warning: 2 inter-site iperf3 samples were limited by the emulator and retried: 1 then clean (on try 2), 1 limited on all 3 tries');
  assert.match(text, 'warning: 4 sample(s) flagged emulator-saturated', 'tries counted, not rows');
  const html = bandwidthSection(rows, meta)?.html ?? '';
  assert.match(
    html,
    /<p class="note" id="bandwidth-retries">2 inter-site iperf3 samples were limited by the emulator and retried: 1 then clean \(on try 2\), 1 limited on all 3 tries\./,
  );
  assert.not.match(bandwidthSection(intra, meta)?.html ?? '', 'bandwidth-retries', 'no note without retries');
});

test('clean on different tries, and a failed last try: each said', () => {
  const more = [
    row('inter-site', 'Hokudai', 'NII', 1, 300, LIMITED_RETRIED),
    row('inter-site', 'Hokudai', 'NII', 1, 310, { ...LIMITED_RETRIED, params: { attempt: 2 } }),
    row('inter-site', 'Hokudai', 'NII', 1, 800, { params: { attempt: 3 } }),
    row('inter-site', 'Hokudai', 'NII', 2, 300, LIMITED_RETRIED),
    row('inter-site', 'Hokudai', 'NII', 2, 0, { status: 'failed', value: null, reason: 'refused', params: { attempt: 2 } }),
  ];
  assert.equal(retryOutcomes([...inter, ...more]).map(retryText), [
    '4 inter-site iperf3 samples were limited by the emulator and retried: 2 then clean (1 on try 2, 1 on try 3), 1 limited on all 3 tries, 1 then failed',
  ]);
});

test('RTT and TCP figures leave out the tries a retry replaced', () => {
  const ping = (rep: number, ms: number, extra: Partial<Measurement>) =>
    Array.from({ length: 10 }, () => row('inter-site', 'NII', 'Hokudai', rep, ms, { benchmark: 'ping', metric: 'rtt', unit: 'ms', ...extra }));
  const r = rttSummary([...ping(1, 35, LIMITED_RETRIED), ...ping(1, 20.2, { params: { attempt: 2 } })], meta);
  assert.equal(
    r.groups.map((g) => [g.label, g.packets, g.median]),
    [['inter-site NII–Hokudai', 10, 20.2]],
  );
  const re = (v: number, extra: Partial<Measurement> = {}) => row('inter-site', 'NII', 'Hokudai', 1, v, { metric: 'retransmits', unit: 'count', ...extra });
  const t = tcpSummary([re(900, LIMITED_RETRIED), re(4, { params: { attempt: 2 } })], meta);
  assert.equal([t[0].stats.retransmits.n, t[0].stats.retransmits.median], [1, 4]);
});

test('history: one series per path whatever the try, one value per sample', () => {
  const s = runSeries(rows, meta).find((x) => x.key.path === 'inter-site');
  assert.ok(s);
  assert.is(s.key.row_params, '', 'attempt is not a series parameter');
  assert.is(s.n, 3, 'rep 1 try 2, rep 2, rep 3 try 3');
  assert.is(s.median, 700);
  assert.is(runSeries(rows, meta).filter((x) => x.key.path === 'inter-site').length, 1);
});

test('the raw iperf3 file of a retry is the one the runner wrote (.try<n>)', () => {
  assert.is(rawIperf3File('/r', inter[1]), '/r/raw/iperf3/rep1-nii-h1-n1--hokudai-h2-n1.try2.client.json');
  assert.is(rawIperf3File('/r', inter[0]), '/r/raw/iperf3/rep1-nii-h1-n1--hokudai-h2-n1.client.json');
});

test.run();
