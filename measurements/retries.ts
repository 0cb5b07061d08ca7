/**
 * Samples tried again because the WAN emulator limited them (runners/retry-limited.ts). Every try
 * is kept as rows; these names say how the tries of one sample relate:
 *   - the rows of a retry carry params.attempt = 2, 3, ... (a first try has no `attempt`);
 *   - the ok rows of a try the emulator limited (flag 'emulator-saturated') and that was then tried
 *     again also carry the flag 'retried': a later try of the same sample replaces them.
 * So the rows not flagged 'retried' hold at most one try per sample and repetition.
 */
import type { Measurement } from './measurement.js';

/** Flag: the emulator, not the emulated WAN, limited this sample (runners/sample.ts emulatorWatch). */
export const EMULATOR_SATURATED = 'emulator-saturated';
/** Flag: this try was limited by the emulator and tried again; a later try replaces it. */
export const RETRIED = 'retried';
/** Param: which try of the sample a retry row is (2 = the first retry). */
export const ATTEMPT = 'attempt';

const flagsOf = (r: Pick<Measurement, 'flags'>): string[] => (r.flags ? r.flags.split(';') : []);

/** A row of a try that a later try of the same sample replaces. */
export const isSuperseded = (r: Pick<Measurement, 'flags'>): boolean => flagsOf(r).includes(RETRIED);

/** The try a row belongs to (1 when the row has no `attempt`). */
export function attemptOf(r: Pick<Measurement, 'params'>): number {
  const a = r.params[ATTEMPT];
  return typeof a === 'number' ? a : 1;
}

/** One try of one sample: the same benchmark, pair, repetition and start. */
export const tryKey = (r: Measurement): string => [r.benchmark, r.src_node, r.dst_node, r.repetition, r.started_at].join('\u0000');

/** How the retried samples of one benchmark and path ended. */
export interface RetryOutcome {
  benchmark: string;
  path: Measurement['path'];
  /** Samples tried more than once. */
  retried: number;
  /** ... whose last try the emulator did not limit, by the try that was clean (2, 3, ...). */
  clean: { tries: number; samples: number }[];
  /** ... whose every try the emulator limited, by their number of tries. */
  limited: { tries: number; samples: number }[];
  /** ... whose last try failed. */
  failed: number;
}

function count(by: { tries: number; samples: number }[], tries: number): void {
  const x = by.find((b) => b.tries === tries);
  if (x) x.samples++;
  else by.push({ tries, samples: 1 });
}

/** Per benchmark and path, the samples that were retried and how their last try ended. */
export function retryOutcomes(rows: readonly Measurement[]): RetryOutcome[] {
  const last = new Map<string, Measurement[]>(); // the last try of each retried sample
  for (const r of rows) {
    if (attemptOf(r) < 2 || isSuperseded(r)) continue;
    const k = tryKey(r);
    last.set(k, [...(last.get(k) ?? []), r]);
  }
  const out = new Map<string, RetryOutcome>();
  for (const tryRows of last.values()) {
    const r0 = tryRows[0];
    const k = `${r0.benchmark}\u0000${r0.path}`;
    const o = out.get(k) ?? { benchmark: r0.benchmark, path: r0.path, retried: 0, clean: [], limited: [], failed: 0 };
    o.retried++;
    const ok = tryRows.filter((r) => r.status === 'ok');
    if (!ok.length) o.failed++;
    else count(ok.some((r) => flagsOf(r).includes(EMULATOR_SATURATED)) ? o.limited : o.clean, attemptOf(r0));
    out.set(k, o);
  }
  return [...out.values()];
}

/** How the retried samples ended: "2 then clean (on try 2), 1 limited on all 3 tries". */
export function outcomeText(o: RetryOutcome): string {
  const parts: string[] = [];
  const clean = [...o.clean].sort((a, b) => a.tries - b.tries);
  const n = clean.reduce((a, c) => a + c.samples, 0);
  if (n) parts.push(`${n} then clean (${clean.length === 1 ? `on try ${clean[0].tries}` : clean.map((c) => `${c.samples} on try ${c.tries}`).join(', ')})`);
  for (const l of [...o.limited].sort((a, b) => a.tries - b.tries)) parts.push(`${l.samples} limited on all ${l.tries} tries`);
  if (o.failed) parts.push(`${o.failed} then failed`);
  return parts.join(', ');
}

/** "3 inter-site iperf3 samples were limited by the emulator and retried: 2 then clean, 1 limited on all 3 tries". */
export function retryText(o: RetryOutcome): string {
  const what = `${o.retried} ${o.path ? `${o.path} ` : ''}${o.benchmark} ${o.retried === 1 ? 'sample was' : 'samples were'}`;
  return `${what} limited by the emulator and retried: ${outcomeText(o)}`;
}
