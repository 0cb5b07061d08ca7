/**
 * The nightly daemon's calls into the history index (session/history.ts, built separately): index
 * a finished run and detect its regressions, and record slots that were not run. The contract is
 * restated here; the module is loaded when first needed, and a build without it logs that runs are
 * not indexed (no regressions.json, no regression exit status) instead of failing the run.
 */
export type RunOrigin = { kind: 'manual' } | { kind: 'nightly'; entry: string; slot: string };
export interface RecordedRun {
  runId: string;
  status: string;
  regressionsPath: string;
  suspect: number;
  confirmed: number;
}
export interface HistoryApi {
  recordRun(resultsRoot: string, runDir: string, origin: RunOrigin): Promise<RecordedRun>;
  recordMissed(resultsRoot: string, m: { entry: string; scenario: string; slot: string; reason: string }): Promise<void>;
}

// A variable specifier: the build does not need the module to exist yet.
const HISTORY_MODULE = '../history.js';
let loaded: Promise<HistoryApi | null> | undefined;

/** The history module, or null when this build has none. */
export function historyApi(): Promise<HistoryApi | null> {
  loaded ??= (import(HISTORY_MODULE) as Promise<Partial<HistoryApi>>).then(
    (m) => (typeof m.recordRun === 'function' && typeof m.recordMissed === 'function' ? (m as HistoryApi) : null),
    (e: NodeJS.ErrnoException) => {
      if (e.code === 'ERR_MODULE_NOT_FOUND') return null;
      throw e;
    },
  );
  return loaded;
}
