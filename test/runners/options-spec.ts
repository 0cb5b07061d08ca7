/** A 2-site, 8-node testbed spec shared by the runners/*-options tests. */
import * as assert from 'uvu/assert';
import { resolveConfig } from '../../infra/config.js';
import { ConfigError } from '../../infra/units.js';

export const spec = resolveConfig({
  scenario: 't',
  wan: { rate: '1Gbit', rtt: '20ms' },
  sites: [
    { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2 },
    { name: 'Hokudai', lan: '1Gbit', hosts: 2, nodesPerHost: 2 },
  ],
});
export const nodes = spec.nodes;

/** fn throws a ConfigError on `field` whose message matches `msg` (when given). */
export function rejects(fn: () => unknown, field: string, msg?: RegExp): void {
  try {
    fn();
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.is((e as ConfigError).field, field);
    if (msg) assert.match((e as Error).message, msg);
    return;
  }
  assert.unreachable(`expected a ConfigError on ${field}`);
}
