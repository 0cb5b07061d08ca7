/** Opens a report in headless Chromium and checks that it renders offline without errors. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export interface RenderCheckOptions {
  /** Write a full-page PNG here. */
  screenshot?: string;
  executablePath?: string;
  /** Write a PNG of the first screen (the viewport) here. */
  viewportScreenshot?: string;
  timeoutMs?: number;
  width?: number;
  height?: number;
  /** Texts to locate: for each, the top (px from the page top) of the smallest visible element holding it. */
  findTexts?: string[];
}

export interface RenderCheck {
  /** Charts that drew an SVG with at least one data mark. */
  charts: number;
  /** Charts the page declares (one per embedded spec). */
  expectedCharts: number;
  /** Data marks (rects, symbols, paths of role-mark groups) per chart, in page order. */
  marksPerChart: number[];
  /** console.error messages and uncaught page errors. */
  consoleErrors: string[];
  /** Errors the report displayed in its own error box (render failures included). */
  pageErrors: string[];
  /** Every request whose URL is not the report itself, nor data: or blob:. */
  requests: string[];
  /** For each of findTexts: getBoundingClientRect().top at scroll 0 of the smallest visible element holding it, null when not found or hidden. */
  textTops: Record<string, number | null>;
}

/** True when every chart drew marks and there were no errors and no requests. */
export function renderOk(c: RenderCheck): boolean {
  return c.charts === c.expectedCharts && c.marksPerChart.every((m) => m > 0) && !c.consoleErrors.length && !c.pageErrors.length && !c.requests.length;
}

export async function checkReportRenders(htmlPath: string, opts: RenderCheckOptions = {}): Promise<RenderCheck> {
  const executablePath = opts.executablePath ?? CHROMIUM;
  if (!existsSync(executablePath)) throw new Error(`cannot check the report: no Chromium at ${executablePath}`);
  const { chromium } = await import('playwright-core');
  const url = pathToFileURL(resolve(htmlPath)).href;
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: opts.width ?? 1200, height: opts.height ?? 900 } });
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    let timedOut = false;
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      const u = r.url();
      if (u !== url && !u.startsWith('data:') && !u.startsWith('blob:')) requests.push(u);
    });
    await page.goto(url, { waitUntil: 'load', timeout: opts.timeoutMs ?? 30_000 });
    await page.waitForSelector('body[data-rendered]', { state: 'attached', timeout: opts.timeoutMs ?? 30_000 }).catch(() => {
      timedOut = true;
    });
    const state = await page.evaluate(() => ({
      expected: Number(document.body.dataset.charts ?? 0),
      marks: [...document.querySelectorAll('.chart')].map((c) => c.querySelectorAll('svg .role-mark > *').length),
      shown: document.getElementById('report-errors')?.textContent ?? '',
    }));
    const textTops = await page.evaluate((texts: string[]) => {
      window.scrollTo(0, 0);
      const out: Record<string, number | null> = {};
      for (const t of texts) {
        let best: Element | null = null;
        for (const el of document.body.querySelectorAll('*')) {
          if (el.tagName === 'SCRIPT' || el.tagName === 'STYLE' || !(el.textContent ?? '').includes(t)) continue;
          const r = el.getBoundingClientRect();
          const cs = getComputedStyle(el);
          if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
          if (!best || best.contains(el)) best = el;
        }
        out[t] = best ? best.getBoundingClientRect().top : null;
      }
      return out;
    }, opts.findTexts ?? []);
    if (opts.viewportScreenshot) await page.screenshot({ path: opts.viewportScreenshot, fullPage: false });
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    return {
      charts: state.marks.filter((m) => m > 0).length,
      expectedCharts: state.expected,
      marksPerChart: state.marks,
      consoleErrors,
      pageErrors: [...state.shown.split('\n').filter(Boolean), ...(timedOut ? ['charts did not finish rendering before the timeout'] : [])],
      requests,
      textTops,
    };
  } finally {
    await browser.close();
  }
}
