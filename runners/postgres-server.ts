/**
 * A real PostgreSQL 15 server inside one node, for the pgbench runner. Every command runs through
 * node.exec.wrap(argv). The data dir lives under the run's scratch dir (`${workDir}/nodes/<node>/pg`,
 * removed at teardown) and the server's process title carries the run id (cluster_name), so a
 * leftover is recognisable; the lab's teardown would kill it with the node's processes anyway.
 * It listens only on the node's cluster address and trusts only the given client networks.
 */
import { randomBytes } from 'node:crypto';
import type { ProcessOutput } from 'zx';
import { CommandError, killQuietly, must, run, start } from '../infra/exec.js';
import { ConfigError, positiveInt } from '../infra/units.js';
import { parsePgbenchInit } from '../collectors/pgbench.js';
import { binDir, pgbenchInitArgs } from './pgbench-cmd.js';
import { host, port as checkPort } from './values.js';
import { type BenchNode, nodeDir, nodeDirChain, reachAllowanceS, type RunContext } from './context.js';

export interface PostgresServerOptions {
  /** TCP port on the node's address. Default 55432. */
  port?: number;
  /** Networks (CIDR) whose clients are trusted. Default: every cluster node's address as a /32. */
  allow?: string[];
  /** fsync; unset = PostgreSQL's default (on). */
  fsync?: boolean;
  /** Default 100 (PostgreSQL's), raised to fit `needConnections` + 10. */
  needConnections?: number;
  binDir?: string;
  readyTimeoutMs?: number;
}

export interface PostgresServer {
  node: BenchNode;
  address: string;
  port: number;
  dataDir: string;
  /**
   * `pgbench -i -s <scale>` from the server node; returns the seconds pgbench reported. `onLine`:
   * each line pgbench prints as it goes ("generating data...", "300000 of 1000000 tuples (30%) done ...").
   */
  initPgbench(scale: number, onLine?: (line: string) => void): Promise<number>;
  /**
   * What a client on `node` puts before its command to log in: `env PGPASSFILE=<file>`, the file
   * (mode 0600 on the node, written through stdin) holding the run's password for this server.
   */
  clientEnv(node: BenchNode): Promise<string[]>;
  /** pg_ctl stop -m fast, then SIGKILL for whatever is left. Idempotent; never throws. */
  stop(): Promise<void>;
  /** The server's log (its stderr), once it has stopped; '' before. */
  log(): string;
}

const CIDR_RE = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
// setpriv (util-linux), not runuser: no PAM, so a container node needs no /etc/pam.d (nodes see
// only an allow-list of the host's /etc, infra/virt/etc-allow.ts); the user resolves from /etc/passwd.
const POSTGRES = ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--reset-env', '--'];

export function pgDataDir(ctx: RunContext, node: BenchNode): string {
  return `${nodeDir(ctx, node)}/pg`;
}

/**
 * pg_hba.conf: TCP from the allowed networks only, with the run's password (scram-sha-256); no other
 * line, so anything else is refused. (`trust` let anyone who reached the port in as the superuser,
 * who can run programs on the node with COPY ... FROM PROGRAM.)
 */
export function hbaConf(runId: string, allow: string[]): string {
  return [
    `# intercloud-bench run ${runId}: TCP clients of the cluster only, with the run's password`,
    ...allow.map((c) => `host all all ${c} scram-sha-256`),
    '',
  ].join('\n');
}

/** A line of a libpq password file for `address:port`, user postgres (':' and '\\' escaped). */
export function passfileLine(address: string, port: number, password: string): string {
  const esc = (x: string) => x.replace(/[\\:]/g, (c) => `\\${c}`);
  return `${esc(address)}:${port}:*:postgres:${esc(password)}\n`;
}

/** Writes `text` to `path` on the node, created 0600 (umask 077 before the file exists), through stdin: never in argv. */
async function writePrivate(on: (argv: string[]) => string[], path: string, text: string, where: string): Promise<void> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
  await must(where, on(['sh', '-c', 'mkdir -p "${1%/*}" && umask 077 && rm -f "$1" && cat > "$1"', 'sh', path]), { input: text });
}

