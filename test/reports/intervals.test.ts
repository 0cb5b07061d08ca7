import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from 'vega-lite';
import { intervalsSection, loadIntervals, rawIperf3File } from '../../reports/specs/intervals.js';
import { sampleMeta, sampleRows } from '../../fixtures/sample-run.js';

// Test input: the shape of iperf3 -J output (intervals[].sum), values made up.
test('iperf3 intervals from raw/iperf3/*.client.json: per-interval Mbit/s and retransmits; rows without a raw file skipped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'icb-iv-'));
  try {
    const rows = sampleRows().filter((r) => r.benchmark === 'iperf3' && r.status === 'ok');
    const r = rows.find((x) => x.path === 'inter-site')!;
    await mkdir(join(dir, 'raw', 'iperf3'), { recursive: true });
    const iv = (end: number, bps: number, re: number, omitted = false) => ({ sum: { start: end - 1, end, bits_per_second: bps, retransmits: re, omitted } });
    await writeFile(rawIperf3File(dir, r), JSON.stringify({ intervals: [iv(1, 5e8, 3, true), iv(2, 7.5e8, 0), iv(3, 7.4e8, 12)] }));
    const pts = loadIntervals(dir, rows, sampleMeta());
    assert.equal(
      pts.map((p) => [p.t, p.mbit, p.retransmits]),
      [
        [2, 750, 0],
        [3, 740, 12],
      ],
    );
    assert.is(pts[0].label, 'inter-site NII–Hokudai');
    const sec = intervalsSection(pts, rows, sampleMeta());
    assert.ok(sec?.spec);
    compile(sec!.spec as never);
    assert.match(sec!.html!, '<td class="num">12</td>');
    assert.is(intervalsSection([], rows, sampleMeta()), null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
