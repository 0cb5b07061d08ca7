/**
 * Faults (c) and (d): the WAN emulator killed mid-run, and a results filesystem that fills up.
 * Either way the run ends (not 'running'), says what happened, and leaves nothing behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStateDir } from '../helpers/lab.js';
import { loadRun } from '../../measurements/reader.js';
import { leftovers, processesNaming, scenario, SMALL } from './util.js';

const state = useStateDir(test, 0o711);
const tmp = mkdtempSync(join(tmpdir(), 'icb-faults-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

if (process.getuid?.() !== 0) {
  console.log('SKIPPED fault tests (emulator, disk): they need root');
} else {
  test('wanem killed mid-run: failed inter-site rows naming the emulator, run.json final, report written, nothing left', async () => {
    const results = join(tmp, 'wan');
    const at: { killed?: number[] } = {};
    let runId = '';
    const r = await scenario(SMALL, {
      results,
      state,
      limitMs: 90_000,
      onLine: (line) => {
        runId ||= /== run: \S+ (\S+)/.exec(line)?.[1] ?? '';
        if (!at.killed && /\[iperf3\] 1\//.test(line)) {
          at.killed = processesNaming(`${runId}:`).filter((p) => /wanem/.test(execFileSync('cat', [`/proc/${p}/cmdline`]).toString()));
          for (const p of at.killed) process.kill(p, 'SIGKILL');
        }
      },
    });
    assert.ok(at.killed?.length, `a wanem process to kill\n${r.out}`);
    const { rows, meta } = await loadRun(join(results, runId));
    assert.not.equal(meta.status, 'running');
    assert.ok(meta.ended_at);
    assert.ok(existsSync(join(results, runId, 'report.html')), 'report written');
    assert.equal(leftovers(runId, state), []);
    const inter = rows.filter((x) => x.benchmark === 'iperf3' && x.path === 'inter-site');
    console.log(`  wanem killed: status ${meta.status}, inter-site iperf3 rows: ${inter.map((x) => `${x.status} ${x.reason.slice(0, 80)}`).join(' | ')}`);
    assert.ok(inter.length > 0 && inter.every((x) => x.status !== 'ok'), 'inter-site samples after the kill failed');
    assert.ok(
      inter.every((x) => /emulator/i.test(x.reason)),
      'reasons name the emulator',
    );
  });

  test('results filesystem full mid-run: failed run, whole rows only, no run.json.tmp, nothing left', async () => {
    const mnt = join(tmp, 'small');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200k,mode=0700', 'tmpfs', mnt]); // 0700: a world-writable results folder is refused up front
    try {
      const st = statfsSync(mnt);
      writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, st.bavail * st.bsize - 120 * 1024)));
      const r = await scenario(SMALL, { results: mnt, state, limitMs: 90_000 });
      const runId = r.runId;
      assert.ok(runId, r.out);
      assert.is(r.code, 1, r.out);
      const dir = join(mnt, runId);
      assert.not.ok(existsSync(join(dir, 'run.json.tmp')), 'no run.json.tmp');
      const warnings: string[] = [];
      const { rows, meta } = await loadRun(dir, warnings);
      assert.equal(warnings, [], 'no torn CSV line');
      assert.ok(rows.length > 0, 'rows measured before the disk filled are kept');
      // The space reserve kept in the run folder makes room for the final run.json.
      const final = meta.status !== 'running';
      assert.ok(final, `run.json final on a full disk:\n${r.out.slice(-1500)}`);
      assert.is(meta.status, 'failed');
      assert.ok(meta.ended_at, 'ended_at set');
      assert.ok(
        meta.failures.some((f) => f.stage === 'results'),
        JSON.stringify(meta.failures),
      );
      assert.not.ok(existsSync(join(dir, '.space-reserve')), 'reserve released');
      assert.match(r.out, new RegExp(`== done: ${rows.length} rows in ${dir}/measurements.csv; status failed`));
      assert.match(r.out, /rows kept in/);
      console.log(`  full disk: ${rows.length} rows kept, run.json ${final ? `final (${meta.status})` : 'stale, reported'}, ${r.ms} ms`);
      assert.equal(leftovers(runId, state), []);
      assert.equal(readdirSync(mnt).sort(), ['filler', runId].sort());
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });
}

test.run();
