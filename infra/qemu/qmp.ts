/**
 * A small QMP client: JSON lines over QEMU's unix control socket. Connects, reads the greeting,
 * enters command mode (`qmp_capabilities`), then runs commands one at a time in order (QMP
 * answers in order; an `id` on each request is checked against the answer). Asynchronous events
 * (no `return`/`error`) are kept for `waitEvent`. Errors name the command and QEMU's class/desc.
 */
import { connect, type Socket } from 'node:net';

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly desc: string,
  ) {
    super(`QMP ${command}: ${errorClass}: ${desc}`);
    this.name = 'QmpError';
  }
}

interface Pending {
  id: number;
  command: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class Qmp {
  greeting!: QmpGreeting;
  private buf = '';
  private nextId = 1;
  private pending: Pending[] = [];
  private events: QmpEvent[] = [];
  private waiters: { match: (e: QmpEvent) => boolean; resolve: (e: QmpEvent) => void }[] = [];
  private closed: Error | null = null;
  private greeted!: (g: QmpGreeting) => void;

  private constructor(private sock: Socket) {}

  /** Connects to a QMP socket; retries while QEMU has not created or opened it (up to timeoutMs). */
  static async connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const sock = await new Promise<Socket>((res, rej) => {
          const s = connect(path);
          s.once('connect', () => res(s));
          s.once('error', rej);
        });
        const q = new Qmp(sock);
        await q.start(Math.max(1000, deadline - Date.now()));
        return q;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) throw new Error(`QMP ${path}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async start(timeoutMs: number): Promise<void> {
    this.sock.setEncoding('utf8');
    const greeting = new Promise<QmpGreeting>((res) => {
      this.greeted = res;
    });
    this.sock.on('data', (d: string) => this.onData(d));
    this.sock.on('error', (e) => this.fail(e));
    this.sock.on('close', () => this.fail(new Error('QMP socket closed')));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`no QMP greeting within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      this.greeting = await Promise.race([greeting, timeout]);
    } finally {
      clearTimeout(timer);
    }
    await this.execute('qmp_capabilities');
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line);
      } catch {
        this.fail(new Error(`QMP: not JSON: ${line.slice(0, 200)}`));
        return;
      }
      if ('QMP' in msg) this.greeted?.((msg as { QMP: QmpGreeting }).QMP);
      else if ('event' in msg) this.onEvent(msg as unknown as QmpEvent);
      else if ('return' in msg || 'error' in msg) {
        const p = this.pending.shift();
        if (!p) continue;
        if (msg.id !== undefined && msg.id !== p.id) {
          p.reject(new Error(`QMP ${p.command}: answer for id ${String(msg.id)}, expected ${p.id}`));
          continue;
        }
        if ('error' in msg) {
          const err = msg.error as { class?: string; desc?: string };
          p.reject(new QmpError(p.command, err.class ?? 'GenericError', err.desc ?? ''));
        } else p.resolve(msg.return);
      }
    }
  }

  private onEvent(e: QmpEvent): void {
    const i = this.waiters.findIndex((w) => w.match(e));
    if (i >= 0) this.waiters.splice(i, 1)[0].resolve(e);
    else this.events.push(e);
    if (this.events.length > 1000) this.events.shift();
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.splice(0)) p.reject(new Error(`QMP ${p.command}: ${e.message}`));
  }

  /** Runs one command; resolves with its `return` value, rejects with QmpError on an `error` answer. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP ${command}: ${this.closed.message}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ id, command, resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify(args ? { execute: command, arguments: args, id } : { execute: command, id }) + '\n');
    });
  }

  /** Resolves with the first event named `name` (already received or coming), or rejects after timeoutMs. */
  waitEvent(name: string, timeoutMs: number, match: (e: QmpEvent) => boolean = () => true): Promise<QmpEvent> {
    const m = (e: QmpEvent) => e.event === name && match(e);
    const i = this.events.findIndex(m);
    if (i >= 0) return Promise.resolve(this.events.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = {
        match: m,
        resolve: (e: QmpEvent) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`QMP: no ${name} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Events received and not consumed by waitEvent, oldest first. */
  drainEvents(): QmpEvent[] {
    return this.events.splice(0);
  }

  close(): void {
    this.fail(new Error('QMP closed by the client'));
    this.sock.destroy();
  }
}
