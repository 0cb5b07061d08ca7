/**
 * `npm test`: uvu's own runner (parse + run, as `uvu dist/test "\.test\.js$"` does), then an explicit
 * exit with uvu's status. A handle some test left open (a timer, a socket) would otherwise keep the
 * process, and CI, waiting forever after the last test; it is named on stderr instead.
 *
 * uvu counts a suite whose before/after hook threw as "0 / N" but without an error (its runner
 * returns from a `finally`), so the run would still exit 0: every suite's result is checked here,
 * and tests that did not run make the run fail.
 */
import { parse } from 'uvu/parse';

type SuiteRun = () => Promise<[errors: string | true, ran: number, skipped: number, total: number]>;
const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: (string | SuiteRun)[][] };

// run-all [dir] [pattern] [--ignore regex]: the files under dir matching pattern, less the ignored ones.
const args = process.argv.slice(2);
const ig = args.indexOf('--ignore');
const ignore = ig >= 0 ? args.splice(ig, 2)[1] : undefined;
if (ig >= 0 && !ignore) throw new Error('--ignore: expected a regular expression of test file paths');
const [dir = 'dist/test', pattern = '\\.test\\.js$'] = args;
process.env.FORCE_COLOR ??= '1';
const ctx = await parse(dir, pattern, ignore ? { ignore: new RegExp(ignore) } : {});
// What uvu/run does, with each suite's runner wrapped to see its counts.
g.UVU_DEFER = 1;
const uvu = await import('uvu');
let idx = 0;
for (const suite of ctx.suites) {
  g.UVU_INDEX = idx++;
  g.UVU_QUEUE.push([suite.name]);
  await import(`file:///${suite.file}`);
}
const notRun: string[] = [];
/** Each failing file's uvu report, repeated at the very end: a CI log shown by its tail still names what failed. */
const failed: string[] = [];
/** Wall time per file (its suites' runs), printed slowest first at the end: what CI's time goes to. */
const took = new Map<string, number>();
for (const group of g.UVU_QUEUE) {
  const file = String(group[0]);
  for (let i = 1; i < group.length; i++) {
    const suiteRun = group[i] as SuiteRun;
    group[i] = async () => {
      const t0 = performance.now();
      const r = await suiteRun().finally(() => took.set(file, (took.get(file) ?? 0) + performance.now() - t0));
      const [errors, ran, skipped, total] = r;
      if (errors === true && ran + skipped < total) notRun.push(`${file} (${total - ran - skipped} of ${total})`);
      if (typeof errors === 'string' && errors) failed.push(`${file} (${ran} of ${total} passed):\n${errors.slice(0, 4000)}`);
      return r;
    };
  }
}
await (uvu as unknown as { exec(bail?: boolean): Promise<void> }).exec(false);
const slow = [...took].sort((a, b) => b[1] - a[1]).filter(([, ms]) => ms >= 20_000);
if (slow.length) process.stdout.write(`\nslowest files (>= 20 s): ${slow.map(([f, ms]) => `${f} ${(ms / 1000).toFixed(0)} s`).join(', ')}\n`);
if (failed.length) process.stderr.write(`\ntest run: ${failed.length} file(s) failed, their reports again:\n${failed.join('\n')}\n`);
if (notRun.length) {
  process.stderr.write(`test run: tests that never ran (a before/after hook threw; uvu does not print its error): ${notRun.join(', ')}\n`);
  process.exitCode = 1;
}
const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback');
if (left.length) process.stderr.write(`test run: resources still open after the last test (exiting anyway): ${left.join(', ')}\n`);
process.exit(process.exitCode ?? 0);
