import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeHtml, jsonForScript } from '../../reports/escape.js';
import { renderHtml } from '../../reports/html.js';
import { buildReportHtml } from '../../reports/report.js';
import { REPORT_PARTS } from '../../benchmarks/registry.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';

const EVIL = '</script><img src=x onerror=alert(1)>';

test('escapeHtml', () => {
  assert.is(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.is(escapeHtml(null), '');
});

test('jsonForScript escapes <, >, &, U+2028/2029 and still parses back', () => {
  const v = { s: `${EVIL} & \u2028\u2029` };
  const j = jsonForScript(v);
  assert.not.match(j, /[<>&\u2028\u2029]/);
  assert.equal(JSON.parse(j), v);
});

test('hostile site and node names never appear unescaped', () => {
  const o = { hokudai: EVIL, node: `<b onmouseover=alert(2)>` };
  const html = buildReportHtml(sampleRows(o), sampleMeta(o), REPORT_PARTS);
  assert.not.ok(html.includes(EVIL), 'raw hostile site name in the HTML');
  assert.not.ok(html.includes('<img src=x'), 'img tag injected');
  assert.not.ok(html.includes('<b onmouseover'), 'b tag injected');
  assert.ok(html.includes('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'), 'escaped name shown in tables');
  // Exactly the script elements the template writes: hook, 3 libraries, embed, and one JSON block per chart.
  const opened = html.match(/<script\b/gi)?.length ?? 0;
  const closed = html.match(/<\/script>/gi)?.length ?? 0;
  assert.is(opened, closed);
  assert.is(opened, 5 + 3); // bandwidth, RTT by path, RTT CDF
});

test('no external resource: no script src, link, iframe, img or CSS url; CSP forbids loads', () => {
  const html = buildReportHtml(sampleRows(), sampleMeta(), REPORT_PARTS);
  // The inlined libraries mention tags and URLs in their code; check the page around them.
  const page = html.replace(/<script>\/\* [\w-]+ \(inlined\) \*\/[\s\S]*?<\/script>/g, '');
  assert.is(html.length - page.length > 500_000, true, 'three libraries inlined');
  assert.not.match(html, /<script[^>]*\ssrc\s*=/i);
  assert.not.match(page, /https?:/i);
  assert.not.match(html, /<link\b/i);
  assert.not.match(page, /<(iframe|img|object|embed|base|form|a)\b/i);
  assert.not.match(html, /url\(\s*['"]?https?:/i);
  assert.not.match(html, /@import/i);
  assert.match(html, `default-src 'none'`);
  assert.not.match(page, /vega\.github\.io\/schema/); // no $schema URL in the specs
  // Charts can be saved as PNG/SVG (made in the page); no source, compiled or editor action (the editor would send the spec away).
  assert.match(html, "vegaEmbed(el, spec, { actions: EXPORT_ONLY, renderer: 'svg' })");
  assert.match(html, 'EXPORT_ONLY = { export: { svg: true, png: true }, source: false, compiled: false, editor: false }');
});

test('renderHtml: sections without spec make no chart, data-charts counts specs', () => {
  const html = renderHtml({
    title: 'T <x>',
    sections: [
      { heading: 'A', html: '<p>a</p>' },
      { heading: 'B', spec: { mark: 'bar' } },
    ],
  });
  assert.match(html, '<title>T &lt;x&gt;</title>');
  assert.match(html, 'data-charts="1"');
  assert.match(html, '<div class="chart" id="chart-0"></div>');
});

test.run();
