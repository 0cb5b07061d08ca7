/**
 * The QMP client against a real QEMU (machine `none`: no guest, starts in well under a second):
 * greeting, commands in order, QEMU's errors as QmpError, events, and a closed socket.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Qmp, QmpError } from '../../../infra/qemu/qmp.js';

let dir = '';
let qemu: ChildProcess | null = null;
const sock = () => join(dir, 'qmp.sock');

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'icb-qmp-'));
  qemu = spawn('qemu-system-x86_64', ['-M', 'none', '-nodefaults', '-display', 'none', '-S', '-qmp', `unix:${sock()},server=on,wait=off`], { stdio: 'ignore' });
});
test.after.each(async () => {
  if (qemu && qemu.exitCode === null) {
    qemu.kill('SIGKILL');
    await new Promise((r) => qemu!.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

test('greeting, commands and their answers in order', async () => {
  const q = await Qmp.connect(sock());
  try {
    assert.ok(q.greeting.version.qemu.major >= 7, JSON.stringify(q.greeting.version));
    const [st, ver, name] = await Promise.all([
      q.execute<{ status: string; running: boolean }>('query-status'),
      q.execute<{ qemu: { major: number } }>('query-version'),
      q.execute<Record<string, unknown>>('query-name'),
    ]);
    assert.is(st.status, 'prelaunch');
    assert.is(st.running, false);
    assert.is(ver.qemu.major, q.greeting.version.qemu.major);
    assert.equal(name, {});
  } finally {
    q.close();
  }
});

test("QEMU's errors reject with the command, class and description; the client keeps working", async () => {
  const q = await Qmp.connect(sock());
  try {
    const e = (await q.execute('no-such-command').catch((x) => x)) as QmpError;
    assert.instance(e, QmpError);
    assert.is(e.command, 'no-such-command');
    assert.is(e.errorClass, 'CommandNotFound');
    const bad = (await q.execute('migrate-set-parameters', { 'downtime-limit': 'soon' }).catch((x) => x)) as QmpError;
    assert.instance(bad, QmpError);
    assert.match(bad.message, /downtime-limit/);
    assert.is((await q.execute<{ status: string }>('query-status')).status, 'prelaunch');
  } finally {
    q.close();
  }
});

test('events: waitEvent resolves on the event (here STOP after cont + stop)', async () => {
  const q = await Qmp.connect(sock());
  try {
    await q.execute('cont');
    const resume = await q.waitEvent('RESUME', 5000);
    assert.is(resume.event, 'RESUME');
    await q.execute('stop');
    const stop = await q.waitEvent('STOP', 5000);
    assert.ok(stop.timestamp && stop.timestamp.seconds > 0);
    assert.not.ok(await q.waitEvent('SHUTDOWN', 200).catch(() => false), 'no SHUTDOWN: times out');
  } finally {
    q.close();
  }
});

test('a QEMU that exits fails pending and later commands; a missing socket fails to connect in time', async () => {
  const q = await Qmp.connect(sock());
  await q.execute('quit').catch(() => {}); // the answer may race the close
  await new Promise((r) => qemu!.once('exit', r));
  const after = (await q.execute('query-status').catch((x) => x)) as Error;
  // Closed, reset or a write to a dead socket, whichever the client saw first: the command fails, named.
  assert.instance(after, Error);
  assert.match(after.message, /^QMP query-status: (QMP socket closed|.*(ECONNRESET|EPIPE|write after end))/);
  q.close();
  const missing = (await Qmp.connect(join(dir, 'none.sock'), 300).catch((x) => x)) as Error;
  assert.match(missing.message, /none\.sock: connect ENOENT/);
});

test.run();
