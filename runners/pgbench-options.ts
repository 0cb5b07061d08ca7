/**
 * pgbench options: the type, the defaults and the one set of limits (PGBENCH_LIMITS), resolved
 * once against the testbed's nodes (server and client nodes) before anything is created.
 */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { port, wholeNumber } from './values.js';
import { checkClientsThreads, checkSamplingRate, checkScript, PGBENCH_LIMITS, PGBENCH_SCRIPTS, type PgbenchScript } from './pgbench-cmd.js';
import { nodeNamed, refuseXenNodes } from './options-checks.js';
import { pathOf, type Pair } from './pairs.js';

/** Which nodes run pgbench: 'default' = one at the server's site (another host if there is one) and one at each other site; 'all' = every other node; or node names. */
export type ClientNodeSelection = 'default' | 'all' | string[];

/** Options of runners/pgbench.ts runPgbench (checked here, before anything is created). */
export interface PgbenchOptions {
  /** Node that runs the PostgreSQL server. Default: the first node of the first site. */
  server?: string;
  clientNodes?: ClientNodeSelection;
  /** Builtin scripts to run, each in turn. Default ['tpcb-like', 'select-only']. */
  scripts?: PgbenchScript[];
  /** pgbench -i -s. Default 1. */
  scale?: number;
  /** -c: database sessions per pgbench. */
  clients: number;
  /** -j. Default 1. */
  threads?: number;
  durationS: number;
  repetitions?: number;
  /** Number of the first repetition (adaptive repetitions continue the numbering). Default 1. */
  firstRepetition?: number;
  /** Keep per-transaction logs and report latency p50/p95/p99. */
  percentiles?: boolean;
  /** --sampling-rate of that log (0..1]. */
  samplingRate?: number;
  /** -P every n seconds: progress lines, and the latency stddev in the report. Default 1. */
  progressS?: number;
  /** -r in the raw report. */
  perStatement?: boolean;
  /** Server TCP port. Default 55432. */
  port?: number;
  /** Server fsync (postgres default: on). */
  fsync?: boolean;
  /** Caller's label, kept as flag `label=<label>`. */
  label?: string;
  /** WAN RTT this run was made under, kept as flag `rtt_ms=<n>` (the report draws TPS against it). */
  rttMs?: number;
  benchmark?: string;
}

export const PGBENCH_DEFAULTS = { scale: 1, threads: 1, repetitions: 1, progressS: 1, port: 55432, benchmark: 'pgbench' } as const;

export interface PgbenchSettings extends PgbenchOptions {
  readonly resolved: true;
  clientNodes: ClientNodeSelection;
  scripts: PgbenchScript[];
  scale: number;
  threads: number;
  repetitions: number;
  progressS: number;
  port: number;
  benchmark: string;
  percentiles: boolean;
}

export interface ResolvedPgbenchOptions<N extends NodeSpec = NodeSpec> extends PgbenchSettings {
  /** Client -> server pairs, one per client node; all share the server node. */
  pairs: Pair<N>[];
}

/** Defaults applied, limits checked, server and client nodes resolved against `nodes`: the one check of pgbench options. */
export function resolvePgbenchOptions<N extends NodeSpec>(o: PgbenchOptions, nodes: readonly N[], field = 'pgbench'): ResolvedPgbenchOptions<N> {
  const s = resolvePgbenchSettings(o, field);
  const pairs = pgbenchPairs(nodes, s.server, s.clientNodes, field);
  refuseXenNodes(
    pairs.flatMap((p) => [p.src, p.dst]),
    field,
    'pgbench',
  );
  return { ...s, pairs };
}

