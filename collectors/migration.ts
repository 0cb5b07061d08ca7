/**
 * Pure: one live migration's figures -> tidy samples. QEMU's own figures (total time, downtime,
 * bytes, dirty-sync passes) plus the effective rate (bytes / total time), the floor bytes / link
 * rate for reference, and the downtime a peer saw (longest gap between its ping replies).
 */
import { failed, type Sample } from '../measurements/measurement.js';

export interface MigrationFigures {
  status: string;
  error?: string;
  totalMs: number;
  downtimeMs: number;
  transferredBytes: number;
  ramTotalBytes: number;
  dirtySyncCount: number;
  mbps: number;
}

export interface PeerOutage {
  longestGapMs: number;
  repliesAfter: number;
  intervalS: number;
}

export function migrationSamples(m: MigrationFigures, peer: PeerOutage | string, linkBps: number | null): Sample[] {
  if (m.status !== 'completed') {
    const why = `migration ${m.status}${m.error ? `: ${m.error}` : ''}`;
    return [failed('migration_time', 's', why), failed('downtime', 'ms', why), failed('downtime_peer', 'ms', why)];
  }
  // A completed migration took time and stopped the VM for some: a 0 is QEMU not having filled it in.
  const unset = (what: string) => `QEMU reported ${what} 0 for a completed migration`;
  const out: Sample[] = [
    m.totalMs > 0 ? { metric: 'migration_time', value: m.totalMs / 1000, unit: 's', status: 'ok' } : failed('migration_time', 's', unset('total-time')),
    m.downtimeMs > 0
      ? { metric: 'downtime', value: m.downtimeMs, unit: 'ms', status: 'ok', params: { source: 'qemu' } }
      : failed('downtime', 'ms', unset('downtime')),
    { metric: 'transferred', value: m.transferredBytes / 1e6, unit: 'MB', status: 'ok' },
    { metric: 'dirty_sync_passes', value: m.dirtySyncCount, unit: 'count', status: 'ok' },
    m.totalMs > 0
      ? { metric: 'effective_rate', value: (m.transferredBytes * 8) / (m.totalMs / 1000) / 1e6, unit: 'Mbit/s', status: 'ok' }
      : failed('effective_rate', 'Mbit/s', unset('total-time')),
  ];
  if (linkBps && linkBps > 0)
    out.push({
      metric: 'migration_time_floor',
      value: (m.transferredBytes * 8) / linkBps,
      unit: 's',
      status: 'ok',
      params: { basis: 'transferred bytes / WAN rate' },
    });
  if (typeof peer === 'string') out.push(failed('downtime_peer', 'ms', peer));
  else if (peer.repliesAfter === 0) out.push(failed('downtime_peer', 'ms', 'the VM did not answer the peer at its address after the migration'));
  else
    out.push({
      metric: 'downtime_peer',
      value: peer.longestGapMs,
      unit: 'ms',
      status: 'ok',
      params: { source: 'peer ping', ping_interval_ms: peer.intervalS * 1000 },
    });
  return out;
}
