/**
 * node dist/bench/trend.js [--runs N] [--keep]: a year of nightly history (365 runs of the
 * default scenario's shape, synthetic values in the real file layout: run.json,
 * measurements.csv, report.html per run) is indexed and drawn as the trend report; prints
 * - the time to index it all (icbench history rebuild: one transaction),
 * - the time to index one more run incrementally (what every run's end costs),
 * - the trend HTML's size and build time,
 * - Chromium's render time (navigation start to every chart drawn), with the check that it made
 *   no network request and logged no error. Target: <= 5 s.
 */
import { parseArgs } from 'node:util';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readHistory } from '../measurements/history/db.js';
import { listMissed, trendSeries } from '../measurements/history/query.js';
import { CHROMIUM, CHROMIUM_ARGS, checkReportRenders, renderOk } from '../reports/check-render.js';
import { writeTrendReport } from '../reports/trend.js';
import { rebuildHistory, recordRun } from '../session/history.js';
import { writeHistoryFixture } from '../fixtures/history-fixture.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '365' }, keep: { type: 'boolean' } } });
const N = Number(values.runs);
if (!(N >= 2)) throw new Error(`--runs: expected a number >= 2, got ${values.runs}`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const root = await mkdtemp(join(tmpdir(), 'icb-trend-'));
try {
  let t = performance.now();
  const dirs = await writeHistoryFixture(root, { runs: N + 1, shift: { at: Math.floor(N * 0.7), benchmark: 'iperf3', metric: 'throughput', factor: 0.9 } });
  const last = dirs.pop()!;
  const lastTmp = `${root}-later`;
  await rename(last, lastTmp); // the last run comes later, to be indexed incrementally
  console.log(`history: ${N} runs written in ${s(performance.now() - t)} under ${root}   (load average ${load()})`);
  t = performance.now();
  const r = await rebuildHistory(root);
  const indexMs = performance.now() - t;
  console.log(
    `index (history rebuild, one transaction): ${r.indexed} runs in ${s(indexMs)}, ${(indexMs / r.indexed).toFixed(1)} ms/run; ${r.confirmed} confirmed, ${r.suspect} suspect   (load average ${load()})`,
  );
  await rename(lastTmp, last);
  t = performance.now();
  const rec = await recordRun(root, last, { kind: 'nightly', entry: 'bench', slot: new Date().toISOString() });
  console.log(
    `index one more run incrementally (recordRun): ${s(performance.now() - t)}; ${rec.confirmed} confirmed, ${rec.suspect} suspect   (load average ${load()})`,
  );
  const db = await stat(join(root, 'history.sqlite'));
  t = performance.now();
  const data = await readHistory(root, (h) => ({ series: trendSeries(h, { scenario: 'hokudai-nii' }), missed: listMissed(h) }));
  const out = await writeTrendReport({ ...data!, resultsRoot: root, filter: { scenario: 'hokudai-nii' } }, join(root, 'trend.html'));
  const html = await stat(out);
  console.log(
    `trend.html: ${data!.series.length} series x ${N + 1} runs, ${(html.size / 1e6).toFixed(1)} MB, built in ${s(performance.now() - t)}; database ${(db.size / 1e6).toFixed(1)} MB`,
  );
  // Render time: navigation start to body[data-rendered] (every chart drawn), in a warm browser.
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const times: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const t0 = performance.now();
      await page.goto(pathToFileURL(out).href, { waitUntil: 'load', timeout: 120_000 });
      await page.waitForSelector('body[data-rendered]', { state: 'attached', timeout: 120_000 });
      times.push(performance.now() - t0);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  const check = await checkReportRenders(out, { timeoutMs: 120_000 });
  console.log(
    `Chromium render (load to every chart drawn), 3 tries: ${times.map(s).join(', ')}; best ${s(Math.min(...times))}; target <= 5 s: ${Math.min(...times) <= 5000 ? 'met' : 'NOT met'}   (load average ${load()})`,
  );
  console.log(
    `render check: ${check.charts}/${check.expectedCharts} charts drew marks, ${check.requests.length} requests, ${check.consoleErrors.length + check.pageErrors.length} errors: ${renderOk(check) ? 'ok' : 'NOT OK'}`,
  );
  if (!renderOk(check))
    console.log(JSON.stringify({ requests: check.requests.slice(0, 5), errors: [...check.consoleErrors, ...check.pageErrors].slice(0, 5) }));
} finally {
  if (values.keep) console.log(`kept ${root}`);
  else await rm(root, { recursive: true, force: true });
}
