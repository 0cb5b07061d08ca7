/**
 * The sort phase of one worker: listen for the peers' shuffle streams, read the local input,
 * send each record to the worker owning its partition (records of the own partition go straight
 * to the sorter), and once every peer's stream has ended with a matching trailer, finish the
 * external sort into the output partition.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { ExternalSorter, type ExtSortStats } from './extsort.js';
import { Partitioner } from './sample.js';
import { mapLimit } from '../../infra/concurrency.js';
import { connectPeer, FrameDecoder, FrameSender, type PeerAddr } from './shuffle.js';

const REC = 100;

export interface SortPhaseConfig {
  self: number;
  peers: PeerAddr[];
  splits: Buffer[];
  input: string;
  output: string;
  tmpDir: string;
  budgetBytes: number;
  connectDeadline: number;
  /** Records per outgoing frame. */
  frameRecords?: number;
}

export interface SortPhaseResult {
  recordsIn: number;
  recordsOut: number;
  recordsLocal: number;
  recordsReceived: number;
  /** Bytes written on the shuffle connection to each peer, by peer name. */
  bytesSent: Record<string, number>;
  /** The part of bytesSent that went to peers at another site. */
  wanBytes: number;
  shuffleMs: number;
  finishMs: number;
  sort: ExtSortStats;
}

export async function sortPhase(c: SortPhaseConfig): Promise<SortPhaseResult> {
  const me = c.peers[c.self];
  const part = new Partitioner(c.splits);
  if (part.partitions !== c.peers.length) throw new Error(`${c.splits.length} split points for ${c.peers.length} workers`);
  const sorter = new ExternalSorter({ budgetBytes: c.budgetBytes, tmpDir: c.tmpDir });
  const t0 = performance.now();
  const others = c.peers.filter((p) => p.id !== c.self);
  const { server, received, ready, failure } = receiveAll(me, others, (b, off, len) => sorter.add(b, off, len));
  received.catch(() => {}); // awaited below; a failure meanwhile stops the scatter through failure()
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(me.port, me.address, () => res());
    });
    // All-to-all barrier: a worker says hello to its peers only once all its own connections are
    // up, and sends data only once every peer has said hello. So no record flows while any
    // connection of the cluster is still being set up: with many workers on few cores, shuffle
    // traffic otherwise overflows the kernel's per-CPU backlog and drops the handshakes of the
    // connections still being made.
    // Connections are made a few at a time: 48 workers opening 47 each at once burst thousands of
    // handshakes into the same per-CPU backlog, which drops them again at every SYN retry.
    const sockets = await mapLimit(others, 4, (p) => connectPeer(p, c.connectDeadline));
    const senders = new Map<number, FrameSender>(others.map((p, i) => [p.id, new FrameSender(p, sockets[i], c.self)]));
    await ready(Math.max(0, c.connectDeadline - Date.now()) + 30_000);
    const recordsIn = await scatter(c, part, sorter, senders, failure);
    const bytesSent: Record<string, number> = {};
    let wanBytes = 0;
    for (const s of senders.values()) {
      const b = await s.end();
      bytesSent[s.peer.name] = b;
      if (s.peer.site !== me.site) wanBytes += b;
    }
    const recordsReceived = await received;
    const shuffleMs = performance.now() - t0;
    const recordsLocal = sorter.stats.records - recordsReceived;
    const t1 = performance.now();
    const sort = await sorter.finish(c.output);
    return { recordsIn, recordsOut: sort.records, recordsLocal, recordsReceived, bytesSent, wanBytes, shuffleMs, finishMs: performance.now() - t1, sort };
  } catch (e) {
    sorter.cleanup();
    throw e;
  } finally {
    server.close();
  }
}

