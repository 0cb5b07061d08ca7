/**
 * The lab Terasort worker for a GROUP of nodes: one process serves many nodes, so a cluster of
 * 2,000 nodes needs tens of worker processes, not 2,000 (a Node process is ~50 MiB).
 *
 *   node group-worker.js <teragen|sample|sort|validate> <config.json>
 *
 * Every node keeps its own files, its own input share and its own output partition, as with the
 * per-node worker (worker.ts); this process prints one JSON result per member node, in the same
 * shape. The shuffle crosses the real node addresses: for the sort phase the coordinator starts
 * this process under infra/nsconf/nsfds, which opens, inside each member node's network
 * namespace, a listening socket on the node's address (fds listenFds) and one connection per other
 * group, from member node M_a[b mod |M_a|] to node M_b[a mod |M_b|] of group b (fds in `links`).
 * A group's records for all nodes of another group travel on that one connection (the receiver
 * knows each record's partition from its key), so a cluster of G groups has G*(G-1) connections
 * and as many neighbour entries: 20 groups of 100 nodes make 380, not 2,000 x 1,999.
 */
import { closeSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { ExternalSorter } from './extsort.js';
import { sample, teragen, validate, type NodePhaseConfig } from './node-phases.js';
import { keyFromHex, Partitioner } from './sample.js';
import { FrameSender, type PeerAddr } from './shuffle.js';
import { receiveAll } from './sort-phase.js';

const REC = 100;
const PHASES = ['teragen', 'sample', 'sort', 'validate'] as const;
type Phase = (typeof PHASES)[number];

export interface GroupMember extends NodePhaseConfig {
  /** Index of the node in the cluster (its partition). */
  id: number;
  node: string;
  site: string;
}

/** One connection to another group: its fd here, and the member sending on it. */
export interface GroupLink {
  group: number;
  fd: number;
  /** Cluster index of the member whose namespace the connection was made in. */
  from: number;
  /** The node it goes to (of the other group). */
  to: PeerAddr;
}

export interface GroupConfig {
  group: number;
  members: GroupMember[];
  timeoutMs: number;
  /** sort only: */
  groups?: number;
  /** Group of every cluster node, by cluster index. */
  groupOf?: number[];
  splits?: string[];
  budgetBytes?: number;
  listenFds?: number[];
  links?: GroupLink[];
}

const hwmKiB = (): number | null => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : null;
};

