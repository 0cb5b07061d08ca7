/**
 * A run cut short (a reboot empties /run, where journals are, and stops containers; or a killed run
 * whose journal was in another state dir) leaves Docker node containers that nothing will remove.
 * `clean` removes journal-less containers that are stopped without --orphans, and still only lists
 * journal-less ones that run (another harness's live run may own them).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../infra/exec.js';
import { startDocker } from '../../infra/virt/docker.js';
import { ensureNodeImage } from '../../infra/virt/rootfs.js';
import { clean } from '../../session/clean.js';

const state = mkdtempSync(join(tmpdir(), 'icb-state-'));
const RUN = '20200101-000000-beef';
const NAME = `icb-${RUN}-a-h1-n1`;
const exists = async () => (await run(['docker', 'inspect', NAME])).ok;

test.before(async () => {
  process.env.ICBENCH_STATE_DIR = state;
  await ensureNodeImage();
  await run(['docker', 'rm', '-f', NAME]);
  // A node container as a run starts it (read-only /usr for its sleep).
  await startDocker({ name: NAME, runId: RUN, hostname: 'a-h1-n1', mounts: [{ path: '/usr', readOnly: true }] });
});
test.after(async () => {
  await run(['docker', 'rm', '-f', NAME]);
  rmSync(state, { recursive: true, force: true });
});

test('a running journal-less container is only listed; once stopped, clean removes it', async () => {
  const logs: string[] = [];
  const live = await clean(RUN, { log: (s) => logs.push(s) });
  assert.is(live.orphansRemoved, 0);
  assert.ok(await exists(), 'running: not touched without --orphans');
  assert.ok(
    logs.some((l) => l.includes(NAME) && /not touched/.test(l)),
    logs.join('\n'),
  );
  assert.ok((await run(['docker', 'kill', NAME])).ok);
  const stopped = await clean(RUN, { log: (s) => logs.push(s) });
  assert.is(stopped.orphansRemoved, 1);
  assert.equal(stopped.left, []);
  assert.not.ok(await exists(), 'stopped: removed');
  assert.ok(
    logs.some((l) => /stopped Docker containers of runs with no journal/.test(l) && l.includes(NAME)),
    logs.join('\n'),
  );
});

test.run();
