/** Entry wrapper for scenario scripts: a bad parameter is one clear line and exit 2, not a stack trace. */
import { ConfigError } from '../infra/units.js';

export async function main(fn: () => Promise<{ status: string } | void>): Promise<void> {
  try {
    const r = await fn();
    // degraded: measured in full, but the testbed did not match its profile (said on top of the report): not a failure.
    if (r && r.status !== 'ok' && r.status !== 'degraded') process.exitCode = 1;
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`error: ${e.message}\n(nothing was created; see --help)\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 1;
    }
  }
}
