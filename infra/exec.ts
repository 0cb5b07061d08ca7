/**
 * Running commands. Every value goes into the command through zx's quoting (an argv array
 * interpolated into $``), never by concatenating a shell string. Results are rich objects.
 */
import { StringDecoder } from 'node:string_decoder';
import { $, quote, type ProcessPromise } from 'zx';

export interface CmdResult {
  argv: string[];
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  ok: boolean;
}

export class CommandError extends Error {
  constructor(
    public readonly where: string,
    public readonly result: CmdResult,
  ) {
    const err = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ');
    super(`${where}: \`${result.argv.map(quote).join(' ')}\` exited ${result.exitCode}: ${err || '(no output)'}`);
    this.name = 'CommandError';
  }
}

/** POSIX single-quoting, for text that a plain `sh` reads (generated scripts, env files). */
export function posixQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  /** Each complete line of output as it arrives (the result still holds all of it), e.g. a job's progress. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

/** Calls `fn` with every complete line written to `stream` (a partial last line when it ends). */
function eachLine(stream: NodeJS.ReadableStream, fn: (line: string) => void): void {
  const text = new StringDecoder('utf8'); // a character split across chunks stays whole
  let buf = '';
  stream.on('data', (d: Buffer | string) => {
    buf += typeof d === 'string' ? d : text.write(d);
    const lines = buf.split(/\r?\n|\r/);
    buf = lines.pop() ?? '';
    for (const l of lines) fn(l);
  });
  stream.on('end', () => {
    if (buf) fn(buf);
    buf = '';
  });
}

export async function run(argv: string[], opts: RunOptions = {}): Promise<CmdResult> {
  const t0 = performance.now();
  const p = $({
    quiet: true,
    nothrow: true,
    input: opts.input,
    timeout: opts.timeoutMs ? `${opts.timeoutMs}ms` : undefined,
    timeoutSignal: 'SIGKILL',
  })`${argv}`;
  if (opts.onLine) {
    const on = opts.onLine;
    eachLine(p.stdout, (l) => on(l, 'stdout'));
    eachLine(p.stderr, (l) => on(l, 'stderr'));
  }
  const out = await p;
  const exitCode = out.exitCode;
  return { argv, exitCode, stdout: out.stdout, stderr: out.stderr, durationMs: performance.now() - t0, ok: exitCode === 0 };
}

/** Runs and throws a CommandError (naming `where`) unless the command exits 0. */
export async function must(where: string, argv: string[], opts: RunOptions = {}): Promise<CmdResult> {
  const r = await run(argv, opts);
  if (!r.ok) throw new CommandError(where, r);
  return r;
}

/** Starts a long-running command; the caller keeps the handle to stop it. */
export function start(argv: string[]): ProcessPromise {
  return $({ quiet: true, nothrow: true })`${argv}`;
}

/**
 * Signals a started process, if it still runs. zx throws synchronously (not a rejected promise)
 * when the process has already ended, so `p.kill().catch()` is not enough.
 */
export async function killQuietly(proc: ProcessPromise, signal: NodeJS.Signals): Promise<void> {
  try {
    await proc.kill(signal);
  } catch {
    /* already gone */
  }
}

/** Where a node's commands run: wraps an argv so it executes on that node. */
export interface Executor {
  readonly where: string;
  wrap(argv: string[]): string[];
}

/** A lab network namespace. nsenter joins only the network namespace (lighter than `ip netns exec`). */
export function netnsExecutor(ns: string): Executor {
  return { where: `netns ${ns}`, wrap: (argv) => ['nsenter', `--net=/run/netns/${ns}`, '--', ...argv] };
}

export interface SshOptions {
  user?: string;
  port?: number;
  identity?: string;
  connectTimeoutS?: number;
}

/** A real host over SSH: the remote command is one string, each argument quoted for the remote shell. */
export function sshExecutor(host: string, o: SshOptions = {}): Executor {
  const base = ['ssh', '-o', 'BatchMode=yes', '-o', `ConnectTimeout=${o.connectTimeoutS ?? 10}`];
  if (o.port) base.push('-p', String(o.port));
  if (o.identity) base.push('-i', o.identity);
  const target = o.user ? `${o.user}@${host}` : host;
  return { where: `ssh ${target}`, wrap: (argv) => [...base, target, '--', argv.map(quote).join(' ')] };
}
