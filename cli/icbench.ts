/**
 * icbench: the command line around scenarios: report, clean, list.
 * Every subcommand takes --help / -h. Errors are one line "icbench <cmd>: <message>" on stderr.
 * Exit status: 0 ok; 1 the command failed (or clean left or refused something); 2 bad usage.
 */
import { parseArgs } from 'node:util';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { clean, RunIsLive } from '../session/clean.js';
import { UnknownForgetHost } from '../session/forget-host.js';
import { journaledHosts, orphanSummary } from '../infra/providers.js';
import { journaledRuns, keptRuns, readJournal, readKept, stateDir } from '../infra/journal.js';
import { RUN_ID_RE } from '../infra/run-id.js';
import { writeRunReport, writeSweepRunReport } from '../benchmarks/reports.js';
import { harnessVersion } from '../session/meta.js';
import { nightlyCmd } from './nightly.js';
import { type CliContext, compareCmd, historyCmd, trendCmd } from './history-commands.js';
import { fillCmd } from './fill.js';

const EXIT = `Exit status: 0 ok, 1 failure, 2 bad usage.`;

const HELP = `icbench: intercloud-bench command line

Usage:
  npx zx scenarios/<name>.mjs [--help]   run a scenario (e.g. scenarios/hokudai-nii.mjs)
  icbench report <run-id|run-dir|sweep-dir> [--results <dir>]
                                         (re)write report.html from measurements.csv and run.json
  icbench clean <run-id> | --all [--orphans] [--force] [--purge-cache]
                                         remove every namespace, link, bridge and process a run made
                                         (from its journal in ${stateDir()}); safe to repeat;
                                         --purge-cache: also what it shipped to real hosts' cache
  icbench clean <run-id> --forget-host <host>[,<host>...]
                                         clean, then drop real hosts gone for good that it cannot
                                         reach from the run's journal, on the record (not the host)
  icbench fill <run-id|run-dir> [--results <dir>]
                                         run only the cells of a run that are not ok (a lost
                                         node's) on a new testbed, into the same run folder
  icbench nightly <schedule.yaml> [--once]
                                         the nightly daemon (or one pass of what is due now)
  icbench list [results-dir]             result folders (run id, scenario, start, status, rows,
                                         report) and runs still holding lab resources
  icbench history [--scenario S] | history rebuild
                                         indexed runs, their status and regressions; re-index
  icbench compare <run> <run> [...]      one offline report of runs side by side, with the differences
  icbench trend [--scenario S] [--benchmark B]
                                         one offline HTML: every series over time, regressions marked
  icbench <command> --help               help of one command
  icbench --version | --help

${EXIT} Errors are printed as "icbench <command>: <message>".
`;

const REPORT_HELP = `Usage: icbench report <run-id | run-dir | sweep-dir> [--results <dir>]

(Re)writes report.html from measurements.csv and run.json and prints its path. A sweep
directory (holding sweep.json) gets one report with every point's rows.

  <run-id>         e.g. 20261122-034901-a1b2: looked up under --results (also inside sweeps)
  <run-dir>        a folder holding measurements.csv and run.json
  <sweep-dir>      a folder holding sweep.json
  --results <dir>  where to look a run id up (default: results)
  -h, --help       this text

${EXIT}
`;

