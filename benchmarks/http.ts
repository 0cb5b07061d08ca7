/** HTTP requests per second with wrk against nginx or busybox httpd: runners/http.ts, reports/specs/http.ts. */
import { runHttp } from '../runners/http.js';
import { resolveHttpOptions, type HttpOptions } from '../runners/http-options.js';
import { httpSection } from '../reports/specs/http.js';
import { pairsOf } from './plan-helpers.js';
import { defineBenchmark } from './types.js';

export const http = defineBenchmark({
  benchmark: 'http',
  summary: 'HTTP requests/s and latency with wrk against nginx or busybox httpd on a node',
  resolve: (o: HttpOptions, nodes) => resolveHttpOptions(o, nodes),
  plan: (o) => {
    const samples = o.pairs.length * o.servers.length * o.sizes.length * o.repetitions;
    return {
      benchmark: o.benchmark,
      pairs: pairsOf(o.pairs),
      repetitions: o.repetitions,
      samples,
      detail: `${o.durationS} s of wrk, ${o.servers.join(' and ')}, ${o.sizes.length} size${o.sizes.length > 1 ? 's' : ''}`,
      estimateS: o.pairs.length * o.servers.length * 2 + samples * (o.durationS + 1),
    };
  },
  run: ({ ctx }, o) => runHttp(ctx, o),
  sections: [httpSection],
});
