/** `icbench nightly <schedule.yaml> [--once]`: the nightly daemon (session/nightly/daemon.ts). */
import { parseArgs } from 'node:util';
import { ConfigError } from '../infra/units.js';
import { LockHeld } from '../session/nightly/lock.js';
import { NIGHTLY_EXIT, nightly } from '../session/nightly/daemon.js';

export const NIGHTLY_HELP = `Usage: icbench nightly <schedule.yaml> [--once]

Runs the entries of a schedule (YAML; see docs/nightly.md and examples/nightly.schedule.yaml)
at their cron times, one run at a time, each under its hard deadline, and indexes each run in the
history with its regressions. Checks every entry's parameters with its scenario (--dry-run) first.
One process per schedule (a lock in its state_dir); a slot missed while none ran is run once if it
is within the entry's grace window, older ones are recorded as missed. SIGTERM/SIGINT stop it
gracefully (a run in flight is interrupted, cleaned and its report written).

  --once      run what is due now (missed slots within grace) and exit: for cron / systemd timers
  -h, --help  this text

Progress and log lines go to stderr, timestamped.

Exit status: 0 ok (daemon: stopped by a signal; --once: every run ok or degraded, or none due),
1 a run failed, was interrupted or hit its deadline (or the daemon failed), 2 bad schedule or
parameters (nothing ran), 3 (--once) regressions found at an entry's alert level, 75 the schedule
is locked by another live process (named in the message).
`;

export async function nightlyCmd(args: string[]): Promise<number> {
  let values: { once?: boolean; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (e) {
    process.stderr.write(`icbench nightly: ${(e as Error).message.split('. ')[0].replace(/\.$/, '')} (see icbench nightly --help)\n`);
    return NIGHTLY_EXIT.usage;
  }
  if (values.help) {
    process.stdout.write(NIGHTLY_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    process.stderr.write('icbench nightly: expected one schedule file, e.g. icbench nightly examples/nightly.schedule.yaml (see icbench nightly --help)\n');
    return NIGHTLY_EXIT.usage;
  }
  try {
    return await nightly(positionals[0], { once: values.once });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`icbench nightly: ${e.message}\n(nothing ran)\n`);
      return NIGHTLY_EXIT.usage;
    }
    if (e instanceof LockHeld) {
      process.stderr.write(`icbench nightly: ${e.message}\n`);
      return NIGHTLY_EXIT.locked;
    }
    process.stderr.write(`icbench nightly: ${(e as Error).stack ?? e}\n`);
    return NIGHTLY_EXIT.failure;
  }
}
