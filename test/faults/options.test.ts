/**
 * Fault (f): bad option values exit 2 within seconds, name the option, and create nothing (no
 * journal, no work dir, no result dir; namespaces are journaled before they are made, so none).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useStateDir } from '../helpers/lab.js';
import { clean } from '../../session/clean.js';
import { scenario, type Outcome } from './util.js';

const state = useStateDir(test, 0o711);
const tmp = mkdtempSync(join(tmpdir(), 'icb-faults-opt-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: [string, string[]][] = [
  ['--duration', ['--duration', '100000']],
  ['--parallel', ['--parallel', '1000']],
  ['--ping-count', ['--ping-count', '1000000']],
  ['--repetitions', ['--repetitions', '5000']],
  ['--wan-rate', ['--wan-rate', '99999999999Tbit']],
  ['--pairs', ['--pairs', 'nii>hokudai']],
  ['--pairs', ['--pairs', 'nii-h1-n1>nii-h1-n1']],
  ['--terasort-nodes', ['--terasort-nodes', '20']],
  ['--results', ['--results', '/proc/x']],
];

if (process.getuid?.() !== 0) {
  console.log('SKIPPED fault tests (options): they need root');
} else {
  test('bad option values: exit 2 within seconds, the option named, nothing created', async () => {
    const bad: string[] = [];
    const outcomes: [string, string[], Outcome, string[]][] = [];
    // Two at a time (2 cores); each run gets its own results dir and is killed after 20 s at most.
    for (let i = 0; i < CASES.length; i += 2) {
      await Promise.all(
        CASES.slice(i, i + 2).map(async ([opt, args], k) => {
          const results = join(tmp, `r${i + k}`);
          const r = await scenario(['--virt', 'netns', ...args], { results, state, limitMs: 20_000 });
          let made: string[] = [];
          try {
            made = readdirSync(results);
          } catch {
            /* not created: good */
          }
          outcomes.push([opt, args, r, made]);
          if (r.runId) await clean(r.runId, { force: true }); // a missing check started a run: remove it
        }),
      );
    }
    for (const [opt, args, r, made] of outcomes) {
      const err = r.out.split('\n').find((l) => l.startsWith('error:')) ?? r.out.split('\n').slice(-3).join(' / ');
      console.log(`  ${args.join(' ')}: exit ${r.code}${r.killed ? ' (killed after 20 s)' : ''}, ${r.ms} ms: ${err.slice(0, 160)}`);
      if (r.code !== 2 || r.killed || r.ms > 10_000 || !r.out.includes(opt) || r.runId || made.length) bad.push(`${args.join(' ')}`);
    }
    assert.equal(readdirSync(state), [], 'no journal, no work dir');
    assert.equal(bad, []);
  });
}

test.run();
