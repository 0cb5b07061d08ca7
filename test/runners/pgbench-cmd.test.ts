import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pgbenchInitArgs, pgbenchRunArgs } from '../../runners/pgbench-cmd.js';
import { checkPgbenchOptions, type PgbenchOptions } from '../../runners/pgbench-options.js';
import { ConfigError } from '../../infra/units.js';

const PG = '/usr/lib/postgresql/15/bin/pgbench';
const conn = { host: '10.252.0.1', port: 55432 };
const cmd = (o: Parameters<typeof pgbenchRunArgs>[0]) => pgbenchRunArgs(o).join(' ');

/** Throws a ConfigError whose field is `field`. */
function rejects(fn: () => unknown, field: string, msg?: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, field);
    if (msg) assert.match((e as Error).message, msg);
    return;
  }
  assert.unreachable(`expected a ConfigError for ${field}`);
}

test('the fixture capture commands (test/fixtures/pgbench/README.md)', () => {
  assert.is(pgbenchInitArgs({ ...conn, scale: 1 }).join(' '), `${PG} -i -s 1 -h 10.252.0.1 -p 55432 -U postgres postgres`);
  assert.is(
    cmd({ ...conn, script: 'tpcb-like', clients: 4, threads: 2, durationS: 3, progressS: 1, perStatement: true }),
    `${PG} -b tpcb-like -c 4 -j 2 -T 3 -P 1 -r -h 10.252.0.1 -p 55432 -U postgres postgres`,
  );
  assert.is(
    cmd({ ...conn, script: 'select-only', clients: 4, threads: 2, durationS: 3 }),
    `${PG} -b select-only -c 4 -j 2 -T 3 -n -h 10.252.0.1 -p 55432 -U postgres postgres`,
  );
  assert.is(
    cmd({ ...conn, script: 'select-only', clients: 2, threads: 2, durationS: 1, logPrefix: '/tmp/logs/pgbench_log', samplingRate: 0.01 }),
    `${PG} -b select-only -c 2 -j 2 -T 1 -n -l --log-prefix=/tmp/logs/pgbench_log --sampling-rate=0.01 -h 10.252.0.1 -p 55432 -U postgres postgres`,
  );
});

test('-n: by default only for select-only; vacuum overrides either way; user/db/binDir', () => {
  const base = { ...conn, clients: 1, durationS: 1 };
  assert.not.ok(pgbenchRunArgs({ ...base, script: 'tpcb-like' }).includes('-n'));
  assert.ok(pgbenchRunArgs({ ...base, script: 'tpcb-like', vacuum: false }).includes('-n'));
  assert.not.ok(pgbenchRunArgs({ ...base, script: 'select-only', vacuum: true }).includes('-n'));
  const argv = pgbenchRunArgs({ ...base, script: 'select-only', user: 'bench', dbname: 'tx', binDir: '/opt/pg/bin' });
  assert.is(argv[0], '/opt/pg/bin/pgbench');
  assert.equal(argv.slice(-7), ['-h', '10.252.0.1', '-p', '55432', '-U', 'bench', 'tx']);
});

test('bad values: ConfigError naming the field', () => {
  const base = { ...conn, script: 'select-only' as const, clients: 2, durationS: 3 };
  rejects(() => pgbenchRunArgs({ ...base, script: 'tpcc' as never }), 'pgbench.script', /'tpcb-like', 'select-only'.*"tpcc"/);
  rejects(() => pgbenchRunArgs({ ...base, clients: 0 }), 'pgbench.clients');
  rejects(() => pgbenchRunArgs({ ...base, threads: 3 }), 'pgbench.threads', /from 1 to 2, got 3/);
  rejects(() => pgbenchRunArgs({ ...base, durationS: 2.5 }), 'pgbench.durationS');
  rejects(() => pgbenchRunArgs({ ...base, host: '-oProxyCommand=x' }), 'pgbench.host');
  rejects(() => pgbenchRunArgs({ ...base, port: 70000 }), 'pgbench.port');
  rejects(() => pgbenchRunArgs({ ...base, user: 'a b' }), 'pgbench.user');
  rejects(() => pgbenchRunArgs({ ...base, logPrefix: 'relative/log' }), 'pgbench.logPrefix');
  rejects(() => pgbenchRunArgs({ ...base, samplingRate: 0.5 }), 'pgbench.samplingRate', /only together with logPrefix/);
  rejects(() => pgbenchRunArgs({ ...base, logPrefix: '/tmp/l', samplingRate: 0 }), 'pgbench.samplingRate');
  rejects(() => pgbenchRunArgs({ ...base, binDir: 'bin' }), 'pgbench.binDir');
  rejects(() => pgbenchInitArgs({ ...conn, scale: 0 }), 'pgbench.scale');
});

test('runner options: valid ones pass; each bad field is named', () => {
  const ok: PgbenchOptions = {
    clients: 4,
    threads: 2,
    durationS: 3,
    scale: 1,
    repetitions: 2,
    scripts: ['select-only'],
    percentiles: true,
    samplingRate: 0.1,
    rttMs: 20,
    label: 'wan-20ms',
  };
  checkPgbenchOptions(ok);
  checkPgbenchOptions({ clients: 1, durationS: 1 });
  rejects(() => checkPgbenchOptions({ ...ok, scale: -1 }), 'pgbench.scale');
  rejects(() => checkPgbenchOptions({ ...ok, clients: 1001 }), 'pgbench.clients');
  rejects(() => checkPgbenchOptions({ ...ok, threads: 5 }), 'pgbench.threads');
  rejects(() => checkPgbenchOptions({ ...ok, durationS: 0 }), 'pgbench.durationS');
  rejects(() => checkPgbenchOptions({ ...ok, repetitions: 0 }), 'pgbench.repetitions');
  rejects(() => checkPgbenchOptions({ ...ok, scripts: [] }), 'pgbench.scripts');
  rejects(() => checkPgbenchOptions({ ...ok, scripts: ['select-only', 'simple-update' as never] }), 'pgbench.scripts[1]');
  rejects(() => checkPgbenchOptions({ ...ok, scripts: ['select-only', 'select-only'] }), 'pgbench.scripts');
  rejects(() => checkPgbenchOptions({ ...ok, percentiles: false }), 'pgbench.samplingRate');
  rejects(() => checkPgbenchOptions({ ...ok, rttMs: -1 }), 'pgbench.rttMs');
  rejects(() => checkPgbenchOptions({ ...ok, label: 'a;b' }), 'pgbench.label');
  rejects(() => checkPgbenchOptions({ ...ok, clientNodes: [] }), 'pgbench.clientNodes');
  rejects(() => checkPgbenchOptions({ ...ok, port: 0 }), 'pgbench.port');
  rejects(() => checkPgbenchOptions({ ...ok, threads: 5 }, 'scenario.pgbench'), 'scenario.pgbench.threads');
});

test.run();
