/** Progress lines on stderr: the stage, how far along it is, and elapsed time. */
export interface Progress {
  stage(name: string, detail?: string): void;
  step(stage: string, i: number, n: number, detail: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  /**
   * Opens an activity: what a long phase is doing, for the "still ..." lines of a watchdog
   * (infra/heartbeat.ts). Only a watchdog's progress (and wrappers that pass it on) has it; call it
   * through `activity()` of infra/heartbeat.ts, which gives a no-op where there is none.
   */
  activity?(doing: string): Activity;
}

/** A long phase's sign of life: its latest detail (not printed by itself) until it ends. */
export interface Activity {
  /** The latest state, e.g. "map 45% reduce 0%" or "3 of 4 workers done"; shown on the next "still" line. */
  detail(text: string): void;
  end(): void;
}

export function consoleProgress(out: NodeJS.WritableStream = process.stderr, quiet = false): Progress {
  const t0 = Date.now();
  const ts = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s`;
  const w = (s: string) => {
    if (!quiet) out.write(`${ts()} ${s}\n`);
  };
  return {
    stage: (name, detail) => w(`== ${name}${detail ? `: ${detail}` : ''}`),
    step: (stage, i, n, detail) => w(`[${stage}] ${i}/${n} ${detail}`),
    info: (msg) => w(`   ${msg}`),
    warn: (msg) => {
      out.write(`${ts()} WARNING: ${msg}\n`);
    },
  };
}

export const silentProgress: Progress = { stage() {}, step() {}, info() {}, warn() {} };
