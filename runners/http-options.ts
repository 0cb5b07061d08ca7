/** http options: the type, the defaults and the one set of limits, resolved once against the testbed's nodes. */
import type { NodeSpec } from '../infra/config.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { checkServerKind, checkSizes, type HttpServerKind } from './http-server.js';
import { port as checkPort } from './values.js';
import { isObject, refuseXenNodes } from './options-checks.js';
import { selectPairs, type Pair, type PairSelection } from './pairs.js';
import { wrkArgs } from './wrk-cmd.js';

export interface HttpOptions {
  pairs: PairSelection;
  /** Servers to measure, each in turn. Default ['nginx']. */
  servers?: HttpServerKind[];
  /** Sizes in bytes of the file requested; each size is its own sample. Default [1024]. */
  sizes?: number[];
  durationS: number;
  /** wrk -t (default 1) and -c (default 10). */
  threads?: number;
  connections?: number;
  /** wrk --timeout in seconds (default 2). */
  timeoutS?: number;
  repetitions?: number;
  /** nginx worker_processes (default 1). */
  workers?: number;
  /** TCP port of the servers (default 8080). */
  port?: number;
  benchmark?: string;
}

export const HTTP_DEFAULTS = {
  servers: ['nginx'] as HttpServerKind[],
  sizes: [1024],
  threads: 1,
  connections: 10,
  timeoutS: 2,
  repetitions: 1,
  port: 8080,
  benchmark: 'http',
};
const DEFAULTS = HTTP_DEFAULTS;

export interface ResolvedHttpOptions<N extends NodeSpec = NodeSpec> extends Omit<HttpOptions, 'pairs'> {
  readonly resolved: true;
  pairs: Pair<N>[];
  servers: HttpServerKind[];
  sizes: number[];
  threads: number;
  connections: number;
  timeoutS: number;
  repetitions: number;
  port: number;
  benchmark: string;
}

/** The old check, kept for callers: the same one set of limits, without the nodes. */
export function checkHttpOptions(o: HttpOptions, field = 'http'): void {
  const servers = o.servers ?? DEFAULTS.servers;
  if (!Array.isArray(servers) || servers.length === 0) throw new ConfigError(`${field}.servers`, "a non-empty list of 'nginx' and/or 'busybox'", servers);
  servers.forEach((s, i) => checkServerKind(s, `${field}.servers[${i}]`));
  checkSizes(o.sizes ?? DEFAULTS.sizes, `${field}.sizes`);
  wrkArgs(
    {
      url: 'http://127.0.0.1/',
      threads: o.threads ?? DEFAULTS.threads,
      connections: o.connections ?? DEFAULTS.connections,
      durationS: o.durationS,
      timeoutS: o.timeoutS,
    },
    field,
  );
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
  if (o.workers !== undefined) positiveInt(o.workers, `${field}.workers`, 256);
  checkPort(o.port ?? DEFAULTS.port, `${field}.port`);
}

/** Defaults applied, limits checked (wrk's own limits via wrkArgs), pairs resolved against `nodes`: the one check of http options. */
export function resolveHttpOptions<N extends NodeSpec>(o: HttpOptions, nodes: readonly N[], field = 'http'): ResolvedHttpOptions<N> {
  isObject(o, field);
  checkHttpOptions(o, field);
  if (o.repetitions !== undefined) positiveInt(o.repetitions, `${field}.repetitions`, 1000);
  refuseXenNodes(
    selectPairs(nodes, o.pairs, `${field}.pairs`).flatMap((p) => [p.src, p.dst]),
    field,
    'http',
  );
  const { pairs: _sel, ...rest } = o;
  return {
    ...rest,
    resolved: true,
    servers: [...(o.servers ?? DEFAULTS.servers)],
    sizes: [...(o.sizes ?? DEFAULTS.sizes)],
    threads: o.threads ?? DEFAULTS.threads,
    connections: o.connections ?? DEFAULTS.connections,
    timeoutS: o.timeoutS ?? DEFAULTS.timeoutS,
    repetitions: o.repetitions ?? DEFAULTS.repetitions,
    port: o.port ?? DEFAULTS.port,
    benchmark: o.benchmark ?? DEFAULTS.benchmark,
    pairs: selectPairs(nodes, o.pairs, `${field}.pairs`),
  };
}
