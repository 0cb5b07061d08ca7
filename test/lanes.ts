/**
 * `npm test`: every test file, in two lanes at once. Most of the suite is CPU-bound (labs, VMs,
 * JVMs) and runs in the main lane, one file after another; the side lane holds the few files whose
 * wall time is mostly waiting on the clock (the nightly daemon's cron slots, deadlines and grace
 * periods), which would otherwise add minutes of sleep to CI. Each lane is `run-all` in its own
 * process; the side lane's output is kept and printed after the main lane's, so the two never
 * interleave. The exit status is the worse of the two.
 * Usage: lanes [dir]  (default dist/test)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test files (paths under the test dir) that mostly wait on the clock: the side lane. */
const SIDE_LANE = /^session\/nightly\/daemon\.test\.js$/;

const dir = process.argv[2] ?? 'dist/test';
const runAll = fileURLToPath(new URL('./run-all.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'icb-lanes-'));
const sideLog = join(tmp, 'side.log');
const sideFd = openSync(sideLog, 'w', 0o600);

const lane = (args: string[], stdio: 'inherit' | number): Promise<number> =>
  new Promise((res) => {
    const p = spawn(process.execPath, [runAll, dir, ...args], {
      stdio: ['ignore', stdio, stdio],
      env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '1' },
    });
    p.on('error', (e) => {
      process.stderr.write(`test lanes: could not start run-all: ${e.message}\n`);
      res(1);
    });
    p.on('exit', (code, sig) => res(code ?? (sig ? 1 : 0)));
  });

const pattern = SIDE_LANE.source;
process.stdout.write(`test lanes: main lane (every test file but ${pattern}) and side lane (${pattern}, output after the main lane's)\n`);
const [main, side] = await Promise.all([lane(['\\.test\\.js$', '--ignore', SIDE_LANE.source], 'inherit'), lane([SIDE_LANE.source], sideFd)]);
process.stdout.write(`\n----- side lane (${pattern}) -----\n`);
process.stdout.write(readFileSync(sideLog, 'utf8'));
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`\ntest lanes: main lane exit ${main}, side lane exit ${side}\n`);
process.exit(main || side);
