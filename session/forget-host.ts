/**
 * `icbench clean <run> --forget-host H`: a host gone for good (reinstalled, decommissioned) keeps
 * a run's journal, and so the run, for ever, since clean cannot reach it. After a normal clean, the
 * named hosts that still hold something of the run are dropped from the controller's journal (never
 * from the host: nothing is removed there), on purpose and on the record: a `forgotten` journal
 * entry (who, when, why: the host's last error), a failure in the run's run.json (the journal goes
 * once nothing else is left), and a line printed. Only a host this clean could not reach is
 * forgotten: one it reached has nothing left to forget, or answered and said what it could not
 * remove (that stays journaled: the host is not gone).
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../base/atomic-file.js';
import type { Journal, JournalEntry } from '../infra/journal.js';
import { journaledHosts, withoutHosts } from '../infra/providers.js';
import type { Leftover } from '../infra/testbed.js';
import { parseRunMeta } from '../measurements/reader.js';

/** --forget-host naming a host the run's journal does not name: bad usage. */
export class UnknownForgetHost extends Error {
  constructor(
    readonly runId: string,
    readonly unknown: string[],
    readonly known: string[],
  ) {
    const names = unknown.map((x) => JSON.stringify(x)).join(', ');
    const hosts = known.length ? `the hosts in its journal: ${known.join(', ')}` : 'its journal names no host';
    super(`--forget-host: run ${runId} has no host ${names} in its journal (${hosts})`);
    this.name = 'UnknownForgetHost';
  }
}

/** A host dropped from a run's journal, as journaled (kind `forgotten`). */
export type ForgottenHost = Omit<Extract<JournalEntry, { kind: 'forgotten' }>, 'kind'>;

const forgottenIn = (entries: JournalEntry[]) => entries.flatMap((e) => (e.kind === 'forgotten' ? [e] : []));

/** Throws UnknownForgetHost unless every name is a host of the run's journal (or one it forgot before). */
export async function checkForgetHosts(runId: string, entries: JournalEntry[], names: string[]): Promise<void> {
  const known = await journaledHosts(entries);
  const before = forgottenIn(entries).map((e) => e.host);
  const unknown = names.filter((n) => !known.includes(n) && !before.includes(n));
  if (unknown.length) throw new UnknownForgetHost(runId, unknown, known);
}

/** Who forgets: the user and machine running clean. */
function who(): string {
  let user = `uid ${process.getuid?.() ?? '?'}`;
  try {
    user = `${userInfo().username} (${user})`;
  } catch {
    /* no passwd entry: the uid alone */
  }
  return `${user} on ${hostname()}`;
}

/** Adds one failure per forgotten host to the run's run.json (once each); returns the file, or why not. Never throws. */
function recordInRunJson(entries: JournalEntry[], forgotten: ForgottenHost[]): { file: string } | { not: string } {
  const head = entries.find((e) => e.kind === 'run');
  if (head?.kind !== 'run') return { not: 'the journal names no run folder' };
  const file = join(head.resultsDir, 'run.json');
  try {
    if (!existsSync(file)) return { not: `no ${file}` };
    const meta = parseRunMeta(readFileSync(file, 'utf8'), file);
    for (const f of forgotten) {
      const what = `forgotten host ${f.host}`;
      if (meta.failures.some((x) => x.stage === 'clean' && x.what === what)) continue;
      meta.failures.push({ stage: 'clean', what, error: `${f.why} (by ${f.by} at ${f.at}); what the run made on it was not removed` });
    }
    writeFileAtomic(file, `${JSON.stringify(meta, null, 2)}\n`);
    return { file };
  } catch (e) {
    return { not: `${file}: ${(e as Error).message}` };
  }
}

/**
 * After a normal clean of the run left `left`: forgets each named host it could not reach (run.json
 * first, then the journal, rewritten without the host plus a `forgotten` entry). Returns what is
 * left on other hosts, and the hosts forgotten now.
 */
export async function forgetHosts(
  j: Journal,
  left: Leftover[],
  names: string[],
  log: (s: string) => void,
  now = new Date(),
): Promise<{ left: Leftover[]; forgotten: ForgottenHost[] }> {
  const entries = j.entries();
  const before = forgottenIn(entries);
  const forgotten: ForgottenHost[] = [];
  for (const host of names) {
    const mine = left.filter((l) => l.host?.name === host);
    const earlier = before.find((e) => e.host === host);
    if (mine.length === 0) {
      log(
        earlier
          ? `${j.runId}: host ${host} was forgotten before (${earlier.at}, by ${earlier.by}): nothing to forget`
          : `${j.runId}: host ${host}: this clean reached it and nothing of the run is left there: nothing to forget`,
      );
      continue;
    }
    const answered = mine.find((l) => l.host?.reached);
    if (answered) {
      log(
        `${j.runId}: host ${host} answered and could not remove everything (${answered.host!.error}): not forgotten, it is not gone; see to it and clean again`,
      );
      continue;
    }
    const error = mine[mine.length - 1].host!.error;
    forgotten.push({ host, at: now.toISOString(), by: who(), why: `forgotten by --forget-host, ${error}` });
  }
  if (forgotten.length === 0) return { left, forgotten };
  const rec = recordInRunJson(entries, forgotten);
  j.amend(
    await withoutHosts(new Set(forgotten.map((f) => f.host))),
    forgotten.map((f) => ({ kind: 'forgotten' as const, ...f })),
  );
  for (const f of forgotten)
    log(
      `${j.runId}: forgot host ${f.host}: its entries are dropped from the journal, what the run made on it was NOT removed (${f.why.replace(/^forgotten by --forget-host, /, '')})`,
    );
  log(`${j.runId}: recorded in the journal and ${'file' in rec ? rec.file : `not in run.json (${rec.not})`}`);
  return { left: left.filter((l) => !forgotten.some((f) => f.host === l.host?.name)), forgotten };
}
