/** Reads results/<run-id>/{measurements.csv,run.json} into typed rows and metadata. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { MEASUREMENT_COLUMNS, type Measurement, type Params, type PathKind, type Status } from './measurement.js';
import type { RunMeta } from './run-meta.js';

const STATUSES: Status[] = ['ok', 'failed', 'timeout', 'skipped'];
const PATHS: (PathKind | '')[] = ['local', 'intra-site', 'inter-site', ''];
/** Columns a file written before they existed may lack; they default to ''. */
const OPTIONAL = new Set<keyof Measurement>(['reason', 'flags', 'params', 'cell', 'cell_attempt']);

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
}

function toNumber(raw: string, file: string, line: number, column: string, allowEmpty: boolean): number | null {
  if (raw.trim() === '') {
    if (allowEmpty) return null;
    throw new Error(`${file}:${line}: column ${column} is empty, expected a number`);
  }
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${file}:${line}: column ${column} is "${raw}", expected a number`);
  return n;
}

function parseParams(raw: string, file: string, line: number): Params {
  if (raw.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => !['string', 'number', 'boolean'].includes(typeof x)))
    throw new Error(`${file}:${line}: column params is ${JSON.stringify(raw)}, expected a JSON object of strings, numbers and booleans`);
  return v as Params;
}

/**
 * Files written before the params column carried parameters as `key=value` flags (script=,
 * rtt_ms=, label=, server=, size=): those become params (numbers where they are numbers), the
 * other flags stay caveats.
 */
export function legacyFlags(raw: string): { flags: string; params: Params } {
  const params: Params = {};
  const flags: string[] = [];
  for (const f of raw.split(';').filter(Boolean)) {
    const m = /^([a-z_]+)=(.*)$/.exec(f);
    if (!m) {
      flags.push(f);
      continue;
    }
    params[m[1]] = m[2] !== '' && Number.isFinite(Number(m[2])) ? Number(m[2]) : m[2];
  }
  return { flags: flags.join(';'), params };
}

/**
 * Parses measurements.csv text; `file` is used in messages only. A torn last line (no trailing
 * newline, and it does not parse as a row: a crash or a full disk mid-write) is dropped and
 * reported in `warnings`, never thrown; anything else malformed throws.
 */
export function parseMeasurements(text: string, file: string, warnings?: string[]): Measurement[] {
  const cut = text.lastIndexOf('\n');
  if (text.length === 0 || text.endsWith('\n') || cut < 0) return parseComplete(text, file);
  try {
    return parseComplete(text, file);
  } catch (e) {
    let rows: Measurement[];
    try {
      rows = parseComplete(text.slice(0, cut + 1), file);
    } catch {
      throw e;
    }
    warnings?.push(`${file}: dropped a torn last line (${Buffer.byteLength(text.slice(cut + 1))} bytes)`);
    return rows;
  }
}

function parseComplete(text: string, file: string): Measurement[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (e) {
    throw new Error(`${file}: malformed CSV: ${(e as Error).message}`, { cause: e });
  }
  if (records.length === 0) throw new Error(`${file}: empty file, expected a header row`);
  const header = records[0];
  const missing = MEASUREMENT_COLUMNS.filter((c) => !header.includes(c) && !OPTIONAL.has(c));
  if (missing.length) throw new Error(`${file}: header lacks column(s) ${missing.join(', ')}; expected ${MEASUREMENT_COLUMNS.join(',')}`);
  const idx = (c: string): number => header.indexOf(c);
  return records.slice(1).map((rec, i) => {
    const line = i + 2;
    const get = (c: keyof Measurement): string => (idx(c) < 0 ? '' : rec[idx(c)]);
    const status = get('status') as Status;
    if (!STATUSES.includes(status)) throw new Error(`${file}:${line}: status is "${status}", expected one of ${STATUSES.join('|')}`);
    const path = get('path') as PathKind | '';
    if (!PATHS.includes(path)) throw new Error(`${file}:${line}: path is "${path}", expected local|intra-site|inter-site or empty`);
    const value = toNumber(get('value'), file, line, 'value', true);
    if (status === 'ok' && value === null) throw new Error(`${file}:${line}: status is ok but value is empty`);
    return {
      run_id: get('run_id'),
      scenario: get('scenario'),
      benchmark: get('benchmark'),
      metric: get('metric'),
      value: status === 'ok' ? value : null,
      unit: get('unit'),
      status,
      src_site: get('src_site'),
      src_node: get('src_node'),
      dst_site: get('dst_site'),
      dst_node: get('dst_node'),
      path,
      virt: get('virt'),
      nodes: toNumber(get('nodes'), file, line, 'nodes', false) as number,
      repetition: toNumber(get('repetition'), file, line, 'repetition', false) as number,
      started_at: get('started_at'),
      reason: get('reason'),
      ...(idx('params') < 0 ? legacyFlags(get('flags')) : { flags: get('flags'), params: parseParams(get('params'), file, line) }),
      ...(get('cell') ? { cell: get('cell'), cell_attempt: toNumber(get('cell_attempt'), file, line, 'cell_attempt', true) } : {}),
    };
  });
}

/** Parses run.json text, checking the fields the report relies on. */
export function parseRunMeta(text: string, file: string): RunMeta {
  let meta: RunMeta;
  try {
    meta = JSON.parse(text) as RunMeta;
  } catch (e) {
    throw new Error(`${file}: malformed JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!meta || typeof meta !== 'object') throw new Error(`${file}: expected a JSON object`);
  for (const k of ['run_id', 'scenario', 'topology', 'wan', 'status'] as const) {
    if (meta[k] === undefined) throw new Error(`${file}: field "${k}" is missing`);
  }
  if (!Array.isArray(meta.topology.sites)) throw new Error(`${file}: topology.sites must be an array`);
  if (!Array.isArray(meta.wan)) throw new Error(`${file}: wan must be an array`);
  meta.validation ??= [];
  meta.failures ??= [];
  meta.tools ??= {};
  meta.emulator ??= {};
  meta.params ??= {};
  return meta;
}

/** Reads a run directory; what was tolerated (a torn last CSV line) is pushed to `warnings`. */
export async function loadRun(runDir: string, warnings?: string[]): Promise<{ rows: Measurement[]; meta: RunMeta }> {
  const csvFile = join(runDir, 'measurements.csv');
  const metaFile = join(runDir, 'run.json');
  // Both read at once; every file that could not be read is named (not whichever failed first).
  const read = await Promise.allSettled([readText(csvFile), readText(metaFile)]);
  const errors = read.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (errors.length) throw new Error(errors.join('; '), { cause: read.find((r) => r.status === 'rejected')?.reason });
  const [csv, json] = read.map((r) => (r as PromiseFulfilledResult<string>).value);
  return { rows: parseMeasurements(csv, csvFile, warnings), meta: parseRunMeta(json, metaFile) };
}