async function groupSort(c: GroupConfig): Promise<Record<string, object>> {
  if (!c.splits || !c.groupOf || !c.listenFds || !c.links || !c.budgetBytes || c.groups === undefined)
    throw new Error('sort config needs splits, groupOf, listenFds, links and budgetBytes');
  const part = new Partitioner(c.splits.map((s, i) => keyFromHex(s, `splits[${i}]`)));
  const groupOf = c.groupOf;
  const sorters = new Map(c.members.map((m) => [m.id, new ExternalSorter({ budgetBytes: c.budgetBytes!, tmpDir: join(m.dir, 'runs') })]));
  const me: PeerAddr = { id: c.group, name: `group ${c.group}`, address: '', port: 0, site: '' };
  const others = c.links.map((l) => ({ ...l.to, id: l.group, name: `group ${l.group} (${l.to.name})` }));
  const sink = (b: Buffer, off: number, len: number) => {
    for (let o = off; o < off + len; o += REC) {
      const p = part.partitionOf(b, o);
      const s = sorters.get(p);
      if (!s) throw new Error(`a record of partition ${p} (group ${groupOf[p]}) arrived at group ${c.group}`);
      s.add(b, o, REC);
    }
  };
  const { server, onConnection, received, ready, failure } = receiveAll(me, others, sink);
  received.catch(() => {});
  const servers = [server, ...c.listenFds.slice(1).map(() => createServer(onConnection))];
  try {
    await Promise.all(servers.map((s, i) => new Promise<void>((res, rej) => s.once('error', rej).listen({ fd: c.listenFds![i] }, () => res()))));
    const senders = new Map(c.links.map((l) => [l.group, new FrameSender(l.to, new Socket({ fd: l.fd, readable: true, writable: true }), c.group)]));
    await ready(c.timeoutMs);
    const frame = 2500 * REC;
    const out = new Map([...senders.keys()].map((g) => [g, { buf: Buffer.allocUnsafe(frame), fill: 0 }]));
    const flush = async (g: number) => {
      const o = out.get(g)!;
      if (o.fill === 0) return;
      await senders.get(g)!.send(o.buf.subarray(0, o.fill));
      o.buf = Buffer.allocUnsafe(frame);
      o.fill = 0;
    };
    const recordsIn = new Map<number, number>();
    const chunk = Buffer.allocUnsafe(10000 * REC);
    for (const m of c.members) {
      const fd = openSync(join(m.dir, 'input.dat'), 'r');
      let pos = 0,
        n = 0;
      try {
        for (;;) {
          const got = readSync(fd, chunk, 0, chunk.length, pos);
          if (got === 0) break;
          if (got % REC !== 0) throw new Error(`${m.node}: input ends inside a record`);
          pos += got;
          n += got / REC;
          for (let off = 0; off < got; off += REC) {
            const p = part.partitionOf(chunk, off);
            const g = groupOf[p];
            if (g === c.group) sorters.get(p)!.add(chunk, off, REC);
            else {
              const o = out.get(g)!;
              chunk.copy(o.buf, o.fill, off, off + REC);
              o.fill += REC;
              if (o.fill === frame) await flush(g);
            }
          }
          await new Promise((r) => setImmediate(r));
          const f = failure();
          if (f) throw f;
        }
      } finally {
        closeSync(fd);
      }
      recordsIn.set(m.id, n);
    }
    for (const g of out.keys()) await flush(g);
    const sent = new Map<number, number>();
    for (const l of c.links) sent.set(l.group, await senders.get(l.group)!.end());
    await received;
    const results: Record<string, object> = {};
    for (const m of c.members) {
      const stats = await sorters.get(m.id)!.finish(join(m.dir, 'output.dat'));
      const mine = c.links.filter((l) => l.from === m.id);
      const bytesSent = Object.fromEntries(mine.map((l) => [l.to.name, sent.get(l.group)!]));
      const wanBytes = mine.filter((l) => l.to.site !== m.site).reduce((a, l) => a + sent.get(l.group)!, 0);
      results[m.node] = {
        recordsIn: recordsIn.get(m.id),
        recordsOut: stats.records,
        bytesSent,
        wanBytes,
        budgetBytes: c.budgetBytes,
        groupSize: c.members.length,
      };
    }
    return results;
  } catch (e) {
    for (const s of sorters.values()) s.cleanup();
    throw e;
  } finally {
    for (const s of servers) s.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [phase, file] = argv;
  let c: GroupConfig;
  try {
    if (!PHASES.includes(phase as Phase)) throw new Error(`expected a phase (${PHASES.join(', ')}), got ${JSON.stringify(phase)}`);
    c = JSON.parse(readFileSync(file ?? '', 'utf8'));
    if (!Array.isArray(c.members) || !c.members.length || !(c.timeoutMs > 0)) throw new Error('config needs members and timeoutMs');
  } catch (e) {
    process.stderr.write(`terasort group worker: bad arguments: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const where = `terasort group worker ${c.group} (${c.members[0].node}..${c.members.at(-1)!.node}) ${phase}`;
  setTimeout(() => {
    process.stderr.write(`${where}: timed out after ${c.timeoutMs} ms\n`);
    process.exit(2);
  }, c.timeoutMs).unref();
  const t0 = performance.now();
  try {
    for (const m of c.members) mkdirSync(m.dir, { recursive: true });
    let out: Record<string, object> = {};
    if (phase === 'sort') out = await groupSort(c);
    else for (const m of c.members) out[m.node] = await (phase === 'teragen' ? teragen(m) : phase === 'sample' ? sample(m) : validate(m));
    const elapsedMs = performance.now() - t0;
    const lines = c.members.map((m) => JSON.stringify({ phase, node: m.node, pid: process.pid, elapsedMs, peakRssKiB: hwmKiB(), ...out[m.node] })).join('\n');
    process.stdout.write(lines + '\n', () => process.exit(0));
  } catch (e) {
    process.stderr.write(`${where}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

await main(process.argv.slice(2));
