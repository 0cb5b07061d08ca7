/**
 * scenarioParams' result is typed from the scenario's own definitions: under `// @ts-check`, the
 * lint's scenario type check (package.json typecheck:scenarios, run here as it is written there)
 * rejects a parameter the scenario does not define. The unchanged scenario passes the same
 * command, so the failure is the misspelled key and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from '../helpers/fixtures.js';

const root = projectRoot();

/** The typecheck:scenarios command with its file glob replaced by `file`. */
function typecheck(file: string): { code: number | null; out: string } {
  const script: string = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['typecheck:scenarios'];
  const [bin, ...args] = script.split(/\s+/);
  assert.is(bin, 'tsc');
  assert.ok(args.includes('scenarios/*.mjs'), script);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, ...args.map((a) => (a === 'scenarios/*.mjs' ? file : a))], { cwd: root, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

test("a misspelled parameter (p['wan-rtts'] for p['wan-rtt']) fails the scenario type check, naming the key", () => {
  const src = readFileSync(join(root, 'scenarios', 'hokudai-nii.mjs'), 'utf8');
  assert.match(src, /^\/\/ @ts-check$/m);
  assert.ok(src.includes("p['wan-rtt']"));
  const good = typecheck('scenarios/hokudai-nii.mjs');
  assert.is(good.code, 0, good.out);
  // A dot file inside the project (so 'intercloud-bench' resolves as for the scenarios), not matched by the lint's glob.
  const rel = join('scenarios', `.typo-${process.pid}.mjs`);
  writeFileSync(join(root, rel), src.replaceAll("p['wan-rtt']", "p['wan-rtts']"));
  try {
    const bad = typecheck(rel);
    assert.is.not(bad.code, 0, 'the misspelled key must fail the type check');
    assert.match(bad.out, /Property 'wan-rtts' does not exist/);
    assert.ok(bad.out.includes(rel), bad.out);
  } finally {
    rmSync(join(root, rel), { force: true });
  }
});

test.run();
