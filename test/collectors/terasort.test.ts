/** Lab Terasort worker output -> samples, on real worker output (test/fixtures/terasort). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixture } from '../helpers/fixtures.js';
import { clusterVerdict } from '../../runners/terasort-lab.js';
import { parseWorkerOutput, terasortSamples, type PhaseName, type TerasortRuns, type WorkerOut } from '../../collectors/terasort.js';

function ok<P extends PhaseName>(phase: P, files: string[]): WorkerOut[P][] {
  return files.map((f) => {
    const r = parseWorkerOutput(phase, fixture(`terasort/${f}`));
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  });
}
const teragen = ok('teragen', ['n1.teragen.json', 'n2.teragen.json']);
const sample = ok('sample', ['n1.sample.json']);
const sort = ok('sort', ['n1.sort.json', 'n2.sort.json']);
const validate = ok('validate', ['n1.validate.json', 'n2.validate.json']);
const good = (): TerasortRuns => ({
  rows: 10000,
  teragen: { ok: true, wallMs: 2000, outputs: teragen },
  sample: { ok: true, wallMs: 500, outputs: sample },
  sort: { ok: true, wallMs: 1500, outputs: sort },
  validate: { ok: true, wallMs: 250, outputs: validate },
});
// The runner adds the cross-partition verdict once validate ran (runners/terasort-lab.ts).
const byMetric = (r: TerasortRuns) => Object.fromEntries(terasortSamples({ ...r, cluster: clusterVerdict(r) }).map((s) => [s.metric, s]));

test('parseWorkerOutput reads each phase of the real worker', () => {
  assert.is(teragen[0].rows, 5000);
  assert.match(teragen[1].checksum, /^[0-9a-f]+$/);
  assert.is(sample[0].keys.length, 4);
  assert.is(sort[0].recordsIn, 5000);
  assert.is(sort[0].wanBytes, sort[0].bytesSent.n2);
  assert.ok(validate[1].summary.ok);
});

test('parseWorkerOutput refuses empty, truncated, other-phase and incomplete output', () => {
  assert.match((parseWorkerOutput('sort', '') as { reason: string }).reason, /printed no JSON/);
  assert.match((parseWorkerOutput('sort', fixture('terasort/n1.sort.json').slice(0, 100)) as { reason: string }).reason, /JSON is invalid/);
  assert.match((parseWorkerOutput('sort', fixture('terasort/n1.teragen.json')) as { reason: string }).reason, /expected a sort result/);
  const doc = JSON.parse(fixture('terasort/n1.sort.json'));
  delete doc.wanBytes;
  assert.match((parseWorkerOutput('sort', JSON.stringify(doc)) as { reason: string }).reason, /lacks a valid wanBytes/);
});

test('a complete run: elapsed and MB/s per phase, WAN bytes summed over workers, validate = 1', () => {
  const m = byMetric(good());
  assert.equal(Object.keys(m), [
    'teragen_elapsed',
    'teragen_throughput',
    'terasort_elapsed',
    'terasort_throughput',
    'wan_bytes',
    'teravalidate_elapsed',
    'validate',
  ]);
  assert.is(m.teragen_elapsed.value, 2);
  assert.is(m.teragen_throughput.value, 0.5, '1 MB of records in 2 s');
  assert.is(m.terasort_elapsed.value, 2, 'sample + sort');
  assert.is(m.wan_bytes.value, sort[0].wanBytes + sort[1].wanBytes);
  assert.is(m.validate.value, 1);
  for (const s of Object.values(m)) assert.is(s.status, 'ok');
});

test('validation fails when a record is missing, or partitions are out of order', () => {
  const short = byMetric({ ...good(), rows: 10001 }).validate;
  assert.is(short.status, 'failed');
  assert.is(short.value, null);
  assert.match(short.reason!, /not a valid sort/);
  const swapped = byMetric({ ...good(), validate: { ok: true, wallMs: 250, outputs: [...validate].reverse() } }).validate;
  assert.is(swapped.status, 'failed');
  const lost = byMetric({ ...good(), teragen: { ok: true, wallMs: 2000, outputs: [teragen[0], { ...teragen[1], checksum: teragen[0].checksum }] } }).validate;
  assert.match(lost.reason!, /checksum/);
});

test('a failed sort: its metrics failed with the reason, later phases "not run", teragen still reported', () => {
  const m = byMetric({ ...good(), sort: { ok: false, reason: 'n1: terasort worker n1 sort: cannot connect to peer n2' }, validate: undefined });
  assert.is(m.teragen_elapsed.status, 'ok');
  for (const k of ['terasort_elapsed', 'terasort_throughput', 'wan_bytes']) {
    assert.is(m[k].status, 'failed');
    assert.is(m[k].value, null);
    assert.match(m[k].reason!, /^sort: n1: .*cannot connect/);
  }
  assert.match(m.validate.reason!, /^not run: sort failed/);
  assert.match(m.teravalidate_elapsed.reason!, /^not run: sort failed/);
});

test('a failed teragen fails everything, never a zero', () => {
  const s = terasortSamples({ rows: 10000, teragen: { ok: false, reason: 'n2: exited by signal SIGKILL' } });
  assert.is(s.length, 7);
  for (const x of s) {
    assert.is(x.status, 'failed');
    assert.is(x.value, null);
  }
  assert.match(s[0].reason!, /^teragen: n2/);
  assert.match(s[2].reason!, /^not run: teragen failed/);
});

test('the real stderr of a worker that could not reach its peer names the peer', () => {
  assert.match(fixture('terasort/n1.sort-nopeer.stderr'), /terasort worker n1 sort: cannot connect to peer n2 at 127\.0\.0\.1:17702/);
});

test.run();
