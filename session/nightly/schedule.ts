/**
 * The nightly schedule file (YAML), validated before anything runs: every error names the file
 * and the field path and says what was expected (`nightly.yaml: entries[1].cron: expected a cron
 * expression ..., got "..."`). Cron expressions are checked with node-cron's own validator,
 * timezones with Intl. Relative paths resolve against the schedule file's directory. Scenario
 * parameters are checked later against the scenario's own definitions (check-params.ts).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { validateDetailed } from 'node-cron';
import { parseDocument } from 'yaml';
import { MAX_INPUT_BYTES, readInputFile } from '../../infra/input-file.js';
import { ConfigError } from '../../infra/units.js';

export type MissedPolicy = 'catch-up' | 'skip';
export type AlertLevel = 'confirmed' | 'suspect';

export interface ScheduleEntry {
  name: string;
  cron: string;
  /** IANA timezone the cron expression is read in. */
  timezone: string;
  /** Absolute path of the scenario script. */
  scenario: string;
  /** Scenario options without `--`, as the command line gets them (lists joined with ','). */
  params: Record<string, string>;
  deadlineMs: number;
  /** Time between SIGINT at the deadline and SIGKILL. */
  stopGraceMs: number;
  missed: MissedPolicy;
  /** A missed slot younger than this is run once at start; older ones are recorded as missed. */
  graceMs: number;
  /** argv of the command run with regressions.json's path appended (no shell). */
  onRegression: string[] | null;
  alert: AlertLevel;
}

export interface Schedule {
  /** The file as given (for messages) and resolved. */
  file: string;
  path: string;
  name: string;
  results: string;
  stateDir: string;
  retention: { rawDays: number | null };
  entries: ScheduleEntry[];
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DUR_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)\s*$/;
const DUR_SCALE: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = "a duration such as '90s', '45m', '2h' or '1d'";
/** Options the daemon sets itself or that would stop the scenario from running. */
const RESERVED: Record<string, string> = {
  results: 'the results directory is the schedule\'s top-level "results"',
  help: 'it prints the help and exits',
  'dry-run': 'it creates nothing',
};

export function parseScheduleDuration(v: unknown, field: string): number {
  const m = typeof v === 'string' ? DUR_RE.exec(v) : null;
  if (!m || Number(m[1]) <= 0) throw new ConfigError(field, DURATION, v);
  return Number(m[1]) * DUR_SCALE[m[2]];
}

export function checkCron(v: unknown, field: string): string {
  const expected = "a cron expression of 5 fields (minute hour day month weekday) or 6 (with seconds first), e.g. '0 2 * * *'";
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(field, expected, v);
  const r = validateDetailed(v.trim());
  if (!r.valid) throw new ConfigError(field, `${expected} (${r.errors.map((e) => `${e.field}: ${e.message}`).join('; ')})`, v);
  return v.trim();
}

export function checkTimezone(v: unknown, field: string): string {
  const expected = "an IANA timezone such as 'UTC' or 'Asia/Tokyo'";
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(field, expected, v);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: v.trim() }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(field, expected, v);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function only(o: Record<string, unknown>, allowed: string[], at: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) throw new ConfigError(`${at}${k}`, `no such field (fields: ${allowed.join(', ')})`, o[k]);
}

function paramValue(v: unknown, field: string): string {
  const expected = 'a string, a number, true/false, or a list of those (joined with commas)';
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return String(v);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String).join(',');
  throw new ConfigError(field, expected, v);
}

