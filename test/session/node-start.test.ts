import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeStartRows } from '../../session/node-start.js';
import type { RunContext } from '../../runners/context.js';

const node = (name: string, site: string) => ({
  name,
  site,
  host: `${site}-h1`,
  virt: 'lxc' as const,
  address: '10.0.0.1',
  index: 0,
  exec: { where: name, wrap: (a: string[]) => a },
});
const ctx = { runId: 'r', scenario: 's', nodes: [node('a', 'A'), node('b', 'B')] } as unknown as RunContext;

test('one start_time row per node; a node without a time is a failed row, never a zero', () => {
  const rows = nodeStartRows(ctx, { a: 12.345 }, new Date('2024-01-01T00:00:00Z'));
  assert.is(rows.length, 2);
  assert.equal(
    [rows[0].metric, rows[0].value, rows[0].unit, rows[0].status, rows[0].path, rows[0].virt, rows[0].nodes],
    ['start_time', 12.3, 'ms', 'ok', 'local', 'lxc', 2],
  );
  assert.is(rows[1].status, 'failed');
  assert.is(rows[1].value, null);
  assert.match(rows[1].reason, 'not recorded');
  assert.is(rows[0].started_at, '2024-01-01T00:00:00.000Z');
  assert.equal(nodeStartRows(ctx, { a: 1, b: Number.NaN })[1].status, 'failed');
});

test.run();