/** Server node and client nodes (as pairs client -> server) for a selection; ConfigError listing the valid names on unknown ones. */
export function pgbenchPairs<N extends NodeSpec>(
  nodes: readonly N[],
  server: string | undefined,
  sel: ClientNodeSelection = 'default',
  field = 'pgbench',
): Pair<N>[] {
  if (nodes.length === 0) throw new ConfigError(`${field}.server`, 'a testbed with nodes', server);
  const srv = server === undefined ? nodes[0] : nodeNamed(nodes, server, `${field}.server`);
  const others = nodes.filter((n) => n !== srv);
  let clients: N[];
  if (sel === 'all') clients = others;
  else if (Array.isArray(sel)) clients = sel.map((name, i) => nodeNamed(nodes, name, `${field}.clientNodes[${i}]`, srv));
  else {
    // One at the server's site (on another host when there is one), then the first node of each other site.
    const here = others.filter((n) => n.site === srv.site);
    const sameSite = here.find((n) => n.host !== srv.host) ?? here[0];
    const sites = [...new Set(others.map((n) => n.site))].filter((s) => s !== srv.site);
    clients = [...(sameSite ? [sameSite] : []), ...sites.map((s) => others.find((n) => n.site === s)!)];
  }
  if (clients.length === 0) throw new ConfigError(`${field}.clientNodes`, 'at least one node other than the server', sel);
  return clients.map((c) => ({ src: c, dst: srv, path: pathOf(c, srv) }));
}

export function checkPgbenchOptions(o: PgbenchOptions, field = 'pgbench'): void {
  resolvePgbenchSettings(o, field);
}

/** Defaults applied and limits checked, without the nodes (what one sample needs). */
export function resolvePgbenchSettings(o: PgbenchOptions, field = 'pgbench'): PgbenchSettings {
  if (typeof o !== 'object' || o === null) throw new ConfigError(field, 'an options object', o);
  if (o.scale !== undefined) positiveInt(o.scale, `${field}.scale`, PGBENCH_LIMITS.scale);
  checkClientsThreads(o.clients, o.threads, field);
  wholeNumber(o.durationS, `${field}.durationS`, 1, PGBENCH_LIMITS.durationS, 'seconds');
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, PGBENCH_LIMITS.repetitions);
  if (o.firstRepetition !== undefined) positiveInt(o.firstRepetition, `${field}.firstRepetition`, 1_000_000);
  const scripts = o.scripts ?? PGBENCH_SCRIPTS;
  if (!Array.isArray(scripts) || scripts.length === 0) throw new ConfigError(`${field}.scripts`, `a non-empty list of ${PGBENCH_SCRIPTS.join(', ')}`, scripts);
  scripts.forEach((s, i) => checkScript(s, `${field}.scripts[${i}]`));
  if (new Set(scripts).size !== scripts.length) throw new ConfigError(`${field}.scripts`, 'each script at most once', scripts);
  if (o.samplingRate !== undefined) {
    if (!o.percentiles) throw new ConfigError(`${field}.samplingRate`, 'to be set only with percentiles: true', o.samplingRate);
    checkSamplingRate(o.samplingRate, `${field}.samplingRate`);
  }
  if (o.progressS !== undefined) wholeNumber(o.progressS, `${field}.progressS`, 1, 3600, 'seconds');
  if (o.port !== undefined) port(o.port, `${field}.port`);
  if (o.rttMs !== undefined && (typeof o.rttMs !== 'number' || !Number.isFinite(o.rttMs) || o.rttMs < 0))
    throw new ConfigError(`${field}.rttMs`, 'a round-trip time in ms, 0 or more', o.rttMs);
  if (o.label !== undefined && (typeof o.label !== 'string' || !/^[A-Za-z0-9_.:+-]{1,64}$/.test(o.label)))
    throw new ConfigError(`${field}.label`, 'a short label of letters, digits and _ . : + - (no spaces or ;)', o.label);
  const c = o.clientNodes ?? 'default';
  if (c !== 'default' && c !== 'all' && !(Array.isArray(c) && c.length > 0 && c.every((n) => typeof n === 'string')))
    throw new ConfigError(`${field}.clientNodes`, "'default', 'all' or a non-empty list of node names", c);
  return {
    ...o,
    resolved: true,
    clientNodes: c,
    scripts: [...scripts],
    scale: o.scale ?? PGBENCH_DEFAULTS.scale,
    threads: o.threads ?? PGBENCH_DEFAULTS.threads,
    repetitions: o.repetitions ?? PGBENCH_DEFAULTS.repetitions,
    progressS: o.progressS ?? PGBENCH_DEFAULTS.progressS,
    port: o.port ?? PGBENCH_DEFAULTS.port,
    benchmark: o.benchmark ?? PGBENCH_DEFAULTS.benchmark,
    percentiles: o.percentiles ?? false,
  };
}
