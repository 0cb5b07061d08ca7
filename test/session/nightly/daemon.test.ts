/**
 * The nightly daemon end to end, as a user runs it (`node bin/icbench.mjs nightly x.yaml`), on
 * real labs (root): a tiny lab scenario (test/fixtures/nightly/tiny.mjs: two netns nodes, pings).
 * - real node-cron with a seconds-level schedule: a run, then SIGTERM during the next run: it is
 *   interrupted, cleaned and reported, the lock released, exit 0;
 * - two daemons on one schedule: the second is refused naming the holder's pid; kill -9 of the
 *   first during a run, restart: the stale lock is taken over (logged) and the orphaned run is
 *   ended, cleaned and reported;
 * - missed slots: the newest within grace runs once, the older ones are recorded (missed.jsonl and
 *   the history); a second pass runs nothing;
 * - a run past its deadline: SIGINT (the scenario tears down and reports), and one that ignores
 *   SIGINT: SIGKILL of its group, clean by journal; nothing left of its run id, report written.
 * Assertions are about this suite's own run ids only (other runs may share the machine).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readHistory } from '../../../measurements/history/db.js';
import type { RunMeta } from '../../../measurements/run-meta.js';
import { exitStatus } from '../../../session/nightly/daemon.js';
import { runOnRegression } from '../../../session/nightly/run-entry.js';
import type { NightlyState } from '../../../session/nightly/state.js';
import { fixturePath, projectRoot } from '../../helpers/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'icb-nightly-'));
const state = join(tmp, 'state');
const bin = join(projectRoot(), 'bin', 'icbench.mjs');
const tiny = fixturePath('nightly/tiny.mjs');
const started: ChildProcess[] = [];
test.after(async () => {
  // A daemon still running after a failed test: SIGTERM (it interrupts and cleans its run; a
  // SIGKILL would leave the scenario, which has its own process group, running), SIGKILL after 60 s.
  const alive = started.filter((p) => p.exitCode === null && p.signalCode === null);
  await Promise.all(
    alive.map(
      (p) =>
        new Promise<void>((res) => {
          const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
          p.once('exit', () => {
            clearTimeout(t);
            res();
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  rmSync(tmp, { recursive: true, force: true });
});

interface Daemon {
  p: ChildProcess;
  out(): string;
  waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray>;
  exit: Promise<number | null>;
}

function nightly(schedule: string, args: string[] = []): Daemon {
  const p = spawn(process.execPath, [bin, 'nightly', schedule, ...args], {
    env: { ...process.env, ICBENCH_STATE_DIR: state },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(p);
  let out = '';
  const waiters: (() => void)[] = [];
  const feed = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  p.stdout!.on('data', feed);
  p.stderr!.on('data', feed);
  const exit = new Promise<number | null>((res) => p.on('exit', (c) => res(c)));
  return {
    p,
    out: () => out,
    exit,
    waitFor: (re, ms) =>
      new Promise((res, rej) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(t);
            res(m);
          }
        };
        const t = setTimeout(() => rej(new Error(`no ${re} within ${ms} ms; output:\n${out}`)), ms);
        waiters.push(check);
        check();
        void exit.then(() => setTimeout(check, 50));
      }),
  };
}

function schedule(name: string, entry: Record<string, unknown>, top: Record<string, unknown> = {}): { file: string; results: string; stateDir: string } {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify({ results: 'results', ...top, entries: [{ name: 'tiny', timezone: 'UTC', scenario: tiny, deadline: '3m', ...entry }] }));
  return { file, results: join(dir, 'results'), stateDir: join(dir, 'results', '.nightly', name) };
}

const fail = (out: string): never => {
  throw new Error(`not found in:\n${out}`);
};
const readState = (stateDir: string) => JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as NightlyState;
const meta = (results: string, runId: string) => JSON.parse(readFileSync(join(results, runId, 'run.json'), 'utf8')) as RunMeta;
const netnsOf = (runId: string) =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(runId));

/** Nothing of the run is left: no journal, no work dir, no namespace. */
function leftNothingButReport(runId: string): void {
  assert.not.ok(existsSync(join(state, `${runId}.journal`)), `journal of ${runId} left`);
  assert.not.ok(existsSync(join(state, `${runId}.d`)), `work dir of ${runId} left`);
  assert.equal(netnsOf(runId), [], `namespaces of ${runId} left`);
}

