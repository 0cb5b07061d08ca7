/**
 * Start-up check of every entry's parameters against the scenario's own definitions: the
 * scenario is run with its reserved `--dry-run` and the entry's options. That parses them with
 * the scenario's parameter table (a misspelled option or a bad value is refused, exit 2) and
 * runs its check pass (benchmark options against the topology), and creates nothing. So a typo
 * fails the daemon's start, not a run at 02:00.
 */
import { dirname } from 'node:path';
import { ConfigError } from '../../infra/units.js';
import { type Schedule, scenarioArgs } from './schedule.js';
import { signalGroup, startScenario } from './scenario-process.js';

const TIMEOUT_MS = 120_000;

export async function checkEntryParams(s: Schedule, log: (m: string) => void): Promise<void> {
  await Promise.all(
    s.entries.map(async (e, i) => {
      const p = startScenario(e.scenario, ['--dry-run', ...scenarioArgs(e, s.results)], { cwd: dirname(s.path), env: { ICBENCH_RUN_ID: '' } });
      const timer = setTimeout(() => signalGroup(p.child, 'SIGKILL', true), TIMEOUT_MS);
      const r = await p.exited.finally(() => clearTimeout(timer));
      if (r.code === 0) {
        log(`entry ${e.name}: parameters accepted by ${e.scenario} (--dry-run)`);
        return;
      }
      const lines = p.tail().filter((l) => l.trim());
      const said = lines.find((l) => l.startsWith('error: ')) ?? lines[lines.length - 1] ?? `exit ${r.code ?? r.signal}`;
      const err = new ConfigError(`${s.file}: entries[${i}].params`, `options that ${e.scenario} accepts (see its --help)`, said);
      err.message = `${s.file}: entries[${i}].params (entry ${e.name}): ${r.code === 2 ? 'refused by the scenario' : `the scenario's --dry-run failed (exit ${r.code ?? r.signal})`}: ${said.replace(/^error: /, '')}`;
      throw err;
    }),
  );
}
