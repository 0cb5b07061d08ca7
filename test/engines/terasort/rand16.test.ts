import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import { MAX128, fromBigInt, mulAdd, toBigInt, writeTop10 } from '../../../engines/terasort/u128.js';
import { A, C, POWERS, Rand16, skipAhead } from '../../../engines/terasort/rand16.js';

const big = () => BigInt('0x' + randomBytes(16).toString('hex'));

test('u128 mulAdd equals BigInt (a*x + c) mod 2^128, including all-ones limbs', () => {
  const cases: bigint[][] = [
    [MAX128, MAX128, MAX128],
    [0n, 0n, 0n],
    [1n, MAX128, 1n],
    [A, C, C],
  ];
  for (let i = 0; i < 500; i++) cases.push([big(), big(), big()]);
  for (const [x, a, c] of cases) {
    const out = new Uint32Array(8);
    mulAdd(out, fromBigInt(x), fromBigInt(a), fromBigInt(c));
    assert.is(toBigInt(out), (a * x + c) & MAX128);
  }
  const x = fromBigInt(12345n);
  mulAdd(x, x, fromBigInt(A), fromBigInt(C)); // in place
  assert.is(toBigInt(x), (A * 12345n + C) & MAX128);
});

test('writeTop10 gives the 10 most significant bytes, big-endian', () => {
  const v = 0x0102030405060708090a0b0c0d0e0f10n;
  const b = Buffer.alloc(12);
  writeTop10(fromBigInt(v), b, 1);
  assert.is(b.toString('hex'), '000102030405060708090a00');
});

test('skipAhead(n) equals stepping n times from 0; POWERS[i] is f composed 2^i times', () => {
  let x = 0n;
  for (let n = 0; n <= 300; n++) {
    assert.is(skipAhead(BigInt(n)), x, `n=${n}`);
    x = (A * x + C) & MAX128;
  }
  assert.equal(POWERS[0], { a: A, c: C });
  // f^(2^i) applied to an arbitrary x equals applying f^(2^(i-1)) twice
  const y = big();
  for (const i of [1, 7, 64, 127]) {
    const half = (v: bigint) => (POWERS[i - 1].a * v + POWERS[i - 1].c) & MAX128;
    assert.is((POWERS[i].a * y + POWERS[i].c) & MAX128, half(half(y)), `i=${i}`);
  }
  // skip-ahead composes: X(m + n) = f^n(X(m))
  const m = 4294967290n,
    n = 1000n;
  const fn = (v: bigint) => {
    for (let i = 0n; i < n; i++) v = (A * v + C) & MAX128;
    return v;
  };
  assert.is(skipAhead(m + n), fn(skipAhead(m)));
});

test('Rand16 stream: next() and writeTop10s follow skipAhead', () => {
  const r = new Rand16(1_000_000n);
  assert.is(toBigInt(r.state), skipAhead(1_000_000n));
  r.next();
  assert.is(toBigInt(r.state), skipAhead(1_000_001n));
  const buf = Buffer.alloc(30);
  r.writeTop10s(buf, 0, 3);
  for (let k = 0; k < 3; k++) {
    const want = (skipAhead(1_000_001n + BigInt(k)) >> 48n).toString(16).padStart(20, '0');
    assert.is(buf.subarray(10 * k, 10 * k + 10).toString('hex'), want);
  }
  assert.is(toBigInt(r.state), skipAhead(1_000_004n), 'left after the last value written');
});

test.run();
