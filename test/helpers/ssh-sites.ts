/**
 * "Remote hosts" on this machine for the SSH testbed provider, built on the local lab: every lab
 * node namespace is one fixture host running a real OpenSSH server on its cluster address, so the
 * hosts of two sites are joined across the lab's emulated WAN with a known RTT.
 *
 *   controller (root ns) icbfx<id> 10.77.255.254/16 --veth--> br0 of the lab's first host ns
 *   fixture host = lab node ns, eth0 10.77.x.y: sshd -D (ListenAddress = the node address, port 22)
 *
 * Each sshd runs in a mount + UTS namespace of its own: its hostname is the host's name and it has
 * private tmpfs mounts on /run/icbench-remote (the provider's per-host journal) and /run/netns (so
 * namespaces a provider creates over SSH live on that "host" only, as on a real machine, and none
 * of this machine's namespaces are visible there), and root's ~/.bashrc is an empty file (commands
 * run in a plain shell, not this machine's login setup). Every sshd (and whatever is started through
 * it, even a daemon in another network namespace) is in a cgroup v2 group of the fixture when the
 * machine has cgroup v2, so stopHost() and down() kill all of it.
 * Keys and configs live in /root/icbfx-<id> (sshd's StrictModes rejects /tmp); that directory is
 * also in the lab run's journal, so `icbench clean` removes it after a kill -9.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { resolveConfig } from '../../infra/config.js';
import { mapLimit } from '../../infra/concurrency.js';
import { must, run } from '../../infra/exec.js';
import { loadInventory } from '../../infra/inventory/load.js';
import type { Lab } from '../../infra/lab/lab.js';
import { labProvider } from '../../infra/lab/provider.js';
import { parseDurationMs } from '../../infra/units.js';
import { cleanRun } from '../../session/clean.js';
import { upTestbed, type UpTestbed } from '../../session/run-setup.js';

export interface SshSitesOptions {
  sites: { name: string; hosts: number }[];
  wanRtt: string;
  wanRate?: string;
  stateDir: string;
  l2vpn?: 'vxlan' | 'vxlan-wireguard' | 'provided';
  virt?: 'netns' | 'lxc' | 'docker';
  nodesPerHost?: number;
}

export interface SshFixtureHost {
  name: string;
  site: string;
  address: string;
  ns: string;
  sshdPid: number;
}

export interface SshSites {
  /** Fixture id (4 hex): the root veth is icbfx<id>, the key dir /root/icbfx-<id>. */
  id: string;
  /** The lab run the fixture sits on. */
  runId: string;
  /** The lab itself (for measuring inside host namespaces). */
  lab: Lab;
  inventoryFile: string;
  knownHostsFile: string;
  identityFile: string;
  /** /root/icbfx-<id>: keys, sshd configs and logs (sshd-<host>.log). */
  dir: string;
  hosts: SshFixtureHost[];
  wanRttMs: number;
  /** ms to bring the fixture up (lab, veth, keys, sshds, inventory). */
  upMs: number;
  /** Stops a host's sshd and cuts its link (a host that stops answering). */
  stopHost(name: string): Promise<void>;
  /** Gives a host a new host key and restarts its sshd (a changed host key). */
  changeHostKey(name: string): Promise<void>;
  /** Removes everything it made; idempotent. Throws (after every step was tried) if something is left. */
  down(): Promise<void>;
}

export const FIXTURE_SUBNET = '10.77.0.0/16';
/** Every fixture host's interface on the shared L2 segment (no address; in the inventory as icbench_l2_interface). */
export const L2_INTERFACE = 'eth1';
export const CONTROLLER_ADDRESS = '10.77.255.254';
const SSHD = '/usr/sbin/sshd';
const ROOT_BASHRC = join(homedir(), '.bashrc');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The cgroup v2 mount of this machine (unified or hybrid), or null. */
function cgroup2Root(): string | null {
  try {
    for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
      const f = line.split(' ');
      if (f[2] === 'cgroup2' && existsSync(join(f[1], 'cgroup.procs'))) return f[1];
    }
  } catch {
    /* no /proc */
  }
  return null;
}

/** Kills every process in a cgroup v2 group (and its children) and waits until it is empty. */
async function killCgroup(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
  } catch {
    // No cgroup.kill (kernel < 5.14): kill what is listed.
    for (const p of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  for (let i = 0; i < 50; i++) {
    if (/populated 0/.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'))) return;
    await sleep(50);
  }
}

/** Waits until `addr`:22 sends an SSH banner. */
function sshBanner(addr: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: addr, port: 22 });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('data', (b) => done(b.toString().startsWith('SSH-')));
    s.once('error', () => done(false));
  });
}

function pidAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Brings the lab up (wanem WAN, cluster subnet 10.77.0.0/16, one node per host), joins the
 * controller to its L2 segment, and starts one sshd per host. On failure whatever was made is
 * removed before the error is thrown.
 */
export async function upSshSites(o: SshSitesOptions): Promise<SshSites> {
  const t0 = performance.now();
  process.env.ICBENCH_STATE_DIR = o.stateDir;
  if (process.getuid?.() !== 0) throw new Error('upSshSites: needs root (network namespaces, sshd)');
  if (!existsSync(SSHD)) await must('apt-get install openssh-server', ['apt-get', 'install', '-y', '-q', 'openssh-server'], { timeoutMs: 300_000 });
  const taken = (await run(['ip', '-4', 'route', 'show', 'to', 'match', CONTROLLER_ADDRESS])).stdout
    .split('\n')
    .filter((l) => l.startsWith('10.77.') || l.includes(` ${CONTROLLER_ADDRESS}`));
  if (taken.length) throw new Error(`upSshSites: ${FIXTURE_SUBNET} is already routed on this machine (${taken[0].trim()}): another fixture is up?`);

  const id = randomBytes(2).toString('hex');
  const veth = `icbfx${id}`;
  const dir = `/root/icbfx-${id}`;
  const cgRoot = cgroup2Root();
  const cgroup = cgRoot ? join(cgRoot, `icbfx-${id}`) : null;
  const wanRttMs = parseDurationMs(o.wanRtt, 'wanRtt');
  const results = mkdtempSync(join(tmpdir(), 'icbfx-results-'));
  const spec = resolveConfig({
    scenario: `icbfx-${id}`,
    sites: o.sites.map((s) => ({ name: s.name, lan: '1Gbit', hosts: s.hosts, nodesPerHost: 1, virt: 'netns' })),
    wan: { rate: o.wanRate ?? '1Gbit', rtt: o.wanRtt },
    clusterSubnet: FIXTURE_SUBNET,
    resultsDir: results,
  });

  let up: UpTestbed<Lab> | null = null;
  const hosts: SshFixtureHost[] = [];
  const stopped = new Set<string>();
  let downing: Promise<void> | null = null;

  const hostCg = (name: string) => (cgroup ? join(cgroup, name) : null);
  const hostOf = (name: string) => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`ssh-sites: no host ${JSON.stringify(name)} (hosts: ${hosts.map((x) => x.name).join(', ')})`);
    return h;
  };

  /** Kills a host's sshd and everything started through it. */
  const killHost = async (h: SshFixtureHost) => {
    const cg = hostCg(h.name);
    if (cg) await killCgroup(cg);
    try {
      process.kill(h.sshdPid, 'SIGKILL');
    } catch {
      /* gone */
    }
    for (let i = 0; i < 50 && pidAlive(h.sshdPid); i++) await sleep(20);
  };

  const startSshd = async (h: SshFixtureHost) => {
    const cfg = join(dir, `sshd-${h.name}.conf`);
    const log = openSync(join(dir, `sshd-${h.name}.log`), 'a', 0o600);
    // A plain shell for remote commands: this machine's ~/.bashrc (which bash reads for commands
    // run by sshd) is covered by an empty one, as on a fresh host. Here it runs `pyenv init` and
    // friends, ~100 processes and 0.25-1 s for every command.
    const rc = existsSync(ROOT_BASHRC) ? `mount --bind "$3" ${ROOT_BASHRC} && ` : '';
    const script =
      'hostname "$1" && mount -t tmpfs -o mode=0700 tmpfs /run/icbench-remote && mount -t tmpfs -o mode=0755 tmpfs /run/netns' +
      ` && ${rc}mkdir -p /run/sshd && exec ${SSHD} -D -e -f "$2"`;
    const argv = [
      'netns',
      'exec',
      h.ns,
      'unshare',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '--',
      'sh',
      '-c',
      script,
      'sh',
      h.name,
      cfg,
      join(dir, 'bashrc'),
    ];
    const child = spawn('ip', argv, {
      stdio: ['ignore', log, log],
      detached: true, // not in our process group: a Ctrl-C reaches our handler, which tears down
    });
    closeSync(log);
    child.unref();
    if (child.pid === undefined) throw new Error(`ssh-sites: cannot start sshd for ${h.name}`);
    const cg = hostCg(h.name);
    if (cg) {
      mkdirSync(cg, { recursive: true });
      writeFileSync(join(cg, 'cgroup.procs'), String(child.pid)); // before sshd can fork a session
    }
    h.sshdPid = child.pid; // ip, unshare and sh each exec the next: this pid becomes sshd's
    const deadline = Date.now() + 20_000;
    while (!(await sshBanner(h.address, 1000))) {
      if (!pidAlive(child.pid))
        throw new Error(
          `ssh-sites: sshd of ${h.name} exited: ${readFileSync(join(dir, `sshd-${h.name}.log`), 'utf8')
            .trim()
            .split('\n')
            .slice(-3)
            .join(' | ')}`,
        );
      if (Date.now() > deadline) throw new Error(`ssh-sites: sshd of ${h.name} does not answer on ${h.address}:22`);
      await sleep(100);
    }
  };

  const hostKey = async (h: SshFixtureHost) => {
    const key = join(dir, `host-${h.name}_ed25519`);
    rmSync(key, { force: true });
    rmSync(`${key}.pub`, { force: true });
    await must('ssh-keygen', ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `icbfx-${id}-${h.name}`, '-f', key]);
    return readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  };

  const down = (): Promise<void> => {
    downing ??= (async () => {
      const problems: string[] = [];
      const step = async (what: string, fn: () => Promise<unknown> | unknown) => {
        try {
          await fn();
        } catch (e) {
          problems.push(`${what}: ${(e as Error).message}`);
        }
      };
      if (cgroup) await step('kill sshds', () => killCgroup(cgroup));
      if (up) {
        const u = up;
        await step('lab down', async () => {
          const r = await u.down();
          if (r.left.length) problems.push(`lab left: ${r.left.join(', ')}`);
        });
        await step('clean run', () => cleanRun(u.runId));
      }
      await step('veth', async () => {
        // Usually gone already: deleting the first host's namespace deletes the pair (asynchronously).
        for (let i = 0; i < 40 && existsSync(`/sys/class/net/${veth}`); i++) {
          if (i === 10) await run(['ip', 'link', 'del', veth]);
          await sleep(50);
        }
        if (existsSync(`/sys/class/net/${veth}`)) throw new Error(`${veth} is still there`);
      });
      await step('key dir', () => rmSync(dir, { recursive: true, force: true }));
      await step('results', () => rmSync(results, { recursive: true, force: true }));
      if (cgroup)
        await step('cgroup', () => {
          for (const h of hosts) if (existsSync(join(cgroup, h.name))) rmdirSync(join(cgroup, h.name));
          if (existsSync(cgroup)) rmdirSync(cgroup);
        });
      if (problems.length) throw new Error(`ssh-sites down (${id}): ${problems.join('; ')}`);
    })();
    return downing;
  };

  try {
    // Plain learning switches: the controller and the hosts' provided-L2 interfaces are endpoints the lab
    // does not know, which switches answering ARP for the lab's nodes only would never flood to.
    up = await upTestbed(spec, labProvider({ wanMode: 'wanem', arpAtSwitch: false }), { resultsDir: results });
    const lab = up.testbed;
    for (const n of lab.nodes) hosts.push({ name: n.host, site: n.site, address: n.address, ns: n.ns, sshdPid: 0 });
    // A second interface per host on the same cross-site L2 segment, without an address: what a
    // provider's L2VPN hands a host (icbench_l2vpn: provided, icbench_l2_interface: eth1).
    for (const n of lab.nodes) {
      const hns = lab.plan.hostNs.get(n.host);
      if (!hns) throw new Error(`ssh-sites: no host namespace for ${n.host}`);
      await must('l2 interface', ['ip', '-n', hns, 'link', 'add', 'l2x', 'type', 'veth', 'peer', 'name', L2_INTERFACE, 'netns', n.ns]);
      await must('l2 interface', ['ip', '-n', hns, 'link', 'set', 'l2x', 'master', 'br0', 'up']);
      await must('l2 interface', ['ip', '-n', n.ns, 'link', 'set', L2_INTERFACE, 'up']);
    }
    up.journal.record({ kind: 'file', path: dir });

    // The controller on the lab's L2 segment: a veth into the first host's bridge.
    const firstHostNs = lab.plan.hostNs.get(lab.spec.sites[0].hosts[0].name);
    if (!firstHostNs) throw new Error('ssh-sites: the lab has no host namespace');
    await must('controller veth', ['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'fx0', 'netns', firstHostNs]);
    await must('controller veth', ['ip', '-n', firstHostNs, 'link', 'set', 'fx0', 'master', 'br0', 'up']);
    try {
      writeFileSync(`/proc/sys/net/ipv6/conf/${veth}/disable_ipv6`, '1');
    } catch {
      /* no IPv6 */
    }
    await must('controller veth', ['ip', 'addr', 'add', `${CONTROLLER_ADDRESS}/16`, 'dev', veth]);
    await must('controller veth', ['ip', 'link', 'set', veth, 'up']);
    await mapLimit(hosts, 8, async (h) => {
      for (let i = 0; ; i++) {
        const r = await run(['ping', '-n', '-q', '-c', '1', '-W', '2', h.address], { timeoutMs: 5000 });
        if (r.ok) return;
        if (i === 4) throw new Error(`ssh-sites: the controller cannot reach ${h.name} (${h.address}) over ${veth}`);
      }
    });

    // Keys: one client key for all hosts, one host key per host.
    mkdirSync(dir, { mode: 0o700 });
    mkdirSync('/run/icbench-remote', { recursive: true, mode: 0o700 });
    mkdirSync('/run/netns', { recursive: true, mode: 0o755 });
    const identityFile = join(dir, 'client_ed25519');
    await must('ssh-keygen', ['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `icbfx-${id}-client`, '-f', identityFile]);
    writeFileSync(join(dir, 'bashrc'), "# ssh-sites fixture: a fresh host's plain root shell\n", { mode: 0o644 });
    const authorized = join(dir, 'authorized_keys');
    writeFileSync(authorized, readFileSync(`${identityFile}.pub`, 'utf8'), { mode: 0o600 });
    const knownHostsFile = join(dir, 'known_hosts');
    const known: string[] = [];
    for (const h of hosts) {
      known.push(`${h.address} ${await hostKey(h)}`);
      writeFileSync(
        join(dir, `sshd-${h.name}.conf`),
        [
          `ListenAddress ${h.address}`,
          'Port 22',
          `HostKey ${join(dir, `host-${h.name}_ed25519`)}`,
          `AuthorizedKeysFile ${authorized}`,
          'PermitRootLogin prohibit-password',
          'PasswordAuthentication no',
          'KbdInteractiveAuthentication no',
          'UsePAM no',
          'PidFile none',
          'StrictModes yes',
          'MaxSessions 20',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
    }
    writeFileSync(knownHostsFile, `${known.join('\n')}\n`, { mode: 0o600 });
    await mapLimit(hosts, 8, startSshd);

    // The inventory, in infra/inventory's shape: one group per site.
    const inventoryFile = join(dir, 'inventory.yaml');
    const children: Record<string, unknown> = {};
    for (const s of o.sites) {
      const hs: Record<string, unknown> = {};
      for (const h of hosts.filter((x) => x.site === s.name))
        hs[h.name] = { ansible_host: h.address, ansible_user: 'root', ansible_ssh_private_key_file: identityFile, icbench_data_address: h.address };
      children[s.name] = {
        vars: { icbench_virt: o.virt ?? 'netns', icbench_nodes_per_host: o.nodesPerHost ?? 1, icbench_lan: '1Gbit', icbench_l2_interface: L2_INTERFACE },
        hosts: hs,
      };
    }
    const doc = { all: { vars: { icbench_known_hosts: knownHostsFile, icbench_l2vpn: o.l2vpn ?? 'vxlan' }, children } };
    writeFileSync(
      inventoryFile,
      `# ssh-sites fixture ${id} (lab run ${up.runId}): ${hosts.length} hosts on this machine, WAN RTT ${wanRttMs} ms.\n${stringify(doc)}`,
      { mode: 0o600 },
    );
    const inv = loadInventory(inventoryFile);
    const listed = inv.sites.reduce((n, s) => n + s.hosts.length, 0);
    if (listed !== hosts.length) throw new Error(`ssh-sites: the inventory lists ${listed} hosts, not ${hosts.length}`);

    return {
      id,
      runId: up.runId,
      lab,
      inventoryFile,
      knownHostsFile,
      identityFile,
      dir,
      hosts,
      wanRttMs,
      upMs: performance.now() - t0,
      async stopHost(name) {
        const h = hostOf(name);
        await killHost(h);
        stopped.add(name);
        await must('stop host', ['ip', '-n', h.ns, 'link', 'set', 'eth0', 'down']);
      },
      async changeHostKey(name) {
        const h = hostOf(name);
        if (stopped.has(name)) throw new Error(`ssh-sites: host ${name} was stopped`);
        await killHost(h);
        await hostKey(h);
        await startSshd(h);
      },
      down,
    };
  } catch (e) {
    await down().catch((d) => {
      (e as Error).message += ` (and teardown: ${(d as Error).message})`;
    });
    throw e;
  }
}
