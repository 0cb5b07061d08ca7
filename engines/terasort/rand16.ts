/**
 * The 128-bit linear congruential generator of the Sort Benchmark's gensort (rand16) and of
 * Hadoop's Random16:  X(n+1) = (A * X(n) + C) mod 2^128,  X(0) = 0.
 * A is from L'Ecuyer's tables of good LCG multipliers; C is odd ("JimGrayRIPe" in ASCII).
 *
 * Jumping ahead: n steps of f(x) = A x + C form again an affine map A_n x + C_n. The maps for
 * n = 2^i are built once by squaring (f∘f(x) = A² x + (A + 1) C), so X(n) for any n is the
 * composition of at most 128 of them, chosen by the bits of n.
 */
import { MAX128, fromBigInt, mulAdd, mulMod, addMod, writeTop10, writeTop10Words, type U128 } from './u128.js';

export const A = 0x2360ed051fc65da44385df649fccf645n;
export const C = 0x4a696d47726179524950202020202001n;

interface Affine {
  a: bigint;
  c: bigint;
}

/** POWERS[i] is f applied 2^i times. */
export const POWERS: readonly Affine[] = (() => {
  const out: Affine[] = [];
  let a = A,
    c = C;
  for (let i = 0; i < 128; i++) {
    out.push({ a, c });
    c = mulMod(addMod(a, 1n), c);
    a = mulMod(a, a);
  }
  return out;
})();

/** X(n): the generator's state after n steps from 0 (n taken mod 2^128). */
export function skipAhead(n: bigint): bigint {
  if (n < 0n) throw new RangeError(`rand16: negative step count ${n}`);
  let x = 0n;
  let bits = n & MAX128;
  for (let i = 0; bits !== 0n; i++, bits >>= 1n) {
    if (bits & 1n) x = addMod(mulMod(POWERS[i].a, x), POWERS[i].c);
  }
  return x;
}

const A_LIMBS = fromBigInt(A);
const C_LIMBS = fromBigInt(C);

/** A sequential stream X(n), X(n+1), ... kept in limbs so that stepping allocates nothing. */
export class Rand16 {
  readonly state: U128;

  /** Positions the stream at X(n). */
  constructor(n: bigint) {
    this.state = fromBigInt(skipAhead(n));
  }

  /** Advances to the next value. */
  next(): void {
    mulAdd(this.state, this.state, A_LIMBS, C_LIMBS);
  }

  /**
   * Writes the top ten bytes of `count` consecutive values (the current one first) to
   * buf[off ..], ten bytes each, and leaves the stream just after the last value written.
   */
  writeTop10s(buf: Uint8Array, off: number, count: number): void {
    const s = this.state;
    for (let i = 0; i < count; i++) {
      writeTop10(s, buf, off + 10 * i);
      mulAdd(s, s, A_LIMBS, C_LIMBS);
    }
  }

  /** As writeTop10s, into 16-bit words: five words (ten big-endian bytes) per value. */
  writeTop10Words(out16: Uint16Array, off: number, count: number): void {
    const s = this.state;
    for (let i = 0; i < count; i++) {
      writeTop10Words(s, out16, off + 5 * i);
      mulAdd(s, s, A_LIMBS, C_LIMBS);
    }
  }
}
