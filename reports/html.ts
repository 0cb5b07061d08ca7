/**
 * One self-contained HTML file: vega, vega-lite and vega-embed inlined from node_modules, specs
 * embedded as escaped JSON, a Content-Security-Policy that forbids every network load, and any
 * render or console error shown in the page itself.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { escapeHtml, jsonForScript } from './escape.js';
import type { Section } from './specs/common.js';

export type { Section } from './specs/common.js';

const require = createRequire(import.meta.url);
const libCache = new Map<string, string>();

/** Reads <package>/build/<file> of an installed package (their "exports" hide build/ from resolve). */
export function readLibrary(pkg: string, file: string): string {
  const key = `${pkg}/${file}`;
  const hit = libCache.get(key);
  if (hit !== undefined) return hit;
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`package.json of ${pkg} not found above ${require.resolve(pkg)}`);
    dir = up;
  }
  const path = join(dir, 'build', file);
  if (!existsSync(path)) throw new Error(`${pkg}: expected ${path} to inline into the report, it is missing`);
  // "<\/script" is the same string to JS, but cannot end the <script> element early.
  const code = readFileSync(path, 'utf8').replace(/<\/script/gi, '<\\/script');
  libCache.set(key, code);
  return code;
}

const CSP = "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; form-action 'none'; base-uri 'none'";

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto; max-width: 1100px; padding: 0 16px; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 4px; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .6em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #b3261e; font-weight: 600; }
.key li { font-weight: 600; } .note { color: #555; } .chart { margin: .8em 0; } pre { background: #f6f6f6; padding: 6px; overflow-x: auto; font-size: 12px; }
#report-errors { border: 2px solid #b3261e; background: #fdecea; color: #b3261e; padding: 8px 12px; white-space: pre-wrap; }
#report-errors[hidden] { display: none; }
.warn { color: #8a5a00; font-weight: 600; }
.banner { padding: 8px 14px; margin: .4em 0 .8em; border-radius: 4px; } .banner ul { margin: .3em 0; padding-left: 1.2em; } .banner p { margin: .3em 0; }
.banner-red { border: 2px solid #b3261e; background: #fdecea; color: #7a1a14; }
.banner-amber { border: 2px solid #c98a00; background: #fff4d6; color: #5c3d00; }
table.headlines th.headline-label { white-space: nowrap; } table.headlines td.headline-value { font-weight: 600; }
ul.warnings { color: #8a5a00; margin: .3em 0; } ul.notes { color: #555; margin: .3em 0; }
details > summary { cursor: pointer; color: #555; }
`;

/** Runs first: records every error and console.error, and shows them at the top of the page. */
const ERROR_HOOK = `(function () {
  var box = document.getElementById('report-errors');
  window.__reportErrors = [];
  window.__reportError = function (msg) {
    window.__reportErrors.push(String(msg));
    box.hidden = false;
    box.textContent += 'Report error: ' + msg + '\\n';
  };
  var orig = console.error;
  console.error = function () {
    window.__reportError(Array.prototype.map.call(arguments, String).join(' '));
    return orig.apply(console, arguments);
  };
  window.addEventListener('error', function (e) { window.__reportError(e.message || String(e)); });
  window.addEventListener('unhandledrejection', function (e) { window.__reportError('unhandled rejection: ' + (e.reason && e.reason.message || e.reason)); });
})();`;

/** Embeds every chart; sets document.body.dataset.rendered once all have finished or failed. */
const EMBED = `(function () {
  // Save as PNG or SVG, made in the page: no action that opens the editor or sends data away.
  var EXPORT_ONLY = { export: { svg: true, png: true }, source: false, compiled: false, editor: false };
  var jobs = [];
  document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (s) {
    var el = document.getElementById(s.getAttribute('data-chart'));
    try {
      if (typeof vegaEmbed !== 'function') throw new Error('vega-embed did not load');
      var spec = JSON.parse(s.textContent);
      jobs.push(vegaEmbed(el, spec, { actions: EXPORT_ONLY, renderer: 'svg' }).catch(function (e) {
        el.textContent = 'This chart failed to render: ' + e.message;
        window.__reportError(el.id + ': ' + e.message);
      }));
    } catch (e) {
      el.textContent = 'This chart failed to render: ' + e.message;
      window.__reportError(el.id + ': ' + e.message);
    }
  });
  Promise.all(jobs).then(function () { document.body.setAttribute('data-rendered', String(jobs.length)); });
})();`;

export interface RenderOptions {
  title: string;
  sections: Section[];
  /** HTML (already escaped) shown first, right under the title: the failed/degraded banner. */
  banner?: string;
}

export function renderHtml({ title, sections, banner }: RenderOptions): string {
  let chart = 0;
  const body = sections.map((s) => {
    const parts = [`<section>\n<h2>${escapeHtml(s.heading)}</h2>`];
    if (s.html) parts.push(s.html);
    if (s.spec) {
      const id = `chart-${chart++}`;
      parts.push(`<div class="chart" id="${id}"></div>`);
      parts.push(`<script type="application/json" data-chart="${id}">${jsonForScript(s.spec)}</script>`);
    }
    parts.push('</section>');
    return parts.join('\n');
  });
  const lib = (pkg: string, file: string): string => `<script>/* ${pkg} (inlined) */\n${readLibrary(pkg, file)}\n</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body data-charts="${chart}">
<h1>${escapeHtml(title)}</h1>
${banner ?? ''}
<div id="report-errors" hidden></div>
<script>${ERROR_HOOK}</script>
${body.join('\n')}
${lib('vega', 'vega.min.js')}
${lib('vega-lite', 'vega-lite.min.js')}
${lib('vega-embed', 'vega-embed.min.js')}
<script>${EMBED}</script>
</body>
</html>
`;
}