const CLEAN_HELP = `Usage: icbench clean <run-id> | --all [--orphans] [--force] [--purge-cache]
       icbench clean <run-id> --forget-host <host>[,<host>...] [--forget-host <host>]

Removes what a run made (containers, namespaces, processes, files), from its journal in
${stateDir()}, also after the harness was killed with -9. Safe to repeat.
A run on real hosts keeps its journal while a host cannot be reached (it is cleaned later).

  <run-id>            one run, e.g. 20261122-034901-a1b2; refused while its process still runs
  --all               every journaled run; runs whose process still runs are skipped
  --orphans           also remove namespaces and containers named like a run's but in no journal
  --force             remove a run even though its process still runs
  --purge-cache       also remove what the run shipped to real hosts' content-addressed cache
                      (/var/cache/icbench-remote/<sha256>, e.g. the lab Terasort worker's code).
                      Without it a clean keeps that cache (later runs reuse it), says so, and
                      keeps it on record (<run-id>.kept in the state dir; icbench list shows
                      it), so that clean <run-id> --purge-cache can remove it later. With
                      --all: every journaled run and every run with a kept cache.
  --forget-host HOST  a real host gone for good (reinstalled, decommissioned), by its inventory
                      name as journaled (repeat it, or separate names with commas): first a
                      normal clean; then, if that could not reach it, its part of the run is
                      dropped from the run's journal (nothing is removed on the host) and
                      recorded: in the journal (who, when, why: its last error), in run.json's
                      failures, and printed. A host that answered is never forgotten (nothing
                      left there, or it said what it could not remove). A name not in the
                      journal is refused (exit 2); so is --all. Refused on a live run, even
                      with --force.
  -h, --help          this text

Exit status: 0 clean, 1 something left or a live run refused, 2 bad usage.
`;

const LIST_HELP = `Usage: icbench list [results-dir]

Lists the result folders in results-dir (default: results): run id, scenario, start, status,
rows and report path (a sweep: its points done), then the runs whose lab resources are still
journaled (remove them with icbench clean <run-id>), then what cleans kept on real hosts on
purpose (shipped caches reused by later runs; remove with icbench clean <run-id> --purge-cache).

  -h, --help  this text

${EXIT}
`;

/** A usage or input error: exit 2. */
class Usage extends Error {}
/** The command could not do its work: exit 1. */
class Failure extends Error {}