/** Nothing of the run is left, and its folder has run.json and report.html (else the daemon's lines of the run are shown). */
function leftNothing(results: string, runId: string, out = ''): void {
  leftNothingButReport(runId);
  const said = out.split('\n').filter((l) => l.includes(runId) && !l.includes('] | '));
  assert.ok(existsSync(join(results, runId, 'report.html')), `no report for ${runId}; the daemon said:\n${said.join('\n')}`);
}

test('real node-cron, seconds-level: a run ok, then SIGTERM during the next run: interrupted, cleaned, reported; exit 0, lock released', async () => {
  const s = schedule('cron', { cron: '*/8 * * * * *', params: { 'ping-count': 2, hang: 30 } });
  const d = nightly(s.file);
  // The first run hangs 30 s after its pings; SIGTERM would interrupt it. Wait for the first run to
  // be well under way (pings done), stop the daemon, and check it was interrupted and kept.
  const [, runId] = await d.waitFor(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] \| .*\[ping\] 2\/2/, 120_000);
  assert.match(d.out(), /entry tiny: \*\/8 \* \* \* \* \* \(UTC\), next /);
  d.p.kill('SIGTERM');
  assert.is(await d.exit, 0, d.out());
  assert.match(d.out(), /SIGTERM: stopping/);
  assert.match(d.out(), new RegExp(`\\[tiny ${runId}\\] the daemon is stopping: SIGINT`));
  const m = meta(s.results, runId);
  assert.is(m.status, 'interrupted');
  assert.ok(
    m.failures.some((f) => f.stage === 'nightly' && /the daemon is stopping/.test(f.error)),
    JSON.stringify(m.failures),
  );
  leftNothing(s.results, runId);
  const st = readState(s.stateDir).entries.tiny;
  assert.is(st.last_run_id, runId);
  assert.is(st.last_outcome, 'interrupted');
  assert.not.ok(existsSync(join(s.stateDir, 'lock')), 'lock not released');
  // indexed in the history as a nightly run, with its regressions.json
  const origin = JSON.parse(readFileSync(join(s.results, runId, 'regressions.json'), 'utf8')).origin;
  assert.equal(origin?.kind, 'nightly');
  assert.is(origin?.entry, 'tiny');
});

test('a seconds-level schedule runs again and again, one run at a time (each ok)', async () => {
  const s = schedule('repeat', { cron: '*/4 * * * * *', params: { 'ping-count': 2, hang: 1 } });
  const d = nightly(s.file);
  await d.waitFor(/ended: ok[\s\S]*ended: ok/, 150_000);
  d.p.kill('SIGTERM');
  assert.is(await d.exit, 0, d.out());
  const ids = [...d.out().matchAll(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] start /g)].map((m) => m[1]);
  assert.ok(ids.length >= 2, d.out());
  for (const id of ids.slice(0, 2)) {
    assert.is(meta(s.results, id).status, 'ok');
    leftNothing(s.results, id);
  }
  // one at a time: each run started after the previous one ended
  const lines = d.out().split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  assert.ok(at(new RegExp(`\\[tiny ${ids[0]}\\] ended: ok`)) < at(new RegExp(`\\[tiny ${ids[1]}\\] start `)));
});

