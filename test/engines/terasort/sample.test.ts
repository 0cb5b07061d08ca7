/** Sampling, split points and partitionOf. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseSplits, keyFromHex, Partitioner, sampleBuffer, sampleFile } from '../../../engines/terasort/sample.js';

const key = (hex: string) => Buffer.from(hex.padEnd(20, '0'), 'hex');
const recordsWithKeys = (ks: Buffer[]) => Buffer.concat(ks.map((k) => Buffer.concat([k, randomBytes(90)])));

test('sampleFile takes keys from evenly spaced stretches of the file, at most max', () => {
  const ks = Array.from({ length: 1000 }, (_, i) => key(i.toString(16).padStart(4, '0')));
  const dir = mkdtempSync(join(tmpdir(), 'h2-sample-'));
  try {
    const p = join(dir, 'in.dat');
    writeFileSync(p, recordsWithKeys(ks));
    const s = sampleFile(p, 100, 10);
    assert.is(s.length, 100);
    const nums = s.map((k) => k.readUInt16BE(0));
    for (let part = 0; part < 10; part++)
      assert.equal(
        nums.slice(part * 10, part * 10 + 10),
        Array.from({ length: 10 }, (_, j) => part * 100 + j),
      );
    assert.is(sampleFile(p, 5000).length, 1000, 'never more than the file holds');
    writeFileSync(p, '');
    assert.equal(sampleFile(p, 100), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sampleBuffer copies keys (10 bytes), not views of the records', () => {
  const buf = recordsWithKeys([key('aa'), key('bb')]);
  const s = sampleBuffer(buf, 10);
  assert.equal(
    s.map((k) => k.toString('hex')),
    [key('aa').toString('hex'), key('bb').toString('hex')],
  );
  buf.fill(0);
  assert.is(s[0][0], 0xaa, 'sample survives the buffer being reused');
});

test('chooseSplits: N-1 split points cutting the sorted sample into equal shares', () => {
  const sample = Array.from({ length: 400 }, (_, i) => key(i.toString(16).padStart(4, '0'))).reverse();
  const s = chooseSplits(sample, 4);
  assert.equal(
    s.map((k) => k.readUInt16BE(0)),
    [100, 200, 300],
  );
  assert.equal(chooseSplits(sample, 1), []);
  assert.throws(() => chooseSplits([], 3), /empty sample/);
  assert.throws(() => chooseSplits(sample, 0), /partitions/);
});

test('Partitioner: split[i-1] <= key < split[i] goes to partition i, including equal 6-byte prefixes', () => {
  const splits = [key('10'), key('2000000000aa'), key('2000000000bb'), key('80')];
  const p = new Partitioner(splits);
  assert.is(p.partitions, 5);
  const at = (hex: string) => p.partitionOf(Buffer.concat([Buffer.alloc(100), key(hex)]), 100);
  assert.is(at('00'), 0);
  assert.is(at('0fffffffffffffffffff'), 0);
  assert.is(at('10'), 1, 'equal to a split point: the partition that starts there');
  assert.is(at('2000000000a9'), 1);
  assert.is(at('2000000000aa'), 2);
  assert.is(at('2000000000ab'), 2);
  assert.is(at('2000000000bb'), 3);
  assert.is(at('7fffffffffffffffffff'), 3);
  assert.is(at('ffffffffffffffffffff'), 4);
  assert.is(new Partitioner([]).partitionOf(key('ff'), 0), 0);
});

test('Partitioner agrees with a linear scan on random keys, and random keys spread evenly', () => {
  const keys = Array.from({ length: 20000 }, () => randomBytes(10));
  const splits = chooseSplits(sampleBuffer(recordsWithKeys(keys), 2000), 8);
  const p = new Partitioner(splits);
  const counts = new Array(8).fill(0);
  for (const k of keys) {
    const linear = splits.filter((s) => Buffer.compare(s, k) <= 0).length;
    const got = p.partitionOf(k, 0);
    if (got !== linear) assert.unreachable(`key ${k.toString('hex')}: ${got}, expected ${linear}`);
    counts[got]++;
  }
  for (const c of counts) assert.ok(c > 20000 / 8 / 2 && c < (20000 / 8) * 2, `partition sizes ${counts}`);
});

test('bad split points and hex keys are refused', () => {
  assert.throws(() => new Partitioner([key('20'), key('10')]), /not in order/);
  assert.throws(() => new Partitioner([Buffer.alloc(9)]), /expected 10 bytes/);
  assert.throws(() => keyFromHex('abc', 'splits[0]'), /splits\[0\]: expected a key of 10 bytes/);
  assert.is(keyFromHex('00112233445566778899', 'k').length, 10);
});

test.run();
