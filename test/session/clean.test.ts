/**
 * clean and live runs: `clean <id>` refuses a run whose owning process still runs (pid and start
 * time), naming the pid; --all skips it and says so; --force removes it; a reused pid (same pid,
 * other start time) or a dead one is cleaned. cleanRun() is unconditional.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../infra/journal.js';
import { pidStartTime } from '../../infra/process-owner.js';
import { clean, cleanRun, RunIsLive } from '../../session/clean.js';
import { cli } from '../../cli/icbench.js';

const state = mkdtempSync(join(tmpdir(), 'icb-state-'));
let sleeper: ReturnType<typeof spawn>;
test.before(() => {
  process.env.ICBENCH_STATE_DIR = state;
  sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
});
test.after(() => {
  sleeper.kill('SIGKILL');
  rmSync(state, { recursive: true, force: true });
});

let n = 0;
/** A journaled run owned by `pid` (start time as given, default the real one), with a work dir file entry. */
function fakeRun(pid: number, pidStart: number | undefined | 'real' = 'real'): { id: string; work: string } {
  const id = `20261122-0349${String(10 + n++).padStart(2, '0')}-a1b2`;
  const work = join(state, `${id}.d`);
  mkdirSync(work);
  new Journal(id).record(
    {
      kind: 'run',
      runId: id,
      scenario: 't',
      resultsDir: '/tmp/x',
      pid,
      pidStart: pidStart === 'real' ? (pidStartTime(pid) ?? undefined) : pidStart,
      at: new Date().toISOString(),
    },
    { kind: 'file', path: work },
  );
  return { id, work };
}
const journal = (id: string) => existsSync(join(state, `${id}.journal`));

test('clean <id> refuses a live run, naming its pid; --force removes it', async () => {
  const { id, work } = fakeRun(sleeper.pid!);
  try {
    await clean(id);
    assert.unreachable('should refuse');
  } catch (e) {
    assert.instance(e, RunIsLive);
    assert.match(
      (e as Error).message,
      new RegExp(`^clean: run ${id} is still running \\(pid ${sleeper.pid}, started \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z\\); use --force to remove it anyway$`),
    );
  }
  assert.ok(journal(id) && existsSync(work), 'nothing removed');
  const r = await clean(id, { force: true });
  assert.equal(r.cleaned, [id]);
  assert.not.ok(journal(id) || existsSync(work));
});

test('clean --all skips live runs and logs them; cleans dead ones and reused pids', async () => {
  const live = fakeRun(sleeper.pid!);
  const reused = fakeRun(sleeper.pid!, pidStartTime(sleeper.pid!)! - 1);
  const dead = fakeRun(2 ** 22 + 7, 12345);
  const logs: string[] = [];
  const r = await clean('all', { log: (s) => logs.push(s) });
  assert.equal(r.skipped, [live.id]);
  assert.equal(r.cleaned.sort(), [reused.id, dead.id].sort());
  assert.ok(logs.includes(`skipped live run ${live.id} (pid ${sleeper.pid})`), logs.join('\n'));
  assert.ok(journal(live.id) && existsSync(live.work));
  assert.equal(await cleanRun(live.id), [], 'cleanRun is unconditional');
  assert.not.ok(journal(live.id) || existsSync(live.work));
});

test('icbench clean: exit 1 on a live run, 2 on bad usage, --help is usage', async () => {
  const live = fakeRun(sleeper.pid!);
  const err: string[] = [],
    out: string[] = [];
  const w1 = process.stderr.write,
    w2 = process.stdout.write;
  process.stderr.write = ((s: string) => {
    err.push(s);
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((s: string) => {
    out.push(s);
    return true;
  }) as typeof process.stdout.write;
  let codes: number[];
  try {
    codes = [
      await cli(['clean', live.id]),
      await cli(['clean', '--nope']),
      await cli(['clean', 'x']),
      await cli(['clean', '--help']),
      await cli(['clean', '-h']),
      await cli(['clean', '--all']),
    ];
  } finally {
    process.stderr.write = w1;
    process.stdout.write = w2;
  }
  assert.equal(codes, [1, 2, 2, 0, 0, 0]);
  assert.match(err.join(''), `pid ${sleeper.pid}`);
  assert.match(out.join(''), 'Usage: icbench clean');
  assert.match(out.join(''), `skipped live run ${live.id}`);
  await cleanRun(live.id);
});

test.run();
