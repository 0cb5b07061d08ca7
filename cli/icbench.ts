/** icbench: the command line around scenarios: report, clean, list. */
import { parseArgs } from 'node:util';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { clean, orphanNamespaces, RunIsLive } from '../session/clean.js';
import { journaledRuns, readJournal, stateDir } from '../infra/journal.js';
import { RUN_ID_RE } from '../infra/run-id.js';
import { writeReport } from '../reports/report.js';
import { writeSweepReport } from '../reports/sweep-report.js';
import { harnessVersion } from '../session/meta.js';

const HELP = `icbench: intercloud-bench command line

Usage:
  npx zx scenarios/<name>.mjs [--help]   run a scenario (e.g. scenarios/hokudai-nii.mjs)
  icbench report <run-dir|sweep-dir>     (re)write report.html from measurements.csv and run.json
                                         (a sweep directory: every point's rows in one report)
  icbench clean <run-id> | --all [--orphans] [--force]
                                         remove every namespace, link, bridge and process a run made
                                         (from its journal in ${stateDir()}); safe to repeat
  icbench list [results-dir]             runs with a journal (not yet cleaned) and result directories
  icbench --version | --help
`;

const CLEAN_HELP = `Usage: icbench clean <run-id> | --all [--orphans] [--force]

Removes what a run made (containers, namespaces, processes, files), from its journal in
${stateDir()}, also after the harness was killed with -9. Safe to repeat.

  <run-id>    one run, e.g. 20261122-034901-a1b2; refused while its process still runs
  --all       every journaled run; runs whose process still runs are skipped
  --orphans   also remove namespaces and containers named like a run's but in no journal
  --force     remove a run even though its process still runs
  -h, --help  this text

Exit status: 0 clean, 1 something left or a live run refused, 2 bad usage.
`;

export async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const out = (s: string) => process.stdout.write(s + '\n');
  switch (cmd) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out(HELP);
      return cmd === undefined ? 2 : 0;
    case '--version':
    case 'version':
      out(harnessVersion().version);
      return 0;
    case 'report': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      if (positionals.length !== 1) {
        process.stderr.write('icbench report: expected one run directory, e.g. results/20261122-034901-a1b2\n');
        return 2;
      }
      const dir = positionals[0];
      if (existsSync(join(dir, 'sweep.json'))) {
        out(await writeSweepReport(dir));
        return 0;
      }
      if (!existsSync(join(dir, 'measurements.csv')) || !existsSync(join(dir, 'run.json'))) {
        process.stderr.write(
          `icbench report: ${dir}: expected a run directory holding measurements.csv and run.json, or a sweep directory holding sweep.json\n`,
        );
        return 2;
      }
      out(await writeReport(dir));
      return 0;
    }
    case 'clean': {
      let values: { all?: boolean; orphans?: boolean; force?: boolean; help?: boolean }, positionals: string[];
      try {
        ({ values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { all: { type: 'boolean' }, orphans: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
        }));
      } catch (e) {
        process.stderr.write(`icbench clean: ${(e as Error).message}\n\n${CLEAN_HELP}`);
        return 2;
      }
      if (values.help) {
        out(CLEAN_HELP);
        return 0;
      }
      if ((values.all ? 1 : 0) + positionals.length !== 1) {
        process.stderr.write(`icbench clean: expected a run id or --all\n\n${CLEAN_HELP}`);
        return 2;
      }
      const target = values.all ? 'all' : positionals[0];
      if (target !== 'all' && !RUN_ID_RE.test(target)) {
        process.stderr.write(`icbench clean: expected a run id like 20261122-034901-a1b2 or --all, got ${JSON.stringify(target)}\n`);
        return 2;
      }
      let r: Awaited<ReturnType<typeof clean>>;
      try {
        r = await clean(target, { orphans: values.orphans, force: values.force, log: out });
      } catch (e) {
        if (e instanceof RunIsLive) {
          process.stderr.write(e.message + '\n');
          return 1;
        }
        throw e;
      }
      if (r.cleaned.length === 0 && r.left.length === 0 && r.orphansRemoved === 0 && r.skipped.length === 0) out('nothing to clean');
      return r.left.length ? 1 : 0;
    }
    case 'list': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const runs = journaledRuns();
      out(runs.length ? 'runs with resources still journaled (icbench clean <id>):' : 'no run holds lab resources');
      for (const r of runs) {
        const e = readJournal(join(stateDir(), `${r}.journal`));
        const head = e.find((x) => x.kind === 'run');
        out(`  ${r}  ${head && head.kind === 'run' ? `${head.scenario} pid ${head.pid}` : ''}  ${e.filter((x) => x.kind === 'netns').length} namespaces`);
      }
      const orphans = orphanNamespaces();
      if (orphans.length) out(`orphan namespaces (no journal): ${orphans.length}; icbench clean --all --orphans`);
      const root = positionals[0] ?? 'results';
      if (existsSync(root)) {
        const dirs = readdirSync(root)
          .filter((d) => statSync(join(root, d)).isDirectory())
          .sort();
        out(`result directories in ${root}: ${dirs.length}`);
        for (const d of dirs) out(`  ${join(root, d)}${existsSync(join(root, d, 'report.html')) ? '  (report.html)' : ''}`);
      }
      return 0;
    }
    default:
      process.stderr.write(`icbench: unknown command ${JSON.stringify(cmd)}\n\n${HELP}`);
      return 2;
  }
}
