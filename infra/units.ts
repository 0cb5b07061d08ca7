/** Human units used in scenarios: rates ("1Gbit", "100 Mbit/s"), durations ("20ms"), percentages ("0.1%"). */

export class ConfigError extends Error {
  constructor(
    public readonly field: string,
    public readonly expected: string,
    public readonly got: unknown,
  ) {
    super(`${field}: expected ${expected}, got ${show(got)}`);
    this.name = 'ConfigError';
  }

  /** The same error, named after the option the value came from (e.g. iperf3.durationS -> --duration). */
  as(field: string): ConfigError {
    return new ConfigError(field, this.expected, this.got);
  }
}

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const RATE_RE = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(bit|bps|b)?(?:\/s)?\s*$/;
const RATE_SCALE: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
export const RATE_EXPECTED = "a rate such as '1Gbit', '100Mbit/s' or '500M' (bits per second)";

/** Parses a rate to bits per second. Bare numbers are not accepted: a unit prefix or 'bit' is required. */
/** The highest rate a lab link or WAN profile may ask for (tbf and wanem take rates far below overflow). */
export const MAX_RATE_BPS = 400e9;

export function parseRate(v: unknown, field: string, maxBps = MAX_RATE_BPS): number {
  if (typeof v !== 'string') throw new ConfigError(field, RATE_EXPECTED, v);
  const m = RATE_RE.exec(v);
  if (!m || (!m[2] && !m[3])) throw new ConfigError(field, RATE_EXPECTED, v);
  const bps = Number(m[1]) * RATE_SCALE[m[2].toLowerCase()];
  if (!(bps > 0) || !Number.isFinite(bps)) throw new ConfigError(field, 'a rate greater than zero', v);
  if (bps > maxBps) throw new ConfigError(field, `a rate of at most ${formatRate(maxBps)}`, v);
  return Math.round(bps);
}

const DUR_RE = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|min)\s*$/;
const DUR_SCALE: Record<string, number> = { us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60000, min: 60000 };
export const DURATION_EXPECTED = "a duration such as '20ms', '1.5ms', '500us' or '2s'";

/** Parses a duration to milliseconds; zero is allowed ("0ms"). */
export function parseDurationMs(v: unknown, field: string): number {
  if (typeof v !== 'string') throw new ConfigError(field, DURATION_EXPECTED, v);
  const m = DUR_RE.exec(v);
  if (!m) throw new ConfigError(field, DURATION_EXPECTED, v);
  return Number(m[1]) * DUR_SCALE[m[2]];
}

/** Parses a loss percentage: "0.1%" or a number 0..100 (percent). */
export function parsePercent(v: unknown, field: string): number {
  const expected = "a percentage between 0 and 100 such as '0.1%'";
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*\d+(\.\d+)?\s*%?\s*$/.test(v)) n = parseFloat(v);
  else throw new ConfigError(field, expected, v);
  if (!(n >= 0 && n <= 100)) throw new ConfigError(field, expected, v);
  return n;
}

/**
 * A value parsed once from its text (e.g. a command-line option): the number a stage computes
 * with, and the text as given, which is what run.json, sweep keys and labels show (toString and
 * toJSON give it back unchanged). Immutable; later stages take it as is and never parse the text.
 */
abstract class Quantity {
  constructor(public readonly text: string) {}
  toString(): string {
    return this.text;
  }
  toJSON(): string {
    return this.text;
  }
}

/** A duration: `ms` milliseconds, given as `text` (e.g. '20ms'). */
export class Duration extends Quantity {
  private constructor(
    public readonly ms: number,
    text: string,
  ) {
    super(text);
    Object.freeze(this);
  }
  /** Parses `v` ('20ms', '1.5 ms', '2s'); a Duration is returned as it is (already parsed). */
  static of(v: unknown, field: string): Duration {
    return v instanceof Duration ? v : new Duration(parseDurationMs(v, field), v as string);
  }
}

/** A rate: `bps` bits per second, given as `text` (e.g. '1Gbit'). */
export class Rate extends Quantity {
  private constructor(
    public readonly bps: number,
    text: string,
  ) {
    super(text);
    Object.freeze(this);
  }
  /** Parses `v` ('1Gbit', '100Mbit/s'); a Rate is returned as it is (already parsed, its bound checked then). */
  static of(v: unknown, field: string, maxBps = MAX_RATE_BPS): Rate {
    if (v instanceof Rate) {
      if (v.bps > maxBps) throw new ConfigError(field, `a rate of at most ${formatRate(maxBps)}`, v.text);
      return v;
    }
    return new Rate(parseRate(v, field, maxBps), v as string);
  }
  /** A rate known as a number (e.g. from an inventory): written as '<bps>bit'. */
  static fromBps(bps: number): Rate {
    return new Rate(bps, `${bps}bit`);
  }
}

/** A percentage 0..100 (`pct`), given as `text` (e.g. '0.1%'). */
export class Percent extends Quantity {
  private constructor(
    public readonly pct: number,
    text: string,
  ) {
    super(text);
    Object.freeze(this);
  }
  /** Parses `v` ('0.1%', or a number 0..100); a Percent is returned as it is. */
  static of(v: unknown, field: string): Percent {
    return v instanceof Percent ? v : new Percent(parsePercent(v, field), String(v));
  }
}

export function positiveInt(v: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max)
    throw new ConfigError(field, max === Number.MAX_SAFE_INTEGER ? 'a whole number, 1 or more' : `a whole number from 1 to ${max}`, v);
  return v;
}

export function positiveNumber(v: unknown, field: string, max = Number.MAX_VALUE): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max)
    throw new ConfigError(field, `a number greater than 0${max < Number.MAX_VALUE ? ` and at most ${max}` : ''}`, v);
  return v;
}

export function formatRate(bps: number | null): string {
  if (bps === null) return 'unlimited';
  if (bps >= 1e9) return `${+(bps / 1e9).toFixed(3)} Gbit/s`;
  if (bps >= 1e6) return `${+(bps / 1e6).toFixed(3)} Mbit/s`;
  return `${+(bps / 1e3).toFixed(3)} kbit/s`;
}
