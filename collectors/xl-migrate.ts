/** `xl migrate` result -> samples. Pure; the result is parsed by infra/xen/xl-output.ts. */
import { failed, type Sample } from '../measurements/measurement.js';

/** What a migration parser reports (infra/xen/xl-output.ts's XlMigrateResult has this shape). */
export interface MigrationOutcome {
  ok: boolean;
  reason?: string;
}

/** Samples of one migration: wall-clock time of `xl migrate` (s). Downtime is not in xl's output. */
export function migrationSamples(r: MigrationOutcome, wallMs: number | null): Sample[] {
  if (!r.ok) return [failed('migration_time', 's', r.reason ?? 'migration failed')];
  if (wallMs === null || !(wallMs >= 0)) return [failed('migration_time', 's', 'no wall-clock time was taken')];
  return [{ metric: 'migration_time', value: wallMs / 1000, unit: 's', status: 'ok' }];
}