/** Reads the input, routes every record; returns the number of records read. */
async function scatter(
  c: SortPhaseConfig,
  part: Partitioner,
  sorter: ExternalSorter,
  senders: Map<number, FrameSender>,
  failure: () => Error | null,
): Promise<number> {
  const frame = (c.frameRecords ?? 2500) * REC;
  const n = c.peers.length;
  const out = Array.from({ length: n }, () => Buffer.allocUnsafe(frame));
  const fill = new Array<number>(n).fill(0);
  const flush = async (p: number) => {
    if (fill[p] === 0) return;
    if (p === c.self) sorter.add(out[p], 0, fill[p]);
    else {
      await senders.get(p)!.send(out[p].subarray(0, fill[p]));
      out[p] = Buffer.allocUnsafe(frame);
    }
    fill[p] = 0;
  };
  const fd = openSync(c.input, 'r');
  const chunk = Buffer.allocUnsafe(40000 * REC);
  let records = 0,
    pos = 0;
  try {
    for (;;) {
      const got = readSync(fd, chunk, 0, chunk.length, pos);
      if (got === 0) break;
      if (got % REC !== 0) throw new Error(`${c.input}: input ends inside a record`);
      pos += got;
      records += got / REC;
      if (n === 1) {
        sorter.add(chunk, 0, got);
        continue;
      }
      for (let off = 0; off < got; off += REC) {
        const p = part.partitionOf(chunk, off);
        chunk.copy(out[p], fill[p], off, off + REC);
        fill[p] += REC;
        if (fill[p] === frame) await flush(p);
      }
      await new Promise((r) => setImmediate(r)); // let incoming streams be read between chunks
      const f = failure();
      if (f) throw f;
    }
    for (let p = 0; p < n; p++) await flush(p);
    return records;
  } finally {
    closeSync(fd);
  }
}

/**
 * Accepts one stream from each of `from`; resolves with the records received once all ended
 * properly. `onConnection` serves further servers too (a group worker listens in many namespaces).
 */
export function receiveAll(
  me: PeerAddr,
  from: PeerAddr[],
  sink: (b: Buffer, off: number, len: number) => void,
): {
  server: Server;
  onConnection: (s: Socket) => void;
  received: Promise<number>;
  ready: (timeoutMs: number) => Promise<void>;
  failure: () => Error | null;
} {
  const byId = new Map(from.map((p) => [p.id, p]));
  const finished = new Set<number>();
  const greeted = new Set<number>();
  let allGreeted: () => void = () => {};
  const greetedAll = new Promise<void>((res) => {
    allGreeted = res;
    if (from.length === 0) res();
  });
  const sockets = new Set<Socket>();
  let total = 0;
  let settle!: { res: (n: number) => void; rej: (e: Error) => void };
  const received = new Promise<number>((res, rej) => {
    settle = { res, rej };
  });
  let failed: Error | null = null;
  const fail = (e: Error) => {
    failed ??= e;
    for (const s of sockets) s.destroy();
    settle.rej(e);
  };
  if (from.length === 0) settle.res(0);
  const onConnection = (s: Socket) => {
    sockets.add(s);
    const d = new FrameDecoder(sink);
    const who = () => (byId.has(d.sender) ? `peer ${byId.get(d.sender)!.name}` : `connection from ${s.remoteAddress}`);
    s.on('data', (chunk: Buffer) => {
      try {
        d.push(chunk);
        if (d.sender >= 0 && !byId.has(d.sender)) throw new Error(`unknown sender id ${d.sender}`);
        if (d.sender >= 0 && !greeted.has(d.sender)) {
          greeted.add(d.sender);
          if (greeted.size === from.length) allGreeted();
        }
      } catch (e) {
        fail(new Error(`${me.name} receiving from ${who()}: ${(e as Error).message}`));
      }
    });
    s.on('error', (e) => fail(new Error(`${me.name} receiving from ${who()}: ${e.message}`)));
    s.on('end', () => {
      if (!d.done) return fail(new Error(`${me.name} receiving from ${who()}: stream closed before its end marker (${d.records} records arrived)`));
      if (finished.has(d.sender)) return fail(new Error(`${me.name}: two streams from ${who()}`));
      finished.add(d.sender);
      total += d.records;
      if (finished.size === from.length) settle.res(total);
    });
  };
  const server = createServer(onConnection);
  const ready = (timeoutMs: number) =>
    new Promise<void>((res, rej) => {
      const t = setTimeout(
        () =>
          rej(
            new Error(
              `${me.name}: no hello within ${timeoutMs} ms from ${from
                .filter((p) => !greeted.has(p.id))
                .map((p) => p.name)
                .join(', ')}`,
            ),
          ),
        timeoutMs,
      );
      greetedAll.then(() => {
        clearTimeout(t);
        res();
      });
      received.catch((e) => {
        clearTimeout(t);
        rej(e);
      });
    });
  return { server, onConnection, received, ready, failure: () => failed };
}
