/** ICBENCH_RUN_ID: a caller-chosen run id (the nightly daemon's), checked before anything is created. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../infra/units.js';
import { runIdFromEnv } from '../../session/run-id-env.js';

test('unset or empty: none; a run id: it; anything else: ConfigError naming the variable', () => {
  assert.is(runIdFromEnv({}), undefined);
  assert.is(runIdFromEnv({ ICBENCH_RUN_ID: '' }), undefined);
  assert.is(runIdFromEnv({ ICBENCH_RUN_ID: '20261201-020000-a1b2' }), '20261201-020000-a1b2');
  assert.throws(
    () => runIdFromEnv({ ICBENCH_RUN_ID: '../etc' }),
    (e: Error) => e instanceof ConfigError && e.message === 'ICBENCH_RUN_ID: expected a run id like 20261122-034901-a1b2, got "../etc"',
  );
});

test.run();
