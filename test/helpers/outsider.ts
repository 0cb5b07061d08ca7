/**
 * An outsider on a real-sites fixture (issue 24): a network namespace on the first site's LAN that is
 * not one of the run's hosts, which builds a VXLAN device with a run's VNI and port aimed at a host,
 * bridges it with an address in the cluster subnet, and tries to reach the run's nodes and services.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { SshSites } from '../../fixtures/ssh-sites.js';

const id = randomBytes(2).toString('hex');
const OUT_NS = `icbt-out${id}`;
const OUT_LINK = `icbtout${id}`;
const OUT_ADDR = '10.77.255.200';

const inNs = (...cmd: string[]) => spawnSync('ip', ['netns', 'exec', OUT_NS, ...cmd], { encoding: 'utf8', timeout: 20_000 });
/** The outsider pings `to` (3 pings): true when one came back. */
export const pings = (to: string) => inNs('ping', '-c', '3', '-i', '0.3', '-W', '1', to).status === 0;
/** A TCP connect from the outsider (bash's /dev/tcp, 3 s): true when something accepted it. */
export const connects = (to: string, port: number) => inNs('timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${to}/${port}`).status === 0;

/** `cmd` in the outsider's namespace without blocking (bounded at 20 s): its exit code, null when it could not run. */
const inNsAsync = (...cmd: string[]) =>
  new Promise<number | null>((resolve) => {
    const p = spawn('ip', ['netns', 'exec', OUT_NS, ...cmd], { stdio: 'ignore' });
    const t = setTimeout(() => p.kill('SIGKILL'), 20_000);
    p.once('error', () => resolve(null));
    p.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
/** As `pings` and `connects`, without blocking, so that several tries run at once while a service is up. */
export const pingsAsync = async (to: string) => (await inNsAsync('ping', '-c', '3', '-i', '0.3', '-W', '1', to)) === 0;
export const connectsAsync = async (to: string, port: number) => (await inNsAsync('timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${to}/${port}`)) === 0;

export function outsiderUp(f: SshSites): void {
  // On the first site's LAN: a veth into the bridge its host's interface hangs on (as the controller's is).
  const hostNs = f.lab.plan.hostNs.get(f.lab.spec.sites[0].hosts[0].name)!;
  execFileSync('ip', ['netns', 'add', OUT_NS]);
  execFileSync('ip', ['link', 'add', OUT_LINK, 'netns', OUT_NS, 'type', 'veth', 'peer', 'name', `o${id}`, 'netns', hostNs]);
  execFileSync('ip', ['-n', hostNs, 'link', 'set', `o${id}`, 'master', 'br0', 'up']);
  execFileSync('ip', ['-n', OUT_NS, 'link', 'set', 'lo', 'up']);
  execFileSync('ip', ['-n', OUT_NS, 'addr', 'add', `${OUT_ADDR}/16`, 'dev', OUT_LINK]);
  execFileSync('ip', ['-n', OUT_NS, 'link', 'set', OUT_LINK, 'up']);
  // The attacker's own machine takes replies from any source (vxlan-wireguard: a host answers from its tunnel address).
  execFileSync('ip', ['netns', 'exec', OUT_NS, 'sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', `net.ipv4.conf.${OUT_LINK}.rp_filter=0`]);
}

/** The attacker's VXLAN: the run's VNI and port, aimed at `target`, bridged with `cluster` (an unused cluster address). */
export function outsiderVxlan(vni: number, port: number, target: string, cluster: string, mtu: number): void {
  for (const l of ['ovx', 'obr']) inNs('ip', 'link', 'del', l);
  const must = (...a: string[]) => {
    const r = inNs(...a);
    if (r.status !== 0) throw new Error(`${a.join(' ')}: ${r.stderr}`);
  };
  // nolearning: every frame goes to `target`, whatever address the replies came from (vxlan-wireguard:
  // a host answers from its tunnel address, which the outsider has no route to).
  must('ip', 'link', 'add', 'ovx', 'type', 'vxlan', 'id', String(vni), 'local', OUT_ADDR, 'dstport', String(port), 'ttl', '64', 'nolearning');
  must('ip', 'link', 'add', 'obr', 'type', 'bridge');
  must('ip', 'link', 'set', 'ovx', 'master', 'obr', 'mtu', String(mtu), 'up');
  must('ip', 'link', 'set', 'obr', 'mtu', String(mtu), 'up');
  must('ip', 'addr', 'add', `${cluster}/16`, 'dev', 'obr');
  must('bridge', 'fdb', 'append', '00:00:00:00:00:00', 'dev', 'ovx', 'dst', target);
}

/** Removes the attacker's VXLAN device and bridge (the namespace stays for the next attack). */
export function outsiderVxlanDel(): void {
  for (const l of ['ovx', 'obr']) inNs('ip', 'link', 'del', l);
}

export function outsiderDown(): void {
  spawnSync('ip', ['netns', 'del', OUT_NS]);
}
