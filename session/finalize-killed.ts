/**
 * A run whose process died (kill -9, power loss) left run.json saying `running`; once `icbench
 * clean` has removed what it made, its run.json says what happened: status `interrupted`, the end
 * time, and a failure naming the dead process and when clean found it. (Without this a killed run
 * stays `running` in `icbench list` for ever.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalEntry } from '../infra/journal.js';
import { writeFileAtomic } from '../base/atomic-file.js';
import { parseRunMeta } from '../measurements/reader.js';

/** Rewrites the run's run.json if it still says `running`; returns true when it did. Never throws. */
export function finalizeKilledRun(head: Extract<JournalEntry, { kind: 'run' }>, now = new Date()): boolean {
  const file = join(head.resultsDir, 'run.json');
  try {
    if (!existsSync(file)) return false;
    const meta = parseRunMeta(readFileSync(file, 'utf8'), file);
    if (meta.status !== 'running') return false;
    meta.status = 'interrupted';
    meta.ended_at = now.toISOString();
    meta.failures.push({
      stage: 'run',
      what: 'killed',
      error: `the run's process (pid ${head.pid}) was gone when icbench clean removed what it made at ${now.toISOString()}; rows measured before stay`,
    });
    writeFileAtomic(file, `${JSON.stringify(meta, null, 2)}\n`);
    return true;
  } catch {
    return false;
  }
}
