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
  const out: Sample[] = [
    { metric: 'migration_time', value: m.totalMs / 1000, unit: 's', status: 'ok' },
    { metric: 'downtime', value: m.downtimeMs, unit: 'ms', status: 'ok', params: { source: 'qemu' } },
    { metric: 'transferred', value: m.transferredBytes / 1e6, unit: 'MB', status: 'ok' },
    { metric: 'dirty_sync_passes', value: m.dirtySyncCount, unit: 'count', status: 'ok' },
    {
      metric: 'effective_rate',
      value: m.totalMs > 0 ? (m.transferredBytes * 8) / (m.totalMs / 1000) / 1e6 : null,
      unit: 'Mbit/s',
      status: m.totalMs > 0 ? 'ok' : 'failed',
    },
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
