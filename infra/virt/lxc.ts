/**
 * LXC lab nodes: one container per node under the run's own lxcpath (<workDir>/lxc), so every file
 * of the run stays in its work dir. Start is `lxc-start -d`, then `lxc-info` for the init pid;
 * removal (lxc-stop -k, then the config dir) is idempotent.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../exec.js';
import { APPARMOR_PROBE, lxcAppArmorChoice, parseAppArmorProbe, type LxcAppArmor } from './lxc-apparmor.js';
import { lxcConfig, nodeHostsFile } from './lxc-config.js';
import type { SharedMount } from './mounts.js';

export interface LxcStart {
  lxcpath: string;
  name: string;
  hostname: string;
  rootfs: string;
  mounts: SharedMount[];
  apparmor: LxcAppArmor;
}

/**
 * This machine's AppArmor choice for lab LXC nodes (infra/virt/lxc-apparmor.ts): the same probe
 * as on real hosts, run here. A problem (AppArmor on, apparmor_parser missing) comes back as such.
 */
export async function localLxcAppArmor(): Promise<LxcAppArmor | { problem: string }> {
  const r = await run(['sh', '-c', APPARMOR_PROBE], { timeoutMs: 10_000 });
  return lxcAppArmorChoice(parseAppArmorProbe(r.stdout), 'this machine');
}

export async function startLxc(o: LxcStart): Promise<number> {
  const dir = join(o.lxcpath, o.name);
  mkdirSync(dir, { recursive: true });
  // The node's own /etc/hosts, so that its name resolves inside it.
  const hostsFile = join(dir, 'hosts');
  writeFileSync(hostsFile, nodeHostsFile(existsSync('/etc/hosts') ? readFileSync('/etc/hosts', 'utf8') : '127.0.0.1\tlocalhost\n', o.hostname), {
    mode: 0o644,
  });
  writeFileSync(join(dir, 'config'), lxcConfig({ name: o.name, hostname: o.hostname, rootfs: o.rootfs, mounts: o.mounts, hostsFile, apparmor: o.apparmor }));
  const log = join(o.lxcpath, `${o.name}.log`);
  const r = await run(['lxc-start', '-P', o.lxcpath, '-n', o.name, '-d', '-o', log, '-l', 'ERROR'], { timeoutMs: 60_000 });
  // lxc-start -d can exit 0 although init died at once: the state says whether it runs.
  for (let i = 0; i < 50; i++) {
    const info = (await run(['lxc-info', '-P', o.lxcpath, '-n', o.name, '-s', '-p'])).stdout;
    const state = /State:\s*(\S+)/.exec(info)?.[1],
      pid = /PID:\s*(\d+)/.exec(info)?.[1];
    if (state === 'RUNNING' && Number(pid) > 0) return Number(pid);
    if (state === 'STOPPED' && i > 0) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const why = [r.stderr.trim(), existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ') : ''].filter(Boolean).join(' | ');
  throw new Error(`lxc node ${o.hostname}: container ${o.name} did not start: ${why || 'no error logged'}`);
}

/**
 * Stops (kill) one container and removes its config dir; true when it is gone (also if it never
 * existed). Not lxc-destroy: for a dir-backed container it deletes the rootfs, here the shared
 * skeleton of every container. `netns`: the named network namespace the container was started in
 * (LXC's command socket is an abstract unix socket, so lxc-stop and lxc-info must run there).
 */
export async function removeLxc(lxcpath: string, name: string, netns?: string): Promise<boolean> {
  const dir = join(lxcpath, name);
  if (!existsSync(dir)) return true;
  const inNs = netns && existsSync(`/run/netns/${netns}`) ? ['ip', 'netns', 'exec', netns] : [];
  await run([...inNs, 'lxc-stop', '-P', lxcpath, '-n', name, '-k'], { timeoutMs: 30_000 }); // fails harmlessly when not running
  const info = await run([...inNs, 'lxc-info', '-P', lxcpath, '-n', name, '-s']);
  if (/State:\s*(RUNNING|STARTING|STOPPING|FREEZING|FROZEN)/.test(info.stdout)) return false;
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.log`, { force: true });
  return !existsSync(dir);
}
