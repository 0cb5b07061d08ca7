/**
 * Which accelerator lab VMs use. /dev/kvm can exist and still not boot a stock kernel (here it is
 * a paravirtual nested KVM: QEMU aborts setting an MSR), so "kvm if /dev/kvm" is not enough:
 * one probe boot under KVM decides (the guest must reach its init within the time limit), and its
 * verdict is cached per QEMU version, host kernel and VM image. TCG otherwise. The choice and its
 * reason go into the results. ICBENCH_QEMU_ACCEL=kvm|tcg forces it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { killQuietly, run, start } from '../exec.js';
import type { Accel } from './args.js';
import { vmDir, vmImage } from './image.js';

export interface AccelChoice {
  accel: Accel;
  reason: string;
  probedAt?: string;
}

export async function qemuVersion(): Promise<string> {
  const r = await run(['qemu-system-x86_64', '--version']);
  if (!r.ok) throw new Error('qemu nodes: qemu-system-x86_64 not found (apt-get install qemu-system-x86; scripts/setup.sh does)');
  return /version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

export async function chooseAccel(o: { probeTimeoutMs?: number } = {}): Promise<AccelChoice> {
  const forced = process.env.ICBENCH_QEMU_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, reason: 'forced by ICBENCH_QEMU_ACCEL' };
  if (forced) throw new Error(`ICBENCH_QEMU_ACCEL: expected kvm or tcg, got ${JSON.stringify(forced)}`);
  if (!existsSync('/dev/kvm')) return { accel: 'tcg', reason: 'no /dev/kvm' };
  const img = vmImage();
  const key = `${await qemuVersion()} ${release()} ${img.stamp}`;
  const cache = join(vmDir(), 'accel.json');
  try {
    const c = JSON.parse(readFileSync(cache, 'utf8'));
    if (c.key === key && (c.accel === 'kvm' || c.accel === 'tcg')) return { accel: c.accel, reason: c.reason, probedAt: c.probedAt };
  } catch {
    /* no verdict yet */
  }
  const verdict = await probeKvm(img, o.probeTimeoutMs ?? 20_000);
  const choice: AccelChoice = { ...verdict, probedAt: new Date().toISOString() };
  try {
    writeFileSync(cache, JSON.stringify({ key, ...choice }) + '\n', { mode: 0o644 });
  } catch {
    /* read-only image dir: probe again next time */
  }
  return choice;
}

/** Boots the image once under KVM (no NICs); kvm only if the guest's init says ready in time. */
async function probeKvm(img: { kernel: string; initrd: string }, timeoutMs: number): Promise<AccelChoice> {
  const dir = mkdtempSync(join(tmpdir(), 'icbench-kvm-probe-'));
  try {
    const log = join(dir, 'serial.log');
    const secs = Math.ceil(timeoutMs / 1000);
    // `timeout -s KILL` bounds the probe even if this process dies; the guest powers off (-no-reboot) on panic.
    const argv = ['timeout', '-s', 'KILL', String(secs), 'qemu-system-x86_64', '-M', 'pc', '-accel', 'kvm', '-cpu', 'host', '-m', '256M'];
    argv.push('-nodefaults', '-no-user-config', '-nographic', '-no-reboot', '-serial', `file:${log}`, '-kernel', img.kernel, '-initrd', img.initrd);
    argv.push('-append', 'console=ttyS0 panic=-1 quiet icb.probe=1');
    // timeout(1) passes a TERM it receives on to QEMU, and kills it by itself at the limit.
    const p = start(argv);
    const exited = p.then((r) => r);
    const t0 = Date.now();
    let ready = false;
    while (Date.now() - t0 < timeoutMs) {
      if (existsSync(log) && readFileSync(log, 'utf8').includes('icb: ready')) {
        ready = true;
        break;
      }
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 100))]);
      if (done) break;
    }
    if (ready) {
      void killQuietly(p, 'SIGTERM');
      await exited;
      return { accel: 'kvm', reason: 'a probe boot under KVM reached the guest init' };
    }
    const r = await exited;
    const why = (r.stderr.trim().split('\n').pop() ?? '').slice(0, 200) || `no guest init within ${secs} s`;
    return { accel: 'tcg', reason: `/dev/kvm present but a probe boot under KVM failed: ${why}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
