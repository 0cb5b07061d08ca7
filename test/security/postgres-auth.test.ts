/**
 * PostgreSQL on the overlay asks for the run's password (scram-sha-256): a client on a node of the
 * run itself is refused without it, and with a wrong one, and is let in only with the run's
 * password file (mode 0600 on the node); the password is in no process's argv.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run } from '../../infra/exec.js';
import { PG_BIN_DIR } from '../../runners/pgbench-cmd.js';
import { startPostgres, type PostgresServer } from '../../runners/postgres-server.js';
import { upTestLab, useStateDir, type TestLab } from '../helpers/lab.js';

const STATE_DIR = useStateDir(test, 0o711); // the postgres user must reach its data dir below it

if (process.getuid?.() !== 0) {
  console.log('SKIPPED postgres auth test: it needs root');
} else {
  let t: TestLab | null = null;
  let server: PostgresServer | null = null;
  test.before(async () => {
    t = await upTestLab({ scenario: 'pg-auth', sites: [{ name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2, virt: 'netns' }] }, STATE_DIR);
    server = await startPostgres(t.ctx, t.ctx.nodes[0], { port: 55441 });
  });
  test.after(async () => {
    await server?.stop();
    await t?.down();
  });

  test('no password, a wrong one: refused; the run password file: let in; no password in any argv', async () => {
    const client = t!.ctx.nodes[1];
    const psql = (env: string[]) =>
      run(
        client.exec.wrap([
          ...env,
          `${PG_BIN_DIR}/psql`,
          '-h',
          server!.address,
          '-p',
          String(server!.port),
          '-U',
          'postgres',
          '-w',
          '-Atc',
          'select 42',
          'postgres',
        ]),
        {
          timeoutMs: 15000,
        },
      );
    const none = await psql([]);
    assert.not.ok(none.ok, 'no password: refused');
    assert.match(none.stderr, /password|authentication/);
    const wrong = await psql(['env', 'PGPASSWORD=not-the-run-password']);
    assert.not.ok(wrong.ok, 'a wrong password: refused');
    assert.match(wrong.stderr, /password authentication failed/);
    const env = await server!.clientEnv(client);
    const file = env[1].slice('PGPASSFILE='.length);
    assert.is(statSync(file).mode & 0o777, 0o600, 'password file mode');
    const good = await psql(env);
    assert.ok(good.ok, good.stderr);
    assert.is(good.stdout.trim(), '42');
    const password = readFileSync(file, 'utf8').trim().split(':').pop()!;
    assert.ok(password.length >= 24);
    for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      let cmd = '';
      try {
        cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      assert.not.ok(cmd.includes(password), `password in the argv of pid ${d}`);
    }
    assert.match(readFileSync(`${server!.dataDir}/pg_hba.conf`, 'utf8'), /scram-sha-256/);
  });
}

test.run();
