/**
 * What a Xen host can do, from `xl info`: whether it can live-migrate a guest. Pure.
 *
 * `xl migrate` tracks the pages a running guest dirties ("log-dirty" mode). For a PV guest Xen does
 * that with shadow paging; for HVM and PVH guests with nested paging (HAP: Intel EPT / AMD NPT) or
 * shadow paging. A hypervisor built without shadow paging (CONFIG_SHADOW_PAGING unset, as Debian's
 * Xen 4.17 is) on a CPU without HAP (e.g. under QEMU TCG) cannot migrate at all: `xl migrate`
 * fails with "Failed to enable logdirty". Xen 4.14 and later print both as `virt_caps` flags
 * (`hap`, `shadow`); older releases print neither, so there the answer is "unknown".
 */
import type { XlInfo } from './xl-output.js';

export type MigrationGuestType = 'pv' | 'pvh' | 'hvm';

export interface MigrationCapability {
  /** true: can migrate; false: cannot; null: this Xen does not say (virt_caps without hap/shadow flags, Xen < 4.14). */
  ok: boolean | null;
  /** What was found and, when it cannot, what is missing. */
  reason: string;
  hap: boolean;
  shadow: boolean;
}

/** Xen release as [major, minor] from xl info (xen_major/xen_minor, else xen_version). */
function release(info: XlInfo): [number, number] | null {
  const maj = Number(info.fields.xen_major);
  const min = Number(info.fields.xen_minor);
  if (Number.isInteger(maj) && Number.isInteger(min) && info.fields.xen_major !== '' && info.fields.xen_minor !== '') return [maj, min];
  const m = /^(\d+)\.(\d+)/.exec(info.xenVersion);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export function migrationCapability(info: XlInfo, type: MigrationGuestType = 'pv'): MigrationCapability {
  const caps = (info.fields.virt_caps ?? '').split(/\s+/).filter(Boolean);
  const hap = caps.includes('hap');
  const shadow = caps.includes('shadow');
  const rel = release(info);
  const says = rel !== null && (rel[0] > 4 || (rel[0] === 4 && rel[1] >= 14));
  const seen = `virt_caps "${caps.join(' ')}" (Xen ${info.xenVersion})`;
  if (!says && !hap && !shadow) return { ok: null, reason: `${seen}: this Xen does not report hap/shadow; migration support unknown`, hap, shadow };
  if (type === 'pv') {
    if (!caps.includes('pv')) return { ok: false, reason: `${seen}: no PV guest support`, hap, shadow };
    if (!shadow)
      return {
        ok: false,
        reason: `${seen}: live migration of a PV guest needs shadow paging (log-dirty), and this hypervisor has none (built without CONFIG_SHADOW_PAGING); xl migrate would fail with "Failed to enable logdirty"`,
        hap,
        shadow,
      };
    return { ok: true, reason: `${seen}: shadow paging for PV log-dirty`, hap, shadow };
  }
  if (!caps.includes('hvm')) return { ok: false, reason: `${seen}: no HVM/PVH guest support (hardware virtualization missing or off)`, hap, shadow };
  if (!hap && !shadow)
    return {
      ok: false,
      reason: `${seen}: live migration of an ${type.toUpperCase()} guest needs nested paging (HAP: Intel EPT / AMD NPT) or shadow paging, and this host has neither; xl migrate would fail with "Failed to enable logdirty"`,
      hap,
      shadow,
    };
  return { ok: true, reason: `${seen}: ${hap ? 'HAP' : 'shadow paging'} for log-dirty`, hap, shadow };
}
