/**
 * The shuffle's wire protocol, one TCP connection per (sender, receiver) pair:
 *   hello   = 'TSH1' + u32 sender id
 *   frame   = u32 length (> 0, whole 100-byte records) + records
 *   trailer = u32 0 + u64 records sent in all
 * A receiver trusts a stream only once the trailer arrived and its count matches what it got,
 * so a peer killed mid-stream (whose kernel still closes the socket cleanly) is an error, not
 * a short partition.
 */
import { connect, type Socket } from 'node:net';

const REC = 100;
const MAGIC = 0x54534831; // 'TSH1'
const MAX_FRAME = 64 << 20;

export type RecordSink = (buf: Buffer, off: number, len: number) => void;

/** Decodes one connection's byte stream; hands whole records to the sink. */
export class FrameDecoder {
  sender = -1;
  records = 0;
  done = false;
  private head = Buffer.alloc(12);
  private headLen = 0;
  private need = 8; // bytes of hello, then 4 of a frame length, 8 of the trailer
  private state: 'hello' | 'len' | 'payload' | 'trailer' = 'hello';
  private payloadLeft = 0;
  private carry = Buffer.alloc(REC);
  private carryLen = 0;

  constructor(private readonly sink: RecordSink) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.done) throw new Error(`${chunk.length - off} bytes after the end marker`);
      if (this.state === 'payload') {
        const n = Math.min(this.payloadLeft, chunk.length - off);
        this.records_(chunk, off, n);
        off += n;
        this.payloadLeft -= n;
        if (this.payloadLeft === 0) {
          this.state = 'len';
          this.need = 4;
        }
        continue;
      }
      const n = Math.min(this.need - this.headLen, chunk.length - off);
      chunk.copy(this.head, this.headLen, off, off + n);
      this.headLen += n;
      off += n;
      if (this.headLen === this.need) this.header();
    }
  }

  private header(): void {
    const h = this.head;
    this.headLen = 0;
    if (this.state === 'hello') {
      if (h.readUInt32BE(0) !== MAGIC) throw new Error('not a terasort shuffle connection (bad magic)');
      this.sender = h.readUInt32BE(4);
      this.state = 'len';
      this.need = 4;
    } else if (this.state === 'len') {
      const len = h.readUInt32BE(0);
      if (len === 0) {
        this.state = 'trailer';
        this.need = 8;
        return;
      }
      if (len % REC !== 0 || len > MAX_FRAME) throw new Error(`bad frame length ${len}`);
      this.state = 'payload';
      this.payloadLeft = len;
    } else {
      const sent = h.readUInt32BE(0) * 2 ** 32 + h.readUInt32BE(4);
      if (this.carryLen !== 0) throw new Error('stream ended inside a record');
      if (sent !== this.records) throw new Error(`sender reports ${sent} records, ${this.records} arrived`);
      this.done = true;
    }
  }

  /** Passes whole records on, keeping a record split across chunks in `carry`. */
  private records_(chunk: Buffer, off: number, n: number): void {
    if (this.carryLen > 0) {
      const k = Math.min(REC - this.carryLen, n);
      chunk.copy(this.carry, this.carryLen, off, off + k);
      this.carryLen += k;
      off += k;
      n -= k;
      if (this.carryLen < REC) return;
      this.sink(this.carry, 0, REC);
      this.records++;
      this.carryLen = 0;
    }
    const whole = n - (n % REC);
    if (whole > 0) {
      this.sink(chunk, off, whole);
      this.records += whole / REC;
    }
    if (n > whole) {
      chunk.copy(this.carry, 0, off + whole, off + n);
      this.carryLen = n - whole;
    }
  }
}

export interface PeerAddr {
  id: number;
  name: string;
  address: string;
  port: number;
  site: string;
}

/**
 * Connects with retries until `deadline` (ms since epoch); the error names the peer. A refused
 * connection (peer not listening yet) is retried after 100 ms; one attempt may wait up to the
 * deadline, because a short per-attempt timer fires spuriously when this worker's event loop was
 * busy (the kernel had completed the connection, the callback just had not run yet).
 */
export async function connectPeer(p: PeerAddr, deadline: number): Promise<Socket> {
  let attempts = 0,
    last = '';
  while (Date.now() < deadline) {
    attempts++;
    try {
      return await new Promise<Socket>((res, rej) => {
        const s = connect({ host: p.address, port: p.port });
        const t = setTimeout(
          () => {
            s.destroy();
            rej(new Error('connect timed out'));
          },
          Math.max(100, deadline - Date.now()),
        );
        s.once('connect', () => {
          clearTimeout(t);
          s.removeAllListeners('error');
          res(s);
        });
        s.once('error', (e) => {
          clearTimeout(t);
          s.destroy();
          rej(e);
        });
      });
    } catch (e) {
      last = (e as Error).message;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`cannot connect to peer ${p.name} at ${p.address}:${p.port} after ${attempts} attempts: ${last}`);
}

/** The sending side of one connection. */
export class FrameSender {
  records = 0;
  private failed: Error | null = null;

  constructor(
    readonly peer: PeerAddr,
    readonly socket: Socket,
    self: number,
  ) {
    socket.setNoDelay(false);
    socket.on('error', (e) => {
      this.failed ??= new Error(`sending to peer ${peer.name}: ${e.message}`);
    });
    const hello = Buffer.alloc(8);
    hello.writeUInt32BE(MAGIC, 0);
    hello.writeUInt32BE(self, 4);
    socket.write(hello);
  }

  /** Sends whole records (the buffer is handed to the socket: do not reuse it). Resolves when the socket can take more. */
  async send(buf: Buffer): Promise<void> {
    if (this.failed) throw this.failed;
    const len = Buffer.alloc(4);
    len.writeUInt32BE(buf.length, 0);
    this.socket.write(len);
    this.records += buf.length / REC;
    if (!this.socket.write(buf)) await this.drained();
  }

  private drained(): Promise<void> {
    return new Promise((res, rej) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        this.failed ? rej(this.failed) : res();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** Writes the trailer and waits until everything is handed to the kernel. */
  async end(): Promise<number> {
    if (this.failed) throw this.failed;
    const t = Buffer.alloc(12);
    t.writeUInt32BE(0, 0);
    t.writeUInt32BE(Math.floor(this.records / 2 ** 32), 4);
    t.writeUInt32BE(this.records >>> 0, 8);
    await new Promise<void>((res, rej) => this.socket.end(t, () => (this.failed ? rej(this.failed) : res())));
    if (this.failed) throw this.failed;
    return this.socket.bytesWritten;
  }
}