test('two daemons on one schedule: the second is refused naming the holder; kill -9, restart: stale lock taken over, orphaned run ended and cleaned', async () => {
  const s = schedule('lock', { cron: '*/5 * * * * *', params: { 'ping-count': 2, hang: 120 }, stop_grace: '20s' });
  const a = nightly(s.file);
  const [, runId] = await a.waitFor(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] \| .*\[ping\] 2\/2/, 120_000);
  const b = nightly(s.file, ['--once']);
  assert.is(await b.exit, 75, b.out());
  assert.match(b.out(), new RegExp(`icbench nightly: schedule is locked by pid ${a.p.pid} \\(daemon, started `));
  assert.not.match(b.out(), /\] start /, 'the refused one ran something');
  a.p.kill('SIGKILL');
  await a.exit;
  assert.ok(existsSync(join(state, `${runId}.journal`)), 'the orphaned run should still be there');
  const c = nightly(s.file);
  await c.waitFor(new RegExp(`took over the lock of pid ${a.p.pid} \\(daemon, since [^)]+\\), which is no longer running`), 60_000);
  // It is still running (hanging), or it died at its first output line after its daemon's pipes closed: either way it is cleaned.
  await c.waitFor(new RegExp(`run ${runId}: cleaned what it left \\(journal\\)`), 90_000);
  await c.waitFor(new RegExp(`entry tiny: run ${runId} of slot \\S+ left by a dead daemon: interrupted`), 90_000);
  c.p.kill('SIGTERM');
  assert.is(await c.exit, 0, c.out());
  const m = meta(s.results, runId);
  assert.is(m.status, 'interrupted');
  assert.ok(m.failures.some((f) => f.stage === 'nightly' && /died during it/.test(f.error)));
  leftNothing(s.results, runId);
  // A slot that fired just before the SIGTERM: its scenario may be stopped before it wrote a run
  // folder (then the daemon says so, and there is nothing to report); nothing of it is left either way.
  for (const [, id] of c.out().matchAll(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] start /g)) {
    if (new RegExp(`\\[tiny ${id}\\] ended: interrupted \\(the scenario exited \\S+ before it wrote a run folder: nothing measured`).test(c.out()))
      leftNothingButReport(id);
    else leftNothing(s.results, id, c.out());
  }
});

test('missed slots: the newest within grace runs once, older ones are recorded; a second pass runs nothing', async () => {
  const s = schedule('missed', { cron: '0 0 * * *', grace: '2d', params: { 'ping-count': 2, hang: 1 } });
  const now = Date.now();
  mkdirSync(s.stateDir, { recursive: true });
  writeFileSync(
    join(s.stateDir, 'state.json'),
    JSON.stringify({ version: 1, schedule: s.file, entries: { tiny: { since: new Date(now - 5 * 86_400_000 + 60_000).toISOString() } } }),
  );
  const today = new Date(Math.floor(now / 86_400_000) * 86_400_000);
  const d = nightly(s.file, ['--once']);
  assert.is(await d.exit, 0, d.out());
  const runs = [...d.out().matchAll(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] start \S+ for slot (\S+)/g)];
  assert.is(runs.length, 1, d.out());
  assert.is(runs[0][2], today.toISOString());
  assert.is(meta(s.results, runs[0][1]).status, 'ok');
  const missed = readFileSync(join(s.stateDir, 'missed.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { slot: string; reason: string });
  assert.equal(
    missed.map((x) => x.slot),
    [4, 3, 2, 1].map((k) => new Date(today.getTime() - k * 86_400_000).toISOString()),
  );
  assert.match(missed[0].reason, /older than the grace window/);
  const inHistory = await readHistory(s.results, (db) => db.all<{ slot: string }>("SELECT slot FROM missed WHERE entry = 'tiny' ORDER BY slot"));
  assert.equal(
    inHistory?.map((r) => r.slot),
    missed.map((x) => x.slot),
  );
  const st = readState(s.stateDir).entries.tiny;
  assert.is(st.last_slot, today.toISOString());
  assert.is(st.last_outcome, 'ok');
  const again = nightly(s.file, ['--once']);
  assert.is(await again.exit, 0, again.out());
  assert.not.match(again.out(), /\] start /);
  assert.is(readdirSync(s.results).filter((x) => /^\d{8}-/.test(x)).length, 1);
});

