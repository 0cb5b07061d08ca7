/** One tidy result row. Column names and order are the contract of measurements.csv (see DESIGN.md). */
export type PathKind = 'local' | 'intra-site' | 'inter-site';
export type Status = 'ok' | 'failed' | 'timeout' | 'skipped';

export interface Measurement {
  run_id: string;
  scenario: string;
  benchmark: string; // iperf3 | ping | validation | lab ...
  metric: string; // e.g. throughput, rtt, rtt_median, retransmits, loss
  value: number | null; // null (empty in CSV) whenever status is not ok: never a made-up zero
  unit: string; // Mbit/s, ms, %, count, s
  status: Status;
  src_site: string;
  src_node: string;
  dst_site: string;
  dst_node: string;
  path: PathKind | '';
  virt: string;
  nodes: number; // cluster size at the time of the sample
  repetition: number;
  started_at: string; // ISO 8601
  /** Why a row is not ok (error text from the tool or the harness). Empty when ok. */
  reason: string;
  /** Semicolon-separated caveats on an ok value, e.g. "emulator-saturated". Caveats only: parameters go to `params`. */
  flags: string;
  /**
   * The benchmark's parameters for this sample (script, rtt_ms, label, server, size, streams, ...),
   * typed. Written to the CSV as one JSON object with its keys sorted.
   */
  params: Params;
  /** The cell the row belongs to (measurements/ledger.ts cellKey); empty for rows outside any cell (validation, node start). */
  cell?: string;
  /** The ledger attempt that measured it: 1 the run itself, 2+ a fill (icbench fill); null outside any cell. */
  cell_attempt?: number | null;
}

/** Typed benchmark parameters of a row. */
export type Params = Record<string, string | number | boolean>;

/** Column order of measurements.csv. */
export const MEASUREMENT_COLUMNS: (keyof Measurement)[] = [
  'run_id',
  'scenario',
  'benchmark',
  'metric',
  'value',
  'unit',
  'status',
  'src_site',
  'src_node',
  'dst_site',
  'dst_node',
  'path',
  'virt',
  'nodes',
  'repetition',
  'started_at',
  'reason',
  'flags',
  'params',
  'cell',
  'cell_attempt',
];

/** Fields a runner knows about the sample's context; parsers fill in metric/value/unit/status. */
export type SampleContext = Omit<Measurement, 'metric' | 'value' | 'unit' | 'status' | 'reason' | 'flags' | 'params' | 'cell' | 'cell_attempt'> & {
  params?: Params;
};

/** A parsed value of one metric, before it is put into context. */
export interface Sample {
  metric: string;
  value: number | null;
  unit: string;
  status: Status;
  reason?: string;
  flags?: string[];
  params?: Params;
}

export function toRow(ctx: SampleContext, s: Sample): Measurement {
  const { params: _ctxParams, ...base } = ctx;
  return {
    ...base,
    metric: s.metric,
    value: s.status === 'ok' ? s.value : null,
    unit: s.unit,
    status: s.status,
    reason: s.reason ?? '',
    flags: (s.flags ?? []).join(';'),
    params: { ...ctx.params, ...s.params },
  };
}

/** The params column: JSON with keys in sorted order, so equal params are equal text. */
export function paramsJson(p: Params): string {
  const keys = Object.keys(p).sort();
  return keys.length ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, p[k]]))) : '';
}

export function failed(metric: string, unit: string, reason: string, status: Status = 'failed'): Sample {
  return { metric, value: null, unit, status, reason };
}
