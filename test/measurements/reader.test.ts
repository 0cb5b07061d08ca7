import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRun, parseMeasurements } from '../../measurements/reader.js';
import { RUN_ID, sampleRows, writeSampleRun } from '../../fixtures/sample-run.js';

let tmp = '';
async function rejects(fn: () => Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await fn();
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable('expected a rejection matching ' + re);
}
test.before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'icb-load-'));
});
test.after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('round trip: numbers typed, empty value -> null, reason kept', async () => {
  const dir = await writeSampleRun(tmp);
  const { rows, meta } = await loadRun(dir);
  assert.is(meta.run_id, RUN_ID);
  assert.equal(rows, sampleRows());
  const bad = rows.filter((r) => r.status !== 'ok');
  assert.is(bad.length, 1);
  assert.is(bad[0].value, null);
  assert.match(bad[0].reason, 'Connection reset');
  assert.is(typeof rows[0].nodes, 'number');
});

test('missing files are named in the error', async () => {
  // Both are named, every time (they are read at once; the first to fail used to win the message).
  for (let i = 0; i < 20; i++) await rejects(() => loadRun(join(tmp, 'nope')), /nope\/measurements\.csv.*; cannot read .*nope\/run\.json/);
});

test('malformed CSV: bad header, bad number, bad status', () => {
  assert.throws(() => parseMeasurements('a,b\n1,2\n', 'm.csv'), /m\.csv: header lacks column\(s\) run_id/);
  const header = 'run_id,scenario,benchmark,metric,value,unit,status,src_site,src_node,dst_site,dst_node,path,virt,nodes,repetition,started_at,reason,flags';
  assert.throws(
    () => parseMeasurements(`${header}\nr,s,iperf3,throughput,fast,Mbit/s,ok,A,a,B,b,inter-site,netns,8,1,t,,\n`, 'm.csv'),
    /m\.csv:2: column value is "fast"/,
  );
  assert.throws(
    () => parseMeasurements(`${header}\nr,s,iperf3,throughput,1,Mbit/s,great,A,a,B,b,inter-site,netns,8,1,t,,\n`, 'm.csv'),
    /m\.csv:2: status is "great"/,
  );
  assert.throws(() => parseMeasurements(`${header}\nr,s,"unclosed\n`, 'm.csv'), /m\.csv: malformed CSV/);
});

test('malformed run.json is named', async () => {
  const dir = await writeSampleRun(join(tmp, 'x'));
  await writeFile(join(dir, 'run.json'), '{ not json');
  await rejects(() => loadRun(dir), /run\.json: malformed JSON/);
});

test.run();