export async function startPostgres(ctx: RunContext, node: BenchNode, o: PostgresServerOptions = {}): Promise<PostgresServer> {
  const port = o.port ?? 55432;
  checkPort(port, 'postgres.port');
  const address = host(node.address.replace(/\/\d+$/, ''), 'postgres.address');
  // Every node of the run, spares too (one may stand in for a lost client, or run the server itself and its pgbench -i).
  const allow = o.allow ?? [...ctx.nodes, ...(ctx.cells?.spareNodes() ?? [])].map((n) => `${n.address.replace(/\/\d+$/, '')}/32`);
  allow.forEach((c, i) => {
    if (!CIDR_RE.test(c)) throw new ConfigError(`postgres.allow[${i}]`, 'an IPv4 network such as 10.77.0.0/24', c);
  });
  if (o.needConnections !== undefined) positiveInt(o.needConnections, 'postgres.needConnections', 10000);
  const bin = binDir(o, 'postgres.binDir');
  const dir = pgDataDir(ctx, node);
  const on = (argv: string[]) => node.exec.wrap(argv);
  const where = `postgres on ${node.name}`;
  // The run's password for this server: in memory here, on nodes only in 0600 files, never in argv or logs.
  const password = randomBytes(24).toString('base64url');
  const pwFile = `${nodeDir(ctx, node)}/pg.pw`;

  // Fresh data dir, owned by postgres; the dirs above it only need to be traversable.
  await must(where, on(['rm', '-rf', dir]));
  await must(where, on(['mkdir', '-p', dir]));
  await must(where, on(['chmod', 'o+x', ...nodeDirChain(ctx, node)]));
  await must(where, on(['chown', 'postgres:postgres', dir]));
  await must(where, on(['chmod', '0700', dir]));
  if (!(await run(on([...POSTGRES, 'test', '-w', dir]))).ok)
    throw new Error(`${where}: the postgres user cannot write ${dir}; a directory above it is not traversable (chmod o+x)`);
  await writePrivate(on, pwFile, `${password}\n`, `${where}: password file`);
  await must(where, on(['chown', 'postgres:postgres', pwFile]));
  try {
    await must(
      `${where}: initdb`,
      on([
        ...POSTGRES,
        `${bin}/initdb`,
        '-D',
        dir,
        '-U',
        'postgres',
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ]),
      { timeoutMs: 120000 },
    );
  } finally {
    await run(on(['rm', '-f', pwFile]));
  }
  await must(`${where}: pg_hba.conf`, on([...POSTGRES, 'tee', `${dir}/pg_hba.conf`]), { input: hbaConf(ctx.runId, allow) });

  const settings: Record<string, string> = {
    listen_addresses: address,
    port: String(port),
    // TCP only: every client here connects to the node address; and a unix socket cannot be
    // made on a qemu node's 9p-shared work dir.
    unix_socket_directories: '',
    cluster_name: `icb-${ctx.runId}-${node.name}`,
    max_connections: String(Math.max(100, (o.needConnections ?? 0) + 10)),
    password_encryption: 'scram-sha-256',
  };
  if (o.fsync !== undefined) settings.fsync = o.fsync ? 'on' : 'off';
  const proc = start(on([...POSTGRES, `${bin}/postgres`, '-D', dir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]));
  let exited: ProcessOutput | null = null;
  const done = proc.then(
    (r) => {
      exited = r;
      return r;
    },
    () => null,
  );
  const log = (): string => (exited ? exited.stdout + exited.stderr : '');

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const pid = (await run(on(['head', '-n', '1', `${dir}/postmaster.pid`]))).stdout.trim();
    await run(on([...POSTGRES, `${bin}/pg_ctl`, 'stop', '-D', dir, '-m', 'fast', '-w', '-t', '10']), { timeoutMs: 15000 });
    const gone = await Promise.race([done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 3000))]);
    if (/^\d+$/.test(pid) && (await run(on(['kill', '-0', pid]))).ok) {
      await run(on(['pkill', '-KILL', '-P', pid])); // its backends and helpers, by parent id
      await run(on(['kill', '-KILL', pid]));
    }
    if (!gone) await killQuietly(proc, 'SIGKILL');
    await done;
  };

  // Each check is a command on the node: on a Xen guest reached without a shared connection (real sites) that alone may take tens of seconds.
  const reachMs = reachAllowanceS(node) * 1000;
  const limitMs = o.readyTimeoutMs ?? 20000 + reachMs;
  const deadline = Date.now() + limitMs;
  for (;;) {
    const r = await run(on([`${bin}/pg_isready`, '-h', address, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-t', '1']), {
      timeoutMs: 5000 + reachMs,
    });
    if (r.ok) break;
    const died = exited !== null;
    if (died || Date.now() > deadline || ctx.signal.aborted) {
      await stop();
      const why = died
        ? 'exited before accepting connections'
        : ctx.signal.aborted
          ? 'start interrupted'
          : `not accepting connections on ${address}:${port} within ${limitMs} ms (${r.stdout.trim()})`;
      throw new Error(`${where}: ${why}; server log: ${lastLines(log())}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }

  const clients = new Map<string, Promise<string[]>>();
  const clientEnv = (client: BenchNode): Promise<string[]> => {
    let got = clients.get(client.name);
    if (!got) {
      const file = `${nodeDir(ctx, client)}/pgpass-${node.name}`;
      got = writePrivate((argv) => client.exec.wrap(argv), file, passfileLine(address, port, password), `pgbench client ${client.name}: password file`).then(
        () => ['env', `PGPASSFILE=${file}`],
      );
      clients.set(client.name, got);
    }
    return got;
  };

  const initPgbench = async (scale: number, onLine?: (line: string) => void): Promise<number> => {
    const env = await clientEnv(node);
    const r = await run(on([...env, ...pgbenchInitArgs({ host: address, port, scale, binDir: bin })]), {
      timeoutMs: 600000,
      onLine:
        onLine &&
        ((line) => {
          if (line.trim()) onLine(line.trim());
        }),
    });
    const out = r.stdout + r.stderr;
    ctx.store.raw(`pgbench/init-${node.name}.txt`, out);
    const p = parsePgbenchInit(out);
    if (!r.ok || !p.ok) throw new CommandError(`${where}: ${p.reason ?? 'pgbench -i failed'}`, r);
    return p.seconds!;
  };
  return { node, address, port, dataDir: dir, initPgbench, clientEnv, stop, log };
}

/** The server log's telling lines: errors and "could not ..." first, else the last few. */
function lastLines(s: string, n = 3): string {
  const lines = s
    .trim()
    .split('\n')
    .map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '').trim())
    .filter(Boolean);
  const bad = lines.filter((l) => /^(FATAL|ERROR|PANIC):|could not/.test(l));
  return (bad.length ? bad : lines).slice(-n).join(' | ') || '(no output)';
}
