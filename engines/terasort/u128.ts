/**
 * Unsigned 128-bit integers for the record generator's hot loop.
 *
 * A value is eight 16-bit limbs, least significant first, in a Uint32Array. 16-bit limbs keep
 * every partial product (< 2^32) and every column sum (< 2^36) exact in a double, so the
 * multiply needs no BigInt and allocates nothing. BigInt is used only at the edges (parsing a
 * row number, building constants), where speed does not matter.
 */

export type U128 = Uint32Array;

export const LIMBS = 8;
export const MOD128 = 1n << 128n;
export const MAX128 = MOD128 - 1n;

/** A limb array holding `v mod 2^128` (v must be >= 0). */
export function fromBigInt(v: bigint): U128 {
  if (v < 0n) throw new RangeError(`u128: negative value ${v}`);
  const out = new Uint32Array(LIMBS);
  let x = v & MAX128;
  for (let i = 0; i < LIMBS; i++) {
    out[i] = Number(x & 0xffffn);
    x >>= 16n;
  }
  return out;
}

export function toBigInt(x: U128): bigint {
  let v = 0n;
  for (let i = LIMBS - 1; i >= 0; i--) v = (v << 16n) | BigInt(x[i]);
  return v;
}

/** Writes (a * x + c) mod 2^128 into out. out may be x itself; a and c must not alias out. */
export function mulAdd(out: U128, x: U128, a: U128, c: U128): void {
  // Column sums of the lower triangle of the 8x8 limb product, plus c and the carry. Each sum
  // is < 2^37, so `& 0xffff` (exact below 2^53) takes its limb and the division is exact.
  const x0 = x[0],
    x1 = x[1],
    x2 = x[2],
    x3 = x[3],
    x4 = x[4],
    x5 = x[5],
    x6 = x[6],
    x7 = x[7];
  const a0 = a[0],
    a1 = a[1],
    a2 = a[2],
    a3 = a[3],
    a4 = a[4],
    a5 = a[5],
    a6 = a[6],
    a7 = a[7];
  let s = x0 * a0 + c[0];
  let lo = s & 0xffff;
  out[0] = lo;
  s = (s - lo) / 65536 + x0 * a1 + x1 * a0 + c[1];
  lo = s & 0xffff;
  out[1] = lo;
  s = (s - lo) / 65536 + x0 * a2 + x1 * a1 + x2 * a0 + c[2];
  lo = s & 0xffff;
  out[2] = lo;
  s = (s - lo) / 65536 + x0 * a3 + x1 * a2 + x2 * a1 + x3 * a0 + c[3];
  lo = s & 0xffff;
  out[3] = lo;
  s = (s - lo) / 65536 + x0 * a4 + x1 * a3 + x2 * a2 + x3 * a1 + x4 * a0 + c[4];
  lo = s & 0xffff;
  out[4] = lo;
  s = (s - lo) / 65536 + x0 * a5 + x1 * a4 + x2 * a3 + x3 * a2 + x4 * a1 + x5 * a0 + c[5];
  lo = s & 0xffff;
  out[5] = lo;
  s = (s - lo) / 65536 + x0 * a6 + x1 * a5 + x2 * a4 + x3 * a3 + x4 * a2 + x5 * a1 + x6 * a0 + c[6];
  lo = s & 0xffff;
  out[6] = lo;
  s = (s - lo) / 65536 + x0 * a7 + x1 * a6 + x2 * a5 + x3 * a4 + x4 * a3 + x5 * a2 + x6 * a1 + x7 * a0 + c[7];
  out[7] = s & 0xffff;
}

/** Writes the ten most significant bytes of x (big-endian) to buf[off .. off+10). */
export function writeTop10(x: U128, buf: Uint8Array, off: number): void {
  for (let i = 0; i < 5; i++) {
    const limb = x[LIMBS - 1 - i];
    buf[off + 2 * i] = limb >>> 8;
    buf[off + 2 * i + 1] = limb & 0xff;
  }
}

/** True where a Uint16Array stores its low byte first (every platform Node ships on, in practice). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes the top five limbs of x (its ten most significant bytes) to out16[off .. off+5), swapped
 * as needed so that the bytes in memory are big-endian, i.e. in the order writeTop10 gives.
 */
export function writeTop10Words(x: U128, out16: Uint16Array, off: number): void {
  for (let i = 0; i < 5; i++) {
    const limb = x[LIMBS - 1 - i];
    out16[off + i] = LITTLE_ENDIAN ? ((limb & 0xff) << 8) | (limb >>> 8) : limb;
  }
}

/** (a * b) mod 2^128 and (a + b) mod 2^128 on BigInts, for building constants. */
export const mulMod = (a: bigint, b: bigint): bigint => (a * b) & MAX128;
export const addMod = (a: bigint, b: bigint): bigint => (a + b) & MAX128;

/** valsort/gensort print 128-bit sums as lowercase hex without leading zeros ("0" for zero). */
export function toHex(v: bigint): string {
  return (v & MAX128).toString(16);
}
