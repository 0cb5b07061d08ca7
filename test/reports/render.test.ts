import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, checkReportRenders, renderOk } from '../../reports/check-render.js';
import { writeRunReport } from '../../benchmarks/reports.js';
import { HEADLINE_LABELS } from '../../reports/summary.js';
import { writeSampleRun } from '../../fixtures/sample-run.js';

const haveChromium = existsSync(CHROMIUM);
let tmp = '';
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'icb-render-'));
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

if (!haveChromium) {
  test(`SKIPPED: render test needs Chromium at ${CHROMIUM}`, () => {
    console.warn(`\n[render.test] SKIPPED: ${CHROMIUM} is absent; the report was not rendered.`);
  });
} else {
  test('report renders offline: every chart draws marks, no errors, no requests', async () => {
    const dir = await writeSampleRun(tmp);
    const html = await writeRunReport(dir);
    assert.is(html, join(dir, 'report.html'));
    const shot = join(tmp, 'report.png');
    const r = await checkReportRenders(html, { screenshot: shot });
    assert.equal(r.consoleErrors, []);
    assert.equal(r.pageErrors, []);
    assert.equal(r.requests, []);
    assert.is(r.expectedCharts, 3);
    assert.is(r.charts, 3);
    assert.ok(
      r.marksPerChart.every((m) => m > 0),
      `marks per chart: ${r.marksPerChart}`,
    );
    assert.ok(renderOk(r));
    assert.ok(existsSync(shot));
  });

  test('first screen at 1400x1000: status and the four headline results with n, no console error, no request', async () => {
    const dir = await writeSampleRun(join(tmp, 'full'), { full: true });
    const html = await writeRunReport(dir);
    const shot = process.env.ICB_SCREENSHOT_DIR ? join(process.env.ICB_SCREENSHOT_DIR, 'report-top.png') : join(tmp, 'top.png');
    const texts = ['Status:', 'degraded', ...HEADLINE_LABELS, 'n=3/3'];
    const r = await checkReportRenders(html, { width: 1400, height: 1000, findTexts: texts, viewportScreenshot: shot });
    assert.equal(r.consoleErrors, []);
    assert.equal(r.pageErrors, []);
    assert.equal(r.requests, []);
    assert.ok(renderOk(r), JSON.stringify(r));
    for (const t of texts) {
      const top = r.textTops[t];
      assert.ok(top !== null && top >= 0 && top < 1000, `"${t}" in the first screen: top ${top}`);
    }
    // The sample's run.json says ok but a validation check is NOT OK: shown as degraded, amber banner first.
    const page = (await import('node:fs')).readFileSync(html, 'utf8');
    assert.ok(page.indexOf('banner-amber') < page.indexOf('<h2>'), 'the banner comes before the first section');
    assert.match(page, 'validation checks NOT OK: throughput NII–Hokudai');
    assert.not.match(page, 'Student');
    assert.ok(existsSync(shot));
  });

  test('a failed run: red banner first, no green "No failed samples."', async () => {
    const dir = await writeSampleRun(join(tmp, 'failed'), { status: 'failed' });
    const html = await writeRunReport(dir);
    const r = await checkReportRenders(html, { width: 1400, height: 1000, findTexts: ['Run failed', 'connection reset'] });
    assert.equal(r.consoleErrors, []);
    assert.equal(r.requests, []);
    for (const t of ['Run failed', 'connection reset']) assert.ok((r.textTops[t] ?? 2000) < 300, `${t}: ${r.textTops[t]}`);
    const page = (await import('node:fs')).readFileSync(html, 'utf8');
    assert.ok(page.indexOf('banner-red') < page.indexOf('<h2>'));
    assert.not.match(page, 'No failed samples.');
  });

  test('hostile names: still renders, no injected element fires a request', async () => {
    const evil = '</script><img src=x onerror=alert(1)>';
    const dir = await writeSampleRun(join(tmp, 'evil'), { hokudai: evil, node: '<img src=y>' });
    const r = await checkReportRenders(await writeRunReport(dir));
    assert.equal(r.requests, []);
    assert.equal(r.consoleErrors, []);
    assert.equal(r.pageErrors, []);
    assert.is(r.charts, 3);
  });

  test('a broken spec is reported, not silently blank', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { renderHtml } = await import('../../reports/html.js');
    const file = join(tmp, 'broken.html');
    await writeFile(
      file,
      renderHtml({
        title: 'broken',
        sections: [
          {
            heading: 'x',
            spec: {
              mark: 'bar',
              data: { values: [{ a: 1 }] },
              encoding: { x: { field: 'a', type: 'quantitative' } },
              transform: [{ calculate: 'nosuchfn(1)', as: 'b' }],
            },
          },
        ],
      }),
    );
    const r = await checkReportRenders(file);
    assert.ok(r.pageErrors.length > 0, 'the page shows the error');
    assert.not.ok(renderOk(r));
  });
}

test.run();