function parse<T extends Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }>>(cmd: string, args: string[], options: T) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    // Node's messages carry a hint about "--" for positionals; keep the first sentence.
    throw new Usage(`${(e as Error).message.split('. ')[0].replace(/\.$/, '')} (see icbench ${cmd} --help)`);
  }
}

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Resolves a run id or a path to a run or sweep directory. */
export function resolveRunDir(target: string, resultsRoot = 'results'): string {
  if (existsSync(target) && statSync(target).isDirectory()) return target;
  if (RUN_ID_RE.test(target) || /^[\w.-]+$/.test(target)) {
    const hits: string[] = [];
    if (existsSync(resultsRoot)) {
      const direct = join(resultsRoot, target);
      if (existsSync(direct)) hits.push(direct);
      for (const d of readdirSync(resultsRoot)) {
        const sub = join(resultsRoot, d);
        if (!statSync(sub).isDirectory()) continue;
        // a sweep folder <scenario>-<id>, or a run inside a sweep
        if (d !== target && d.endsWith(`-${target}`) && existsSync(join(sub, 'sweep.json'))) hits.push(sub);
        if (existsSync(join(sub, 'sweep.json')) && existsSync(join(sub, target))) hits.push(join(sub, target));
      }
    }
    if (hits.length === 1) return hits[0];
    if (hits.length > 1) throw new Usage(`run id ${target} matches several folders: ${hits.join(', ')}; give the path`);
    throw new Usage(`${target}: no such directory, and no run ${target} under ${resultsRoot}/ (see icbench list ${resultsRoot})`);
  }
  throw new Usage(`${target}: no such directory`);
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parse('report', args, { results: { type: 'string' } });
  if (values.help) {
    out(REPORT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new Usage('expected one run id or directory, e.g. 20261122-034901-a1b2 or results/20261122-034901-a1b2');
  const dir = resolveRunDir(positionals[0], (values.results as string | undefined) ?? 'results');
  if (existsSync(join(dir, 'sweep.json'))) {
    out(await writeSweepRunReport(dir));
    return 0;
  }
  if (!existsSync(join(dir, 'measurements.csv')) || !existsSync(join(dir, 'run.json')))
    throw new Usage(`${dir}: expected a run directory holding measurements.csv and run.json, or a sweep directory holding sweep.json`);
  try {
    out(await writeRunReport(dir));
  } catch (e) {
    throw new Failure(`${dir}: report not written: ${(e as Error).message}`);
  }
  return 0;
}

/** --forget-host values (repeated, or comma-separated) as host names; an empty name is bad usage. */
function forgetHostNames(given: string[] | undefined): string[] {
  const names = (given ?? []).flatMap((v) => v.split(',').map((x) => x.trim()));
  if (names.some((n) => n === ''))
    throw new Usage(`--forget-host: expected host names (as in the run's journal), comma-separated, got ${given!.map((v) => JSON.stringify(v)).join(', ')}`);
  return [...new Set(names)];
}

async function cleanCmd(args: string[]): Promise<number> {
  const { values, positionals } = parse('clean', args, {
    all: { type: 'boolean' },
    orphans: { type: 'boolean' },
    force: { type: 'boolean' },
    'forget-host': { type: 'string', multiple: true },
    'purge-cache': { type: 'boolean' },
  });
  if (values.help) {
    out(CLEAN_HELP);
    return 0;
  }
  const forgetHosts = forgetHostNames(values['forget-host'] as string[] | undefined);
  if (forgetHosts.length && values.all) throw new Usage('--forget-host needs one run id, not --all (see icbench clean --help)');
  if ((values.all ? 1 : 0) + positionals.length !== 1) throw new Usage('expected a run id or --all (see icbench clean --help)');
  const target = values.all ? 'all' : positionals[0];
  if (target !== 'all' && !RUN_ID_RE.test(target)) throw new Usage(`expected a run id like 20261122-034901-a1b2 or --all, got ${JSON.stringify(target)}`);
  let r: Awaited<ReturnType<typeof clean>>;
  try {
    r = await clean(target, {
      orphans: values.orphans as boolean | undefined,
      force: values.force as boolean | undefined,
      forgetHosts,
      purgeCache: values['purge-cache'] as boolean | undefined,
      log: out,
    });
  } catch (e) {
    if (e instanceof RunIsLive) throw new Failure(e.message.replace(/^clean: /, ''));
    if (e instanceof UnknownForgetHost) throw new Usage(e.message);
    throw e;
  }
  if (r.cleaned.length === 0 && r.left.length === 0 && r.orphansRemoved === 0 && r.skipped.length === 0 && r.forgotten.length === 0) out('nothing to clean');
  return r.left.length ? 1 : 0;
}

export interface ListedFolder {
  id: string;
  kind: 'run' | 'sweep' | 'other';
  scenario: string;
  start: string;
  status: string;
  rows: number | null;
  report: string | null;
  path: string;
}

function countRows(csv: string): number | null {
  if (!existsSync(csv)) return null;
  const text = readFileSync(csv, 'utf8');
  // Rows may hold quoted newlines only in reason text; a line count is close enough for a listing.
  return Math.max(0, text.split('\n').filter((l) => l.trim()).length - 1);
}

/** What a result folder holds, from its run.json or sweep.json (never throws). */
export function describeFolder(path: string): ListedFolder {
  const id = basename(path);
  const report = existsSync(join(path, 'report.html')) ? join(path, 'report.html') : null;
  try {
    if (existsSync(join(path, 'sweep.json'))) {
      const s = JSON.parse(readFileSync(join(path, 'sweep.json'), 'utf8')) as {
        sweep_id: string;
        scenario: string;
        created_at: string;
        points: { status: string; run_id?: string }[];
      };
      const done = s.points.filter((p) => p.status === 'ok').length;
      const rows = s.points.map((p) => (p.run_id ? countRows(join(path, p.run_id, 'measurements.csv')) : null)).reduce<number>((a, n) => a + (n ?? 0), 0);
      return {
        id,
        kind: 'sweep',
        scenario: s.scenario,
        start: s.created_at,
        status: `sweep ${done}/${s.points.length} points ok`,
        rows,
        report,
        path,
      };
    }
    if (existsSync(join(path, 'run.json'))) {
      const m = JSON.parse(readFileSync(join(path, 'run.json'), 'utf8')) as { scenario: string; started_at: string; status: string };
      return { id, kind: 'run', scenario: m.scenario, start: m.started_at, status: m.status, rows: countRows(join(path, 'measurements.csv')), report, path };
    }
  } catch (e) {
    return { id, kind: 'other', scenario: '?', start: '?', status: `unreadable: ${(e as Error).message}`, rows: null, report, path };
  }
  return { id, kind: 'other', scenario: '-', start: '-', status: 'no run.json', rows: countRows(join(path, 'measurements.csv')), report, path };
}

/** Rows of text padded into columns. */
function columns(rows: string[][]): string[] {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  '));
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse('list', args, {});
  if (values.help) {
    out(LIST_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new Usage('expected at most one results directory');
  const root = positionals[0] ?? 'results';
  if (positionals[0] !== undefined && !existsSync(root)) throw new Usage(`${root}: no such directory`);
  if (existsSync(root)) {
    const dirs = readdirSync(root)
      .filter((d) => statSync(join(root, d)).isDirectory())
      .sort()
      .map((d) => describeFolder(join(root, d)));
    out(`result folders in ${resolve(root)}: ${dirs.length}`);
    if (dirs.length)
      for (const line of columns([
        ['run id', 'scenario', 'start', 'status', 'rows', 'report'],
        ...dirs.map((d) => [d.id, d.scenario, d.start, d.status, d.rows === null ? '-' : String(d.rows), d.report ?? '(none)']),
      ]))
        out(`  ${line}`);
  } else out(`no results directory ${root}`);
  const runs = journaledRuns();
  out(runs.length ? 'runs holding lab resources (remove with icbench clean <run-id>):' : 'no run holds lab resources');
  for (const r of runs) {
    const e = readJournal(join(stateDir(), `${r}.journal`));
    const head = e.find((x) => x.kind === 'run');
    const hosts = await journaledHosts(e);
    out(
      `  ${r}  ${head && head.kind === 'run' ? `${head.scenario} pid ${head.pid}` : ''}  ${e.filter((x) => x.kind === 'netns').length} namespaces${hosts.length ? `  hosts ${hosts.join(', ')}` : ''}`,
    );
  }
  for (const r of keptRuns()) {
    for (const e of readKept(r))
      if (e.kind === 'remote-cache')
        out(
          `  ${r}  kept: ${e.bundle} (${Math.ceil(e.bytes / 1024)} kB) in /var/cache/icbench-remote/${e.sha256} on ${e.hosts.join(', ')} (icbench clean ${r} --purge-cache)`,
        );
  }
  for (const line of await orphanSummary()) out(line);
  return 0;
}

const historyContext = (): CliContext => ({
  parse: (cmd, args, options) => parse(cmd, args, options) as ReturnType<CliContext['parse']>,
  out,
  usage: (m) => new Usage(m),
  failure: (m) => new Failure(m),
  resolveRunDir,
  columns,
});

export async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
        process.stderr.write(HELP);
        return 2;
      case '-h':
      case '--help':
      case 'help':
        out(HELP);
        return 0;
      case '--version':
      case 'version':
        out(harnessVersion().version);
        return 0;
      case 'report':
        return await report(rest);
      case 'clean':
        return await cleanCmd(rest);
      case 'list':
        return await list(rest);
      case 'nightly':
        return await nightlyCmd(rest);
      case 'history':
        return await historyCmd(rest, historyContext());
      case 'compare':
        return await compareCmd(rest, historyContext());
      case 'trend':
        return await trendCmd(rest, historyContext());
      case 'fill':
        return await fillCmd(rest, historyContext());
      default:
        throw new Usage(`unknown command ${JSON.stringify(cmd)} (commands: report, clean, list, fill, nightly, history, compare, trend; see icbench --help)`);
    }
  } catch (e) {
    const where = cmd && ['report', 'clean', 'list', 'fill', 'history', 'compare', 'trend'].includes(cmd) ? `icbench ${cmd}` : 'icbench';
    if (e instanceof Usage) {
      process.stderr.write(`${where}: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`${where}: ${(e as Error).message}\n`);
    return 1;
  }
}
