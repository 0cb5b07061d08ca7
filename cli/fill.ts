/**
 * `icbench fill <run>`: completes a run that lost nodes (issue 28). Starts the run's own scenario
 * script with its own options again (run.json `entry`) with ICBENCH_FILL=<run dir>: the session
 * brings up a testbed of the same shape, runs only the cells the ledger does not have ok,
 * appends their rows to the same folder (the next attempt, new node incarnations), and rewrites
 * run.json (`fills[]`, `coverage`) and report.html. The scenario refuses (exit 2, nothing
 * created) when the harness version or a parameter differs from the run's.
 */
import { existsSync } from 'node:fs';
import { coverageLine, coverageOf, readLedger } from '../measurements/ledger.js';
import { FILL_ENV, loadFillTarget } from '../session/cells-run.js';
import { startScenario } from '../session/nightly/scenario-process.js';
import { ConfigError } from '../infra/units.js';
import type { CliContext } from './history-commands.js';

export const FILL_HELP = `Usage: icbench fill <run-id | run-dir> [--results <dir>]

Runs the cells of a run that are not ok (missing: a node was lost; failed) on a new testbed of
the same shape, and adds their rows to the same run folder as the next attempt. The ledger
(ledger.jsonl) keeps every attempt with its node incarnations; run.json gets the fill in
fills[] and the coverage over all attempts; report.html is rewritten.
Refused when the harness version or commit, or a scenario parameter, differs from the run's
(the cells would not be comparable): start a new run instead.

  <run-id>         e.g. 20261122-034901-a1b2, looked up under --results
  <run-dir>        a run folder holding run.json and ledger.jsonl
  --results <dir>  where to look a run id up (default: results)
  -h, --help       this text

Exit status: the scenario's (0 ok or degraded, 1 failure, 2 refused or bad usage).
`;

export async function fillCmd(args: string[], c: CliContext): Promise<number> {
  const { values, positionals } = c.parse('fill', args, { results: { type: 'string' } });
  if (values.help) {
    c.out(FILL_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw c.usage('expected one run id or run folder (see icbench fill --help)');
  const dir = c.resolveRunDir(positionals[0], (values.results as string | undefined) ?? 'results');
  let t: ReturnType<typeof loadFillTarget>;
  try {
    t = loadFillTarget(dir, '<run>');
  } catch (e) {
    if (e instanceof ConfigError) throw c.usage(e.message);
    throw e;
  }
  // An interrupted or failed run may have cells the ledger never saw: the fill runs those too.
  if (t.todo.size === 0 && (t.meta.status === 'ok' || t.meta.status === 'degraded')) {
    c.out(`nothing to fill: ${coverageLine(coverageOf(t.entries))}`);
    return 0;
  }
  const entry = t.meta.entry;
  if (!entry) throw c.failure(`${dir}: run.json has no entry (the run was not started from a scenario script), so it cannot be filled`);
  if (!existsSync(entry.script)) throw c.failure(`${dir}: its scenario script ${entry.script} is not there any more`);
  c.out(`filling ${t.meta.run_id}: ${t.todo.size} cell(s) not ok, attempt ${t.attempt}, with ${entry.script} ${entry.args.join(' ')}`);
  const env: Record<string, string> = { [FILL_ENV]: t.dir };
  const p = startScenario(entry.script, entry.args, { cwd: process.cwd(), env: { ...env, ICBENCH_RUN_ID: '' }, onLine: c.out });
  // The scenario runs in its own process group: Ctrl-C here is passed on (it keeps what it measured and tears down).
  const pass = (sig: NodeJS.Signals) => p.child.kill(sig);
  process.on('SIGINT', pass);
  process.on('SIGTERM', pass);
  try {
    const r = await p.exited;
    c.out(coverageLine(coverageOf(readLedger(t.dir))));
    return r.code ?? 1;
  } finally {
    process.off('SIGINT', pass);
    process.off('SIGTERM', pass);
  }
}
