/**
 * A run id given from outside: `ICBENCH_RUN_ID=20261201-020000-a1b2 npx zx scenarios/x.mjs`. The
 * nightly daemon sets it on the scenario it starts, so it knows the run's id (and folder
 * <results>/<id>) before the run begins and can interrupt, clean and report it by that id.
 * Unset: the session makes a new id. A malformed value is a ConfigError (exit 2, nothing created).
 */
import { RUN_ID_RE } from '../infra/run-id.js';
import { ConfigError } from '../infra/units.js';

export const RUN_ID_ENV = 'ICBENCH_RUN_ID';

export function runIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const v = env[RUN_ID_ENV];
  if (v === undefined || v === '') return undefined;
  if (!RUN_ID_RE.test(v)) throw new ConfigError(RUN_ID_ENV, 'a run id like 20261122-034901-a1b2', v);
  return v;
}