// The deadline must fall after the run's stand-up, which takes 3 s on an idle machine and up to ~30 s
// at a load average of 60: 45 s. (A deadline during stand-up ends the run without a run folder.)
test('a run past its deadline: SIGINT, the scenario tears down and reports; --once exits 1', async () => {
  const s = schedule('deadline', { cron: '0 0 * * *', grace: '2d', deadline: '45s', params: { 'ping-count': 2, hang: 120 } });
  const d = nightly(s.file, ['--once']);
  assert.is(await d.exit, 1, d.out());
  const [, runId] = d.out().match(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] past its deadline of 45 s: SIGINT/) ?? fail(d.out());
  assert.not.match(d.out(), /SIGKILL to its process group/);
  const m = meta(s.results, runId);
  assert.is(m.status, 'interrupted');
  assert.ok(
    m.failures.some((f) => f.stage === 'nightly' && /past its deadline of 45 s: interrupted by the nightly daemon \(SIGINT\)/.test(f.error)),
    JSON.stringify(m.failures),
  );
  leftNothing(s.results, runId);
  assert.is(readState(s.stateDir).entries.tiny.last_outcome, 'deadline');
  assert.match(readFileSync(join(s.results, runId, 'report.html'), 'utf8'), /past its deadline/);
});

test('a run past its deadline that ignores SIGINT: SIGKILL of its group after stop_grace, cleaned by journal, report written', async () => {
  const s = schedule('kill', {
    cron: '0 0 * * *',
    grace: '2d',
    deadline: '45s',
    stop_grace: '3s',
    params: { 'ping-count': 2, hang: 120, 'ignore-sigint': 'yes' },
  });
  const d = nightly(s.file, ['--once']);
  assert.is(await d.exit, 1, d.out());
  const [, runId] = d.out().match(/\[tiny (\d{8}-\d{6}-[0-9a-f]{4})\] still running 3 s after SIGINT: SIGKILL to its process group/) ?? fail(d.out());
  assert.match(d.out(), new RegExp(`\\[tiny ${runId}\\] cleaned what the run left \\(journal\\)`));
  const m = meta(s.results, runId);
  assert.is(m.status, 'interrupted');
  assert.ok(
    m.failures.some((f) => /SIGKILL after 3 s, cleaned from its journal/.test(f.error)),
    JSON.stringify(m.failures),
  );
  leftNothing(s.results, runId);
});

test('on_regression gets the path as its last argument, values never pass through a shell', async () => {
  const out = join(tmp, 'hook-args');
  const hook = join(tmp, 'hook.sh');
  writeFileSync(hook, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > ${out}\n`, { mode: 0o700 });
  const weird = `$(touch ${join(tmp, 'pwned')}); echo`;
  const logs: string[] = [];
  assert.is(await runOnRegression([hook, weird, 'two words'], '/r/regressions.json', (l) => logs.push(l)), 0);
  assert.equal(readFileSync(out, 'utf8').split('\n').slice(0, 3), [weird, 'two words', '/r/regressions.json']);
  assert.not.ok(existsSync(join(tmp, 'pwned')));
  assert.is(await runOnRegression([join(tmp, 'no-such-hook')], '/r/x.json', (l) => logs.push(l)), null);
  assert.ok(logs.some((l) => /on_regression could not start/.test(l)));
});

test('--once exit status: failure over regression over ok', () => {
  const r = (outcome: string, alerted = false) =>
    ({ runId: 'x', runDir: 'x', outcome, exitCode: 0, reason: null, regressions: null, alerted }) as Parameters<typeof exitStatus>[0][number];
  assert.is(exitStatus([]), 0);
  assert.is(exitStatus([r('ok'), r('degraded')]), 0);
  assert.is(exitStatus([r('ok', true)]), 3);
  assert.is(exitStatus([r('ok', true), r('deadline')]), 1);
  assert.is(exitStatus([r('failed')]), 1);
});

test.run();
