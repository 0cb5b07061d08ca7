/**
 * `npm test`: uvu's own runner (parse + run, as `uvu dist/test "\.test\.js$"` does), then an explicit
 * exit with uvu's status. A handle some test left open (a timer, a socket) would otherwise keep the
 * process, and CI, waiting forever after the last test; it is named on stderr instead.
 */
import { parse } from 'uvu/parse';
import { run } from 'uvu/run';

const [dir = 'dist/test', pattern = '\\.test\\.js$'] = process.argv.slice(2);
process.env.FORCE_COLOR ??= '1';
const ctx = await parse(dir, pattern, {});
await run(ctx.suites, { bail: false });
const left = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback');
if (left.length) process.stderr.write(`test run: resources still open after the last test (exiting anyway): ${left.join(', ')}\n`);
process.exit(process.exitCode ?? 0);
