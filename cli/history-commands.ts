/** icbench history | history rebuild | compare | trend: the history commands of the command line. */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readHistory } from '../measurements/history/db.js';
import { listMissed, listRuns, trendSeries } from '../measurements/history/query.js';
import { loadRun } from '../measurements/reader.js';
import { type CompareRun, writeCompareReport } from '../reports/compare.js';
import { writeTrendReport } from '../reports/trend.js';
import { rebuildHistory } from '../session/history.js';

export interface CliContext {
  parse: (
    cmd: string,
    args: string[],
    options: Record<string, { type: 'boolean' | 'string'; short?: string }>,
  ) => {
    values: Record<string, string | boolean | undefined>;
    positionals: string[];
  };
  out: (s: string) => void;
  usage: (msg: string) => Error;
  failure: (msg: string) => Error;
  resolveRunDir: (target: string, resultsRoot?: string) => string;
  columns: (rows: string[][]) => string[];
}

const EXIT = 'Exit status: 0 ok, 1 failure, 2 bad usage.';

export const HISTORY_HELP = `Usage: icbench history [--scenario S] [--results <dir>]
       icbench history rebuild [--results <dir>]

Lists the runs indexed in the history database (<results>/history.sqlite): run id, scenario,
start, status, origin (manual or nightly entry), regressions found (confirmed / suspect), and
the nightly slots recorded as missed. Every finished run is indexed when it ends.

"rebuild" re-indexes every run folder under <results> (and inside sweep folders) oldest first,
in one transaction, re-running the regression detection and rewriting each regressions.json.
The run folders are the source of truth; missed slots are kept.

  --scenario S     only runs of scenario S
  --results <dir>  the results directory (default: results)
  -h, --help       this text

${EXIT}
`;

export const COMPARE_HELP = `Usage: icbench compare <run> <run> [<run> ...] [--results <dir>] [--out <file>]

Writes one offline HTML report of two or more runs side by side (same or different scenarios)
and prints its path. Series are matched by benchmark, metric, path, site pair, parameters and
virt; each difference against the first run comes with its 95% interval (Hodges-Lehmann) and n
per side; series found in some runs only are listed.

  <run>            a run id (looked up under --results) or a run directory
  --results <dir>  where run ids are looked up (default: results)
  --out <file>     the HTML file (default: <results>/compare-<run>-<run>.html)
  -h, --help       this text

${EXIT}
`;

export const TREND_HELP = `Usage: icbench trend [--scenario S] [--benchmark B] [--results <dir>] [--out <file>]

Writes one offline HTML of every series of the history over time and prints its path: the
median of each run (linking to its report), the baseline band, suspects, confirmed regressions
and change points.

  --scenario S     only series of scenario S
  --benchmark B    only series of benchmark B (iperf3, ping, pgbench, ...)
  --results <dir>  the results directory (default: results)
  --out <file>     the HTML file (default: <results>/trend.html)
  -h, --help       this text

${EXIT}
`;

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export async function historyCmd(args: string[], c: CliContext): Promise<number> {
  const { values, positionals } = c.parse('history', args, { scenario: { type: 'string' }, results: { type: 'string' } });
  if (values.help) {
    c.out(HISTORY_HELP);
    return 0;
  }
  const root = str(values.results) ?? 'results';
  if (positionals.length > 1 || (positionals.length === 1 && positionals[0] !== 'rebuild'))
    throw c.usage(`expected no argument or "rebuild", got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`);
  if (positionals[0] === 'rebuild') {
    if (values.scenario) throw c.usage('rebuild re-indexes every run: --scenario does not apply');
    if (!existsSync(root)) throw c.usage(`${root}: no such results directory`);
    const t0 = performance.now();
    const r = await rebuildHistory(root);
    c.out(
      `history rebuilt: ${r.indexed} runs indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s into ${join(resolve(root), 'history.sqlite')}; ` +
        `${r.confirmed} confirmed and ${r.suspect} suspect regressions`,
    );
    for (const s of r.skipped) c.out(`  skipped ${s.dir}: ${s.error}`);
    return r.skipped.length ? 1 : 0;
  }
  const scenario = str(values.scenario);
  const data = await readHistory(root, (db) => ({ runs: listRuns(db, scenario), missed: listMissed(db, scenario) }));
  if (!data) {
    c.out(`no history in ${resolve(root)} yet (it is created when a run ends; icbench history rebuild --results ${root} indexes existing runs)`);
    return 0;
  }
  c.out(`runs in the history of ${resolve(root)}${scenario ? ` (scenario ${scenario})` : ''}: ${data.runs.length}`);
  if (data.runs.length)
    for (const line of c.columns([
      ['run id', 'scenario', 'start', 'status', 'origin', 'regressions', 'report'],
      ...data.runs.map((r) => [
        r.run_id,
        r.scenario,
        r.started_at,
        r.status,
        r.origin === 'nightly' ? `nightly ${r.origin_entry} ${r.origin_slot}` : r.origin,
        r.confirmed || r.suspect ? `${r.confirmed} confirmed, ${r.suspect} suspect` : 'none',
        r.report_path ?? '(none)',
      ]),
    ]))
      c.out(`  ${line}`);
  if (data.missed.length) {
    c.out(`missed nightly slots: ${data.missed.length}`);
    for (const line of c.columns([['entry', 'scenario', 'slot', 'reason'], ...data.missed.map((m) => [m.entry, m.scenario, m.slot, m.reason])]))
      c.out(`  ${line}`);
  }
  return 0;
}

