/**
 * Buffered record I/O and the k-way merge of sorted run files. Each run is read through one
 * fixed-size buffer, so a merge holds k buffers whatever the run sizes. Keys are compared as two
 * numbers (bytes 0-5 and 6-9), which covers the whole 10-byte key without a native call.
 */
import { closeSync, openSync, readSync, write, writeSync } from 'node:fs';

const REC = 100;

/** The buffer as 32-bit words when it is 4-byte aligned (record copies then need no native call), else null. */
export const words = (b: Buffer): Uint32Array | null => (b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : null);

/** Writes all of buf[0..len) at `pos` of the file, in the background (libuv's thread pool). */
function writeAt(fd: number, buf: Buffer, len: number, pos: number): Promise<void> {
  return new Promise((res, rej) => {
    const step = (done: number) => {
      if (done === len) return res();
      write(fd, buf, done, len - done, pos + done, (err, n) => (err ? rej(err) : step(done + n)));
    };
    step(0);
  });
}

/**
 * Appends records to a file through one buffer (`flush` writes it synchronously), or two: with a
 * `spare` of the same size, `flushAsync` hands the full buffer to a background write and goes on
 * filling the other, so copying and the kernel's write overlap.
 */
export class RecordWriter {
  private readonly fd: number;
  private buf: Buffer;
  private buf32: Uint32Array | null;
  private spare: Buffer | null;
  private inflight: Promise<void> | null = null;
  private pos = 0;
  private filePos = 0;
  bytes = 0;

  /** `buffer`: bytes to allocate, or a buffer to use (e.g. a share of memory already held). */
  constructor(path: string, buffer: number | Buffer = 4 << 20, spare?: Buffer) {
    this.buf = typeof buffer === 'number' ? Buffer.allocUnsafe(Math.max(REC, buffer - (buffer % REC))) : buffer;
    if (this.buf.length === 0 || this.buf.length % REC !== 0) throw new RangeError(`RecordWriter: buffer of ${this.buf.length} bytes is not whole records`);
    if (spare && spare.length !== this.buf.length) throw new RangeError('RecordWriter: the spare buffer differs in size');
    this.buf32 = words(this.buf);
    this.spare = spare ?? null;
    this.fd = openSync(path, 'w');
  }

  get full(): boolean {
    return this.pos === this.buf.length;
  }

  async flushAsync(): Promise<void> {
    if (!this.spare) return this.flush();
    if (this.inflight) await this.inflight;
    const full = this.buf,
      len = this.pos,
      at = this.filePos;
    this.filePos += len;
    this.bytes += len;
    this.buf = this.spare;
    this.buf32 = words(this.buf);
    this.spare = full;
    this.pos = 0;
    this.inflight = writeAt(this.fd, full, len, at);
    this.inflight.catch(() => {}); // awaited by the next flushAsync or closeAsync
  }

  async closeAsync(): Promise<void> {
    try {
      if (this.inflight) await this.inflight;
      this.inflight = null;
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }

  /** Copies `len` bytes of `src` from `off`. */
  write(src: Buffer, off: number, len: number): void {
    while (len > 0) {
      if (this.pos === this.buf.length) this.flush();
      const n = Math.min(len, this.buf.length - this.pos);
      src.copy(this.buf, this.pos, off, off + n);
      this.pos += n;
      off += n;
      len -= n;
    }
  }

  /** Copies the record at `src[off]`; `src32` is `words(src)` (or null). */
  record(src: Buffer, src32: Uint32Array | null, off: number): void {
    if (this.pos === this.buf.length) this.flush();
    const d = this.buf32;
    if (d !== null && src32 !== null) {
      const s = off >>> 2,
        t = this.pos >>> 2;
      for (let k = 0; k < 25; k++) d[t + k] = src32[s + k];
    } else {
      src.copy(this.buf, this.pos, off, off + REC);
    }
    this.pos += REC;
  }

  flush(): void {
    let done = 0;
    while (done < this.pos) done += writeSync(this.fd, this.buf, done, this.pos - done, this.filePos + done);
    this.bytes += this.pos;
    this.filePos += this.pos;
    this.pos = 0;
  }

  /** Synchronous close; with background writes use closeAsync. */
  close(): void {
    if (this.inflight) throw new Error('RecordWriter.close with a background write pending: use closeAsync');
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Reads a run file record by record through one buffer of whole records. */
export class RunReader {
  private readonly fd: number;
  readonly buf: Buffer;
  readonly buf32: Uint32Array | null;
  private end = 0;
  private filePos = 0;
  /** Offset of the current record in `buf`, or -1 at the end of the run. */
  off = -1;
  k1 = 0;
  k2 = 0;

  /** `buf`: this reader's share of memory, whole records long. */
  constructor(
    readonly path: string,
    buf: Buffer,
  ) {
    if (buf.length < REC || buf.length % REC !== 0) throw new RangeError(`RunReader: buffer of ${buf.length} bytes is not whole records`);
    this.buf = buf;
    this.buf32 = words(buf);
    this.fd = openSync(path, 'r');
    this.fill();
  }

  private fill(): void {
    let got = 0;
    while (got < this.buf.length) {
      const n = readSync(this.fd, this.buf, got, this.buf.length - got, this.filePos);
      if (n === 0) break;
      got += n;
      this.filePos += n;
    }
    if (got % REC !== 0) throw new Error(`${this.path}: run file ends inside a record (${this.filePos} bytes)`);
    this.end = got;
    this.off = got === 0 ? -1 : 0;
    if (this.off === 0) this.key();
  }

  private key(): void {
    this.k1 = this.buf.readUIntBE(this.off, 6);
    this.k2 = this.buf.readUInt32BE(this.off + 6);
  }

  /** Moves to the next record; returns false at the end of the run. */
  advance(): boolean {
    this.off += REC;
    if (this.off >= this.end) this.fill();
    else this.key();
    return this.off >= 0;
  }

  /** Writes the current record and everything after it; returns how many records that was. */
  drainTo(out: RecordWriter): number {
    let records = 0;
    while (this.off >= 0) {
      out.write(this.buf, this.off, this.end - this.off);
      records += (this.end - this.off) / REC;
      this.fill();
    }
    return records;
  }

  close(): void {
    closeSync(this.fd);
  }
}

const less = (a: RunReader, b: RunReader) => a.k1 < b.k1 || (a.k1 === b.k1 && a.k2 < b.k2);

/** Merges sorted runs into `out` (reading run i through `buffers[i]`); resolves to the number of records written. */
export async function mergeRuns(paths: string[], out: RecordWriter, buffers: Buffer[]): Promise<number> {
  const readers: RunReader[] = [];
  try {
    for (let i = 0; i < paths.length; i++) readers.push(new RunReader(paths[i], buffers[i]));
    const heap = readers.filter((r) => r.off >= 0);
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);
    let records = 0;
    while (heap.length > 0) {
      const top = heap[0];
      if (heap.length === 1) {
        records += top.drainTo(out); // last run standing: copy the rest buffer by buffer
        break;
      }
      if (out.full) await out.flushAsync();
      out.record(top.buf, top.buf32, top.off);
      records++;
      if (!top.advance()) {
        heap[0] = heap[heap.length - 1];
        heap.pop();
      }
      siftDown(heap, 0);
    }
    return records;
  } finally {
    for (const r of readers) r.close();
  }
}

function siftDown(h: RunReader[], i: number): void {
  const n = h.length;
  const x = h[i];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && less(h[c + 1], h[c])) c++;
    if (!less(h[c], x)) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}
