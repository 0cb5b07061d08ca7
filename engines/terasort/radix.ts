/**
 * In-memory sort of 100-byte records by their 10-byte key, without creating an object per record:
 * an index array (record numbers) is sorted by most-significant-byte-first radix passes over the
 * key bytes, with an insertion sort for small buckets. Random keys (teragen's) are ordered after
 * two or three passes; skewed or duplicate keys cost more passes, never a wrong order.
 */
const REC = 100;
const KEY = 10;
const SMALL = 48;

/**
 * Fills `idx[0..n)` with the record numbers of `data` in key order. `tmp` is scratch of at least
 * n entries. The first pass buckets by the first two key bytes while reading the records in
 * memory order; each bucket is then small (random keys) and sorted from byte 2 on.
 */
export function sortIndex(data: Buffer, idx: Uint32Array, tmp: Uint32Array, n: number): void {
  if (tmp.length < n || idx.length < n) throw new RangeError(`sortIndex: index arrays hold fewer than ${n} entries`);
  if (LITTLE_ENDIAN && n > 1 && tmp.length >= 2 * n && n <= 1 << 26 && tmp.byteOffset % 8 === 0) return sortPacked(data, idx, tmp, n);
  const starts = Array.from({ length: KEY }, () => new Int32Array(257));
  const cursors = new Int32Array(256);
  const count = new Int32Array(65537);
  for (let i = 0, o = 0; i < n; i++, o += REC) {
    const d = (data[o] << 8) | data[o + 1];
    tmp[i] = d;
    count[d + 1]++;
  }
  for (let b = 1; b <= 65536; b++) count[b] += count[b - 1];
  const next = count.slice(0, 65536);
  for (let i = 0; i < n; i++) idx[next[tmp[i]]++] = i;
  for (let b = 0; b < 65536; b++) {
    const a = count[b],
      z = count[b + 1];
    if (z - a > SMALL) msd(data, idx, tmp, a, z, 2, starts, cursors);
    else if (z - a > 1) small(data, idx, a, z, 2);
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The faster path when `tmp` has room for 8 bytes per record: each record becomes one 64-bit
 * number, the top (64 - b) bits of its key above its b-bit record number, sorted natively
 * (BigUint64Array.sort, no comparator); records whose key prefixes tie are then ordered by the
 * rest of the key. The numbers are written as two 32-bit halves, so no BigInt is created.
 */
function sortPacked(data: Buffer, idx: Uint32Array, tmp: Uint32Array, n: number): void {
  const b = 32 - Math.clz32(n - 1);
  const mask = b === 32 ? 0xffffffff : 2 ** b - 1;
  const w = tmp;
  for (let i = 0, o = 0; i < n; i++, o += REC) {
    w[2 * i + 1] = data.readUInt32BE(o);
    w[2 * i] = (((data.readUInt32BE(o + 4) >>> b) << b) | i) >>> 0;
  }
  new BigUint64Array(w.buffer, w.byteOffset, n).sort();
  const ties: number[] = [];
  let start = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = w[2 * i] & mask;
    if (i > 0 && (w[2 * i + 1] !== w[2 * i - 1] || w[2 * i] >>> b !== w[2 * i - 2] >>> b)) {
      if (i - start > 1) ties.push(start, i);
      start = i;
    }
  }
  if (n - start > 1) ties.push(start, n);
  const depth = Math.floor((64 - b) / 8);
  const starts = Array.from({ length: KEY }, () => new Int32Array(257));
  const cursors = new Int32Array(256);
  for (let t = 0; t < ties.length; t += 2) msd(data, idx, tmp, ties[t], ties[t + 1], depth, starts, cursors);
}

function msd(data: Buffer, idx: Uint32Array, tmp: Uint32Array, lo: number, hi: number, depth: number, starts: Int32Array[], next: Int32Array): void {
  if (hi - lo <= SMALL) {
    small(data, idx, lo, hi, depth);
    return;
  }
  if (depth === KEY) return; // every key in [lo, hi) is the same
  const s = starts[depth];
  s.fill(0);
  for (let i = lo; i < hi; i++) s[data[idx[i] * REC + depth] + 1]++;
  s[0] = lo;
  for (let b = 1; b <= 256; b++) s[b] += s[b - 1];
  // s[b] is now the end of bucket b-1 = start of bucket b; scatter with a moving cursor per bucket.
  for (let b = 0; b < 256; b++) next[b] = s[b];
  for (let i = lo; i < hi; i++) {
    const r = idx[i];
    tmp[next[data[r * REC + depth]]++] = r;
  }
  idx.set(tmp.subarray(lo, hi), lo);
  if (depth + 1 === KEY) return;
  for (let b = 0; b < 256; b++) {
    const a = s[b],
      z = s[b + 1];
    if (z - a > 1) msd(data, idx, tmp, a, z, depth + 1, starts, next);
  }
}

const nums = new Float64Array(SMALL);

/**
 * Insertion sort of a small bucket. From bytes `depth .. depth+5` a number is read once per
 * record, so most comparisons are between numbers; equal numbers compare the remaining bytes.
 */
function small(data: Buffer, idx: Uint32Array, lo: number, hi: number, depth: number): void {
  if (depth + 6 > KEY) return insertion(data, idx, lo, hi, depth);
  const rest = depth + 6;
  for (let i = lo; i < hi; i++) nums[i - lo] = data.readUIntBE(idx[i] * REC + depth, 6);
  for (let i = lo + 1; i < hi; i++) {
    const r = idx[i],
      k = nums[i - lo];
    let j = i - 1;
    for (; j >= lo; j--) {
      const kj = nums[j - lo];
      if (kj < k || (kj === k && !greater(data, idx[j] * REC, r * REC, rest))) break;
      idx[j + 1] = idx[j];
      nums[j + 1 - lo] = kj;
    }
    idx[j + 1] = r;
    nums[j + 1 - lo] = k;
  }
}

function insertion(data: Buffer, idx: Uint32Array, lo: number, hi: number, depth: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const r = idx[i];
    let j = i - 1;
    while (j >= lo && greater(data, idx[j] * REC, r * REC, depth)) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = r;
  }
}

/** Key at offset a > key at offset b, both known to be equal before byte `depth`. */
function greater(data: Buffer, a: number, b: number, depth: number): boolean {
  for (let k = depth; k < KEY; k++) {
    const x = data[a + k],
      y = data[b + k];
    if (x !== y) return x > y;
  }
  return false;
}