export async function compareCmd(args: string[], c: CliContext): Promise<number> {
  const { values, positionals } = c.parse('compare', args, { results: { type: 'string' }, out: { type: 'string' } });
  if (values.help) {
    c.out(COMPARE_HELP);
    return 0;
  }
  if (positionals.length < 2) throw c.usage('expected two or more runs (ids or directories)');
  const root = str(values.results) ?? 'results';
  const dirs = positionals.map((p) => c.resolveRunDir(p, root));
  for (const d of dirs)
    if (!existsSync(join(d, 'measurements.csv')) || !existsSync(join(d, 'run.json')))
      throw c.usage(`${d}: expected a run directory holding measurements.csv and run.json`);
  const runs: CompareRun[] = [];
  for (const dir of dirs) {
    try {
      const { rows, meta } = await loadRun(dir);
      runs.push({ dir: resolve(dir), rows, meta });
    } catch (e) {
      throw c.failure(`${dir}: ${(e as Error).message}`);
    }
  }
  const name = `compare-${runs
    .map((r) => basename(r.dir))
    .slice(0, 4)
    .join('-')}${runs.length > 4 ? `-and-${runs.length - 4}-more` : ''}.html`;
  const out = str(values.out) ?? join(existsSync(root) ? root : '.', name);
  c.out(await writeCompareReport(runs, resolve(out)));
  return 0;
}

export async function trendCmd(args: string[], c: CliContext): Promise<number> {
  const { values, positionals } = c.parse('trend', args, {
    scenario: { type: 'string' },
    benchmark: { type: 'string' },
    results: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    c.out(TREND_HELP);
    return 0;
  }
  if (positionals.length) throw c.usage(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const root = str(values.results) ?? 'results';
  const filter = { scenario: str(values.scenario), benchmark: str(values.benchmark) };
  const data = await readHistory(root, (db) => ({ series: trendSeries(db, filter), missed: listMissed(db, filter.scenario) }));
  if (!data) throw c.failure(`no history in ${resolve(root)} (icbench history rebuild --results ${root} indexes existing runs)`);
  if (!data.series.length)
    throw c.failure(
      `no series in the history${filter.scenario ? ` for scenario ${filter.scenario}` : ''}${filter.benchmark ? ` and benchmark ${filter.benchmark}` : ''}`,
    );
  const out = resolve(str(values.out) ?? join(root, 'trend.html'));
  c.out(await writeTrendReport({ ...data, resultsRoot: resolve(root), filter }, out));
  return 0;
}
