/** HTTP requests per second with wrk against nginx or busybox httpd: runners/http.ts, reports/specs/http.ts. */
import { runHttp } from '../runners/http.js';
import { resolveHttpOptions, type HttpOptions } from '../runners/http-options.js';
import { httpSection } from '../reports/specs/http.js';
import { pairPlan } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const http = defineBenchmark({
  benchmark: 'http',
  summary: 'HTTP requests/s and latency with wrk against nginx or busybox httpd on a node',
  resolve: (o: HttpOptions, nodes) => resolveHttpOptions(o, nodes),
  plan: (o) => ({
    ...pairPlan(
      o,
      `${o.durationS} s of wrk, ${o.servers.join(' and ')}, ${o.sizes.length} size${o.sizes.length > 1 ? 's' : ''}`,
      (samples) => o.pairs.length * o.servers.length * 2 + samples * (o.durationS + 1),
      o.servers.length * o.sizes.length,
    ),
    hostNeeds: o.servers.includes('nginx') ? ['http', 'http-nginx'] : ['http'],
  }),
  // Measured through cells (runners/cells.ts): a lost node costs its cells; a fill re-runs only the holes.
  cells: () => true,
  run: ({ ctx }, o) => runHttp(ctx, o),
  sections: [httpSection],
});
