/**
 * The schedule lock across processes: a live holder (another process) refuses a second one,
 * naming its pid; a lock whose holder died (kill -9) is taken over and the takeover reported;
 * a pid reused by another process (other start time) does not hold the lock; release removes
 * only our own lock.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pidStartTime } from '../../../infra/process-owner.js';
import { acquireLock, LockHeld } from '../../../session/nightly/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'icb-lock-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** A real other process that takes the lock through this module and waits. */
function holder(stateDir: string): Promise<ReturnType<typeof spawn>> {
  const mod = new URL('../../../session/nightly/lock.js', import.meta.url).href;
  const p = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import(${JSON.stringify(mod)}).then((m) => { m.acquireLock(${JSON.stringify(stateDir)}, { schedule: 's', mode: 'daemon' }); console.log('held'); setTimeout(() => {}, 60000); })`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((res, rej) => {
    p.stdout!.once('data', () => res(p));
    p.once('exit', (c) => rej(new Error(`holder exited ${c}`)));
  });
}

test('a live holder refuses a second taker, naming its pid; after kill -9 the lock is taken over and reported', async () => {
  const sd = join(dir, 'a');
  const p = await holder(sd);
  try {
    acquireLock(sd, { schedule: 's', mode: 'once' });
    assert.unreachable('second taker got the lock');
  } catch (e) {
    assert.instance(e, LockHeld);
    assert.is((e as LockHeld).holder.pid, p.pid);
    assert.match((e as Error).message, new RegExp(`^schedule is locked by pid ${p.pid} \\(daemon, started \\d{4}-`));
  }
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
  const l = acquireLock(sd, { schedule: 's', mode: 'daemon' });
  assert.is(l.tookOver?.pid, p.pid);
  assert.is(JSON.parse(readFileSync(l.path, 'utf8')).pid, process.pid);
  // held by this process now: a second take in-process is refused too
  assert.throws(
    () => acquireLock(sd, { schedule: 's', mode: 'once' }),
    (e: Error) => e instanceof LockHeld && e.holder.pid === process.pid,
  );
  l.release();
  assert.not.ok(existsSync(l.path));
  const again = acquireLock(sd, { schedule: 's', mode: 'daemon' });
  assert.is(again.tookOver, null);
  again.release();
});

test('a reused pid (alive, other start time) does not hold the lock; release leaves a lock that is not ours', () => {
  const sd = join(dir, 'b');
  const first = acquireLock(sd, { schedule: 's', mode: 'daemon' });
  const path = first.path;
  writeFileSync(path, JSON.stringify({ pid: process.pid, pidStart: (pidStartTime(process.pid) ?? 0) + 12345, at: 'then', schedule: 's', mode: 'daemon' }));
  const l = acquireLock(sd, { schedule: 's', mode: 'daemon' });
  assert.is(l.tookOver?.at, 'then');
  first.release(); // not its lock any more: untouched
  assert.ok(existsSync(path));
  l.release();
  assert.not.ok(existsSync(path));
  assert.equal(readdirSync(sd), [], 'temp files left');
});

test.run();
