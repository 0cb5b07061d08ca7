import { randomBytes } from 'node:crypto';

/** Run ids look like 20261122-034901-a1b2: sortable, and short enough to sit in resource names. */
export const RUN_ID_RE = /^\d{8}-\d{6}-[0-9a-f]{4}$/;

export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const d = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const t = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${d}-${t}-${randomBytes(2).toString('hex')}`;
}

/** Every network namespace of a run is named icb-<run-id>-<role>. */
export const NS_PREFIX = 'icb-';
export function nsName(runId: string, role: string): string {
  return `${NS_PREFIX}${runId}-${role}`;
}
export function runIdOfNs(name: string): string | null {
  const m = /^icb-(\d{8}-\d{6}-[0-9a-f]{4})-/.exec(name);
  return m ? m[1] : null;
}
