/**
 * Elastic Hadoop (Kumoi experiment): TeraSort throughput of each job of the stream against time,
 * with a rule where each added worker joined, and a table of join / first-task times per worker.
 */
import type { Measurement } from '../../measurements/measurement.js';
import { escapeHtml } from '../escape.js';
import { fmt, type Section } from './common.js';

const ok = (r: Measurement) => r.status === 'ok' && r.value !== null;
const num = (v: unknown) => (typeof v === 'number' ? v : Number.NaN);

export function elasticSections(rows: Measurement[]): Section[] {
  const el = rows.filter((r) => r.benchmark === 'hadoop-elastic');
  const jobs = el.filter((r) => r.metric === 'job_throughput' && ok(r));
  if (!el.length) return [];
  const joins = el.filter((r) => r.metric === 'worker_join');
  const first = new Map(el.filter((r) => r.metric === 'worker_first_task').map((r) => [r.dst_node, r]));
  const points = jobs.map((r) => ({
    t: (num(r.params.t_start_s) + num(r.params.t_end_s)) / 2,
    t_start: num(r.params.t_start_s),
    t_end: num(r.params.t_end_s),
    mbps: r.value,
    workers: num(r.params.workers),
    job: num(r.params.job),
  }));
  const rules = joins.filter(ok).map((r) => ({ t: num(r.params.t_added_s) + (r.value as number), worker: `${r.dst_node} (${r.dst_site})` }));
  const failedRows = el.filter((r) => r.status !== 'ok');
  const table =
    `<table><tr><th>worker</th><th>site</th><th>added at (s)</th><th>joined after (s)</th><th>first task after (s)</th></tr>` +
    joins
      .map((r) => {
        const f = first.get(r.dst_node);
        const cell = (x: Measurement | undefined) => (x && ok(x) ? fmt(x.value as number, 1) : escapeHtml(x?.reason || '—'));
        return `<tr><td>${escapeHtml(r.dst_node)}</td><td>${escapeHtml(r.dst_site)}</td><td>${fmt(num(r.params.t_added_s), 1)}</td><td>${cell(r)}</td><td>${cell(f)}</td></tr>`;
      })
      .join('') +
    '</table>';
  const note =
    `<p class="note">Each dot is one TeraSort job of the stream (n = ${jobs.length} jobs), placed at the middle of its run; ` +
    `its label is the number of workers registered when it started. Dashed rules: the moment each added worker's NodeManager ` +
    `was seen RUNNING at the ResourceManager (polled; resolution = poll interval). Single runs: no interval is drawn.</p>` +
    (failedRows.length ? `<p class="bad">${failedRows.length} row(s) failed; see "Failed samples".</p>` : '');
  return [
    {
      heading: 'Elastic Hadoop: throughput while workers join (Kumoi analogue)',
      html: note + table,
      spec: {
        width: 640,
        height: 300,
        layer: [
          {
            data: { values: points },
            mark: { type: 'line', point: true },
            encoding: {
              x: { field: 't', type: 'quantitative', title: 'Time since the job stream began (s)' },
              y: { field: 'mbps', type: 'quantitative', title: 'TeraSort MB/s (one job)', scale: { zero: true } },
              tooltip: [{ field: 'job' }, { field: 'workers' }, { field: 't_start' }, { field: 't_end' }, { field: 'mbps', format: ',.2f' }],
            },
          },
          {
            data: { values: points },
            mark: { type: 'text', dy: -10 },
            encoding: { x: { field: 't', type: 'quantitative' }, y: { field: 'mbps', type: 'quantitative' }, text: { field: 'workers' } },
          },
          {
            data: { values: rules },
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { x: { field: 't', type: 'quantitative' }, tooltip: [{ field: 'worker' }, { field: 't', format: ',.1f' }] },
          },
        ],
      },
    },
  ];
}
