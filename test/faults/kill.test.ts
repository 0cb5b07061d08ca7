/**
 * Faults (a) and (b): kill -9 of a scenario during stand-up and during a benchmark, then clean
 * leaves nothing of that run while a namespace the test made (not named icb-) survives; and
 * clean during a live run: --all skips it, <id> refuses naming the pid, the run ends ok.
 */
import { assertMeasuredInFull } from '../helpers/status.js';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStateDir } from '../helpers/lab.js';
import { run } from '../../infra/exec.js';
import { readJournal } from '../../infra/journal.js';
import { loadRun } from '../../measurements/reader.js';
import { clean, RunIsLive } from '../../session/clean.js';
import { leftovers, namespacesOf, nsPids, scenario, SMALL } from './util.js';

const state = useStateDir(test, 0o711);
const results = mkdtempSync(join(tmpdir(), 'icb-results-'));
const decoy = `decoy-faults-${process.pid}`;
test.after(async () => {
  await run(['ip', 'netns', 'del', decoy]);
  rmSync(results, { recursive: true, force: true });
});

if (process.getuid?.() !== 0) {
  console.log('SKIPPED fault tests (kill): they need root');
} else {
  test.before(async () => {
    assert.ok((await run(['ip', 'netns', 'add', decoy])).ok, 'decoy namespace');
  });

  for (const [when, re] of [
    ['stand-up', /== lab up:/],
    ['a benchmark', /\[iperf3\] 1\//],
  ] as const) {
    test(`kill -9 during ${when}, then clean: nothing of the run left, the decoy namespace survives`, async () => {
      const at: { pids?: Promise<number[]>; ns?: number } = {};
      let runId = '';
      const r = await scenario(SMALL, {
        results,
        state,
        limitMs: 60_000,
        onLine: (line, kill) => {
          runId ||= /== run: \S+ (\S+)/.exec(line)?.[1] ?? '';
          if (!at.pids && re.test(line)) {
            kill('SIGKILL');
            at.pids = nsPids(namespacesOf(runId));
          }
        },
      });
      assert.ok(at.pids, r.out);
      assert.is(r.code, null, 'killed by a signal');
      const pids = await at.pids!;
      const nsBefore = namespacesOf(r.runId).length;
      const t0 = Date.now();
      const c = await clean(r.runId);
      console.log(`  kill -9 during ${when}: ${nsBefore} namespaces, ${pids.length} processes before clean; clean took ${Date.now() - t0} ms`);
      assert.equal(c.left, []);
      assert.equal(c.cleaned, [r.runId]);
      assert.equal(leftovers(r.runId, state, pids), []);
      assert.ok((await run(['ip', 'netns', 'list'])).stdout.includes(decoy), 'decoy namespace untouched');
    });
  }

  test('clean during a live run: --all skips it, clean <id> refuses naming the pid; the run ends ok', async () => {
    const at: { checks?: Promise<void> } = {};
    let runId = '';
    const seen: { skipped?: string[]; log?: string[]; refusal?: string; pid?: number } = {};
    const r = await scenario(SMALL, {
      results,
      state,
      limitMs: 90_000,
      onLine: (line) => {
        runId ||= /== run: \S+ (\S+)/.exec(line)?.[1] ?? '';
        if (!at.checks && /\[iperf3\] 1\//.test(line)) {
          at.checks = (async () => {
            const head = readJournal(join(state, `${runId}.journal`)).find((e) => e.kind === 'run');
            seen.pid = head && head.kind === 'run' ? head.pid : undefined;
            const log: string[] = [];
            seen.skipped = (await clean('all', { log: (s) => log.push(s) })).skipped;
            seen.log = log;
            try {
              await clean(runId);
            } catch (e) {
              seen.refusal = e instanceof RunIsLive ? e.message : `not RunIsLive: ${(e as Error).message}`;
            }
          })();
        }
      },
    });
    assert.ok(at.checks, r.out);
    await at.checks;
    assert.equal(seen.skipped, [runId]);
    assert.ok(seen.log!.includes(`skipped live run ${runId} (pid ${seen.pid})`), seen.log!.join('\n'));
    assert.match(seen.refusal ?? '', `clean: run ${runId} is still running (pid ${seen.pid}, started `);
    assert.is(r.code, 0, r.out);
    const { meta } = await loadRun(join(results, runId));
    assertMeasuredInFull(meta);
    assert.equal(leftovers(runId, state), []);
  });
}

test.run();
