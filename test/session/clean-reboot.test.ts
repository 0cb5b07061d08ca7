/**
 * A run cut short by a reboot: its journal (in /run) is gone but Docker kept its node containers
 * on disk. `clean` removes containers made before the machine booted without --orphans (no live
 * run can own them), and still only lists journal-less containers made since.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { dockerTime, RUN_LABEL } from '../../infra/virt/docker.js';
import { ensureNodeImage, NODE_IMAGE } from '../../infra/virt/rootfs.js';
import { clean } from '../../session/clean.js';

const state = mkdtempSync(join(tmpdir(), 'icb-state-'));
const RUN = '20200101-000000-beef';
const NAME = `icb-${RUN}-a-h1-n1`;
const exists = async () => (await run(['docker', 'inspect', NAME])).ok;

test.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  await ensureNodeImage();
  await run(['docker', 'rm', '-f', NAME]);
  const c = await run(['docker', 'create', '--name', NAME, '--label', `${RUN_LABEL}=${RUN}`, '--network', 'none', NODE_IMAGE, 'sleep', '1']);
  assert.ok(c.ok, c.stderr);
});
test.after(async () => {
  await run(['docker', 'rm', '-f', NAME]);
  rmSync(state, { recursive: true, force: true });
});

test('docker CreatedAt is read as an instant', () => {
  assert.is(dockerTime('2026-12-01 05:19:14 +0000 UTC').toISOString(), '2026-12-01T05:19:14.000Z');
  assert.is(dockerTime('2026-12-01 07:19:14 +0200 EET').toISOString(), '2026-12-01T05:19:14.000Z');
  assert.ok(Number.isNaN(dockerTime('yesterday').getTime()));
});

test('a journal-less container made since boot is only listed; one made before boot is removed', async () => {
  const logs: string[] = [];
  const since = await clean(RUN, { bootedAt: new Date(Date.now() - 3_600_000), log: (s) => logs.push(s) });
  assert.is(since.orphansRemoved, 0);
  assert.ok(await exists(), 'made after boot: not touched without --orphans');
  assert.ok(
    logs.some((l) => l.includes(NAME) && /not touched/.test(l)),
    logs.join('\n'),
  );
  const before = await clean(RUN, { bootedAt: new Date(Date.now() + 3_600_000), log: (s) => logs.push(s) });
  assert.is(before.orphansRemoved, 1);
  assert.equal(before.left, []);
  assert.not.ok(await exists(), 'made before boot: removed');
  assert.ok(
    logs.some((l) => /cut short by a reboot/.test(l) && l.includes(NAME)),
    logs.join('\n'),
  );
});

test.run();