function entry(e: unknown, i: number, f: string, base: string, names: Set<string>): ScheduleEntry {
  const at = `${f}: entries[${i}]`;
  if (!isObject(e)) throw new ConfigError(at, 'a mapping with name, cron, scenario, deadline, ...', e);
  only(e, ['name', 'cron', 'timezone', 'scenario', 'params', 'deadline', 'stop_grace', 'missed', 'grace', 'on_regression', 'alert'], `${at}.`);
  if (typeof e.name !== 'string' || !NAME_RE.test(e.name))
    throw new ConfigError(`${at}.name`, 'a name of letters, digits, ".", "_" or "-" (at most 64)', e.name);
  if (names.has(e.name)) throw new ConfigError(`${at}.name`, 'a name no other entry has', e.name);
  names.add(e.name);
  const cron = checkCron(e.cron, `${at}.cron`);
  const timezone = e.timezone === undefined ? Intl.DateTimeFormat().resolvedOptions().timeZone : checkTimezone(e.timezone, `${at}.timezone`);
  if (typeof e.scenario !== 'string' || !/\.m?[jt]s$/.test(e.scenario))
    throw new ConfigError(`${at}.scenario`, 'the path of a scenario script (.mjs), e.g. ../scenarios/hokudai-nii.mjs', e.scenario);
  const scenario = resolve(base, e.scenario);
  try {
    readFileSync(scenario, { flag: 'r' }).subarray(0, 1);
  } catch (err) {
    throw new ConfigError(`${at}.scenario`, 'a readable scenario script', `${e.scenario} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const params: Record<string, string> = {};
  if (e.params !== undefined && e.params !== null) {
    if (!isObject(e.params)) throw new ConfigError(`${at}.params`, 'a mapping of scenario options (without --) to values', e.params);
    for (const [k, v] of Object.entries(e.params)) {
      const key = k.replace(/^--/, '');
      if (RESERVED[key]) throw new ConfigError(`${at}.params.${k}`, `not this option (${RESERVED[key]})`, v);
      params[key] = paramValue(v, `${at}.params.${k}`);
    }
  }
  if (e.deadline === undefined) throw new ConfigError(`${at}.deadline`, `${DURATION}: the hard limit of one run`, e.deadline);
  const deadlineMs = parseScheduleDuration(e.deadline, `${at}.deadline`);
  const stopGraceMs = e.stop_grace === undefined ? 120_000 : parseScheduleDuration(e.stop_grace, `${at}.stop_grace`);
  const missed = e.missed ?? 'catch-up';
  if (missed !== 'catch-up' && missed !== 'skip') throw new ConfigError(`${at}.missed`, 'catch-up or skip', e.missed);
  const graceMs = e.grace === undefined ? 3_600_000 : parseScheduleDuration(e.grace, `${at}.grace`);
  let onRegression: string[] | null = null;
  if (e.on_regression !== undefined && e.on_regression !== null) {
    const expected =
      "a command as a list of arguments, e.g. ['/usr/local/bin/notify', '--to', 'bench'] (run without a shell; the path of regressions.json is appended)";
    const v = typeof e.on_regression === 'string' ? [e.on_regression] : e.on_regression;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== ''))
      throw new ConfigError(`${at}.on_regression`, expected, e.on_regression);
    onRegression = v as string[];
  }
  const alert = e.alert ?? 'confirmed';
  if (alert !== 'confirmed' && alert !== 'suspect') throw new ConfigError(`${at}.alert`, 'confirmed or suspect', e.alert);
  return { name: e.name, cron, timezone, scenario, params, deadlineMs, stopGraceMs, missed, graceMs, onRegression, alert };
}

/** Parses and validates a schedule's text; `file` names it in errors, `base` resolves relative paths. */
export function parseSchedule(text: string, file: string, base: string): Schedule {
  const f = file;
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length) throw new ConfigError(f, 'a YAML document', doc.errors[0].message.split('\n')[0]);
  let top: unknown;
  try {
    top = doc.toJS({ maxAliasCount: 100 }); // bounded expansion: a billion-laughs or merge-key bomb is refused
  } catch (e) {
    throw new ConfigError(f, 'a YAML document without excessive aliases', (e as Error).message);
  }
  if (!isObject(top)) throw new ConfigError(f, 'a mapping with "entries" (and optionally name, results, state_dir, retention)', top);
  only(top, ['name', 'results', 'state_dir', 'retention', 'entries'], `${f}: `);
  const name = top.name ?? basename(file, extname(file)).replace(/\.schedule$/, '');
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw new ConfigError(`${f}: name`, 'a name of letters, digits, ".", "_" or "-" (at most 64)', name);
  if (top.results !== undefined && (typeof top.results !== 'string' || top.results.trim() === ''))
    throw new ConfigError(`${f}: results`, 'a directory path (relative to the schedule file)', top.results);
  const results = resolve(base, (top.results as string | undefined) ?? 'results');
  if (top.state_dir !== undefined && (typeof top.state_dir !== 'string' || top.state_dir.trim() === ''))
    throw new ConfigError(`${f}: state_dir`, 'a directory path (relative to the schedule file)', top.state_dir);
  const stateDir = top.state_dir ? resolve(base, top.state_dir as string) : resolve(results, '.nightly', name);
  let rawDays: number | null = null;
  if (top.retention !== undefined && top.retention !== null) {
    if (!isObject(top.retention)) throw new ConfigError(`${f}: retention`, 'a mapping such as { raw_days: 30 }', top.retention);
    only(top.retention, ['raw_days'], `${f}: retention.`);
    const d = top.retention.raw_days;
    if (d !== undefined && (typeof d !== 'number' || !Number.isInteger(d) || d < 1))
      throw new ConfigError(`${f}: retention.raw_days`, 'a whole number of days, 1 or more', d);
    rawDays = (d as number | undefined) ?? null;
  }
  if (!Array.isArray(top.entries) || top.entries.length === 0) throw new ConfigError(`${f}: entries`, 'a list of one or more entries', top.entries);
  const names = new Set<string>();
  const entries = top.entries.map((e, i) => entry(e, i, f, base, names));
  return { file, path: resolve(file), name, results, stateDir, retention: { rawDays }, entries };
}

export function loadSchedule(file: string): Schedule {
  let text: string;
  try {
    text = readInputFile(file);
  } catch (e) {
    throw new ConfigError(
      file,
      `a readable schedule file (YAML) of at most ${MAX_INPUT_BYTES} bytes`,
      (e as NodeJS.ErrnoException).code ?? (e as Error).message,
    );
  }
  return parseSchedule(text, file, dirname(resolve(file)));
}

/** The command-line arguments of an entry's scenario (options in the schedule's order). */
export function scenarioArgs(e: ScheduleEntry, results: string): string[] {
  return [...Object.entries(e.params).flatMap(([k, v]) => [`--${k}`, v]), '--results', results];
}
