/**
 * The report's coverage section (issue 28), from the run's ledger: per benchmark the cell matrix
 * (source x destination: cells ok of cells, and holes), the cells that are not ok or came from a
 * fill with each attempt's state and reason, the lost nodes, what YARN re-ran in Hadoop cells, and
 * how many rows a fill measured.
 * Every value passes through escapeHtml (htmlTable).
 */
import { latestCells, readLedger, type CellEntry, type LedgerEntry } from '../measurements/ledger.js';
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { escapeHtml } from './escape.js';
import { htmlTable } from './tables.js';
import type { Section } from './specs/common.js';

const stateText = (c: CellEntry): string => (c.state === 'ok' ? 'ok' : `${c.state}: ${c.reason ?? ''}`);

/** One matrix per benchmark: "ok/cells" per source and destination, a hole marked, a filled cell marked. */
function matrix(bench: string, cells: CellEntry[], history: Map<string, CellEntry[]>): string {
  const nodes = [...new Set(cells.flatMap((c) => [c.src, c.dst]))].sort();
  const srcs = nodes.filter((n) => cells.some((c) => c.src === n));
  const dsts = nodes.filter((n) => cells.some((c) => c.dst === n));
  const rows = srcs.map((s) => [
    s,
    ...dsts.map((d) => {
      const mine = cells.filter((c) => c.src === s && c.dst === d);
      if (!mine.length) return '';
      const ok = mine.filter((c) => c.state === 'ok').length;
      const filled = mine.some((c) => (history.get(c.key) ?? []).some((h) => h.attempt > 1 && h.state === 'ok'));
      const mark = ok < mine.length ? ' HOLE' : filled ? ' (filled)' : '';
      return { html: `<span class="${ok < mine.length ? 'bad' : 'ok'}">${escapeHtml(`${ok}/${mine.length}${mark}`)}</span>`, num: true };
    }),
  ]);
  return `<p>${escapeHtml(bench)}: cells ok of cells per source (row) and destination (column)</p>${htmlTable(['src \\ dst', ...dsts], rows)}`;
}

export function coverageSectionFrom(entries: readonly LedgerEntry[], rows: Measurement[]): Section | null {
  const latest = latestCells(entries);
  if (!latest.length) return null;
  const history = new Map<string, CellEntry[]>();
  for (const e of entries) if (e.type === 'cell') (history.get(e.key) ?? history.set(e.key, []).get(e.key)!).push(e);
  const ok = latest.filter((c) => c.state === 'ok').length;
  const attempts = entries.filter((e) => e.type === 'attempt');
  const fillRows = rows.filter((r) => (r.cell_attempt ?? 1) > 1).length;
  const lost = entries.filter((e) => e.type === 'lost');
  let html = `<p>${escapeHtml(
    `${latest.length} cells: ${ok} ok (${((100 * ok) / latest.length).toFixed(1)}%), ${latest.length - ok} not ok; ${attempts.length} attempt(s) (${attempts.map((a) => (a.type === 'attempt' ? `${a.attempt}: ${a.kind} at ${a.at}` : '')).join(', ')}); ${fillRows} of ${rows.length} rows came from a fill (cell_attempt 2 or more).`,
  )}</p>`;
  if (lost.length)
    html += htmlTable(
      ['lost node', 'incarnation', 'attempt', 'found gone at', 'why'],
      lost.map((l) => (l.type === 'lost' ? [l.node, l.incarnation, l.attempt, l.at, l.why] : [])),
    );
  const standIns = entries.filter((e) => e.type === 'stand-in');
  if (standIns.length)
    html += htmlTable(
      ['lost node', 'its role moved to spare', 'spare incarnation', 'attempt', 'at'],
      standIns.map((s) => (s.type === 'stand-in' ? [s.node, s.spare, s.incarnation, s.attempt, s.at] : [])),
    );
  // Hadoop cells: the jobs in which YARN re-ran task attempts or lost NodeManagers (from the jobs' own counters).
  const yarn = entries.flatMap((e) => (e.type === 'cell' ? (e.yarn ?? []).filter((j) => j.reran || j.lost_nodes?.length).map((j) => ({ c: e, j })) : []));
  if (yarn.length)
    html += htmlTable(
      ['cell', 'attempt', 'job', 'state', 'maps launched / failed / killed', 'reduces launched / failed / killed', 'NodeManagers lost'],
      yarn.map(({ c, j }) => [
        `${c.benchmark} ${c.src}>${c.dst} r${c.repetition}`,
        c.attempt,
        `${j.job}${j.id ? ` ${j.id}` : ''}`,
        j.state,
        `${j.maps_launched ?? '?'} / ${j.maps_failed ?? '?'} / ${j.maps_killed ?? '?'}`,
        `${j.reduces_launched ?? '?'} / ${j.reduces_failed ?? '?'} / ${j.reduces_killed ?? '?'}`,
        j.lost_nodes === null ? '(not known)' : j.lost_nodes.join(', '),
      ]),
    );
  for (const b of [...new Set(latest.map((c) => c.benchmark))])
    html += matrix(
      b,
      latest.filter((c) => c.benchmark === b),
      history,
    );
  // Cells that were not ok at some attempt: each attempt's state, and what ran them.
  const eventful = [...history.values()].filter((h) => h.some((c) => c.state !== 'ok' || c.stand_in) || h.length > 1);
  if (eventful.length) {
    const attemptNos = [...new Set(attempts.map((a) => (a.type === 'attempt' ? a.attempt : 0)))].sort((a, b) => a - b);
    html += `<p>${escapeHtml(`Cells with a hole in some attempt or run on a spare (${eventful.length}), the state of each attempt and the node incarnations that ran it:`)}</p>`;
    html += htmlTable(
      ['benchmark', 'src', 'dst', 'rep', 'params', ...attemptNos.map((a) => `attempt ${a}`), 'lineage (latest)'],
      eventful.slice(0, 500).map((h) => {
        const last = h[h.length - 1];
        const params = Object.entries(last.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        return [
          last.benchmark,
          last.src,
          last.dst,
          last.repetition,
          params,
          ...attemptNos.map((a) => {
            const c = h.filter((x) => x.attempt === a).pop();
            return c ? { html: `<span class="${c.state === 'ok' ? 'ok' : 'bad'}">${escapeHtml(stateText(c))}</span>` } : '';
          }),
          last.lineage.join(', ') +
            (last.stand_in
              ? ` (${Object.entries(last.stand_in)
                  .map(([n, sp]) => `${sp} for ${n}`)
                  .join(', ')})`
              : ''),
        ];
      }),
    );
  }
  return { heading: 'Coverage: cells, holes and fills', html };
}

/** The section for a run folder (null when it has no ledger). */
export function coverageSection(rows: Measurement[], _meta: RunMeta, runDir?: string): Section | null {
  return runDir ? coverageSectionFrom(readLedger(runDir), rows) : null;
}
