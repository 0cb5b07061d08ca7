/**
 * Signs of life for long phases. A watchdog sits between the code that reports progress and the
 * terminal: whenever nothing was printed for `intervalMs` (9.5 s: never 10 s silent), it prints
 *
 *   still <doing>: <latest detail>, <elapsed>
 *
 * once per open activity (what a phase said it is doing, with the latest detail it fed in, e.g.
 * "running terasort of 200000 rows on 4 nodes (rep 1): job_..._0002 map 100% reduce 33%, 40 s"),
 * or, with none open, for the current stage and its last line. A phase that prints often never gets
 * one. Activities nest and may run side by side (hadoop-elastic adds workers while jobs run); the
 * session installs one watchdog per run, so a phase that opens an activity never starts a timer
 * of its own and two "still" lines never race. The clock is injectable (the tests drive it by
 * hand); the timer never keeps the process alive.
 */
import type { Activity, Progress } from './progress.js';

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * A "still" line after this much time without a line: under 10 s, so that with the timer's and the
 * terminal's own latency no gap reaches 10 s (at exactly 10 s a real Hadoop run's longest gap was 10.02 s).
 */
export const HEARTBEAT_MS = 9_500;

export interface WatchdogOptions {
  intervalMs?: number;
  clock?: Clock;
}

export interface Watchdog {
  /** Pass this on: every line through it counts as a sign of life, and it opens activities. */
  readonly progress: Progress;
  stop(): void;
}

/** "8 s", "2 min 05 s", "1 h 02 min". */
export function elapsedText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

const MAX_DETAIL = 160;
const clip = (s: string): string => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > MAX_DETAIL ? `${one.slice(0, MAX_DETAIL - 1)}…` : one;
};

interface Open {
  doing: string;
  detail: string;
  at: number;
}

export function watchdog(out: Progress, o: WatchdogOptions = {}): Watchdog {
  const clock = o.clock ?? systemClock;
  const every = o.intervalMs ?? HEARTBEAT_MS;
  let last = clock.now();
  let stage = { name: 'starting', at: last };
  let lastLine = '';
  const open: Open[] = [];
  let timer: unknown = null;
  let stopped = false;

  const still = (now: number): string[] =>
    open.length
      ? open.map((a) => `still ${a.doing}${a.detail ? `: ${a.detail}` : ''}, ${elapsedText(now - a.at)}`)
      : [`still ${stage.name}${lastLine ? `: ${lastLine}` : ''}, ${elapsedText(now - stage.at)}`];
  const arm = () => {
    timer = clock.setTimeout(tick, Math.max(1, last + every - clock.now()));
  };
  function tick() {
    timer = null;
    if (stopped) return;
    const now = clock.now();
    if (now - last >= every) {
      for (const line of still(now)) out.info(line);
      last = now;
    }
    arm();
  }
  const seen = (line: string) => {
    last = clock.now();
    if (line) lastLine = clip(line);
  };

  const progress: Progress = {
    stage(name, detail) {
      stage = { name, at: clock.now() };
      lastLine = '';
      seen(detail ?? '');
      out.stage(name, detail);
    },
    step(s, i, n, detail) {
      seen(`${s} ${i}/${n} ${detail}`);
      out.step(s, i, n, detail);
    },
    info(msg) {
      seen(msg);
      out.info(msg);
    },
    warn(msg) {
      seen(`warning: ${msg}`);
      out.warn(msg);
    },
    activity(doing) {
      const a: Open = { doing, detail: '', at: clock.now() };
      open.push(a);
      return {
        detail: (text) => {
          a.detail = clip(text);
        },
        end: () => {
          const i = open.indexOf(a);
          if (i >= 0) open.splice(i, 1);
        },
      };
    },
  };
  arm();
  return {
    progress,
    stop() {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}

const NO_ACTIVITY: Activity = { detail() {}, end() {} };

/** Opens an activity on `p`'s watchdog; a no-op where `p` has none (a runner called outside a session). */
export function activity(p: Progress, doing: string): Activity {
  return p.activity?.(doing) ?? NO_ACTIVITY;
}

/** Runs `fn` as an activity: open while it runs, ended however it ends. */
export async function during<T>(p: Progress, doing: string, fn: (a: Activity) => Promise<T>): Promise<T> {
  const a = activity(p, doing);
  try {
    return await fn(a);
  } finally {
    a.end();
  }
}
