/** The run report: results/<run-id>/{measurements.csv,run.json} -> results/<run-id>/report.html. */
import { coverageSection } from './coverage.js';
import { join } from 'node:path';
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { escapeHtml } from './escape.js';
import { renderHtml } from './html.js';
import { loadRun } from '../measurements/reader.js';
import { SATURATED } from './specs/bandwidth.js';
import { tryKey } from '../measurements/retries.js';
import { fmt, hasFlag, pairLabel, type Section, type SectionBuilder } from './specs/common.js';
import { wanText } from './specs/reference.js';
import { virtSection } from './specs/virt.js';
import { bannerHtml, runSummary, summaryHtml, type HeadlineBuilder } from './summary.js';
import { failedRowsTable, metaTable, validationTable } from './tables.js';
import { writeFileAtomic } from '../base/atomic-file.js';

/**
 * What a report draws per benchmark: chart sections keyed by the rows' benchmark name, in report
 * order, and headline builders. The list comes from the benchmark registry (benchmarks/registry.ts),
 * which passes it in: reports know no benchmark by name.
 */
export interface ReportParts {
  sections: readonly { benchmark: string; build: SectionBuilder }[];
  headlines: readonly HeadlineBuilder[];
}

/** Benchmarks whose rows have a place in the report without a chart of their own. */
const NO_CHART = new Set(['validation', 'node-start']);

/** Virtualization types of the measured rows (node start rows included), in order of appearance. */
export function virtsOf(rows: Measurement[]): string[] {
  return [...new Set(rows.filter((r) => r.benchmark !== 'validation' && r.virt).map((r) => r.virt))];
}

/** One paragraph saying what the run was. */
export function introHtml(rows: Measurement[], meta: RunMeta): string {
  const order = meta.topology.sites.map((s) => s.name);
  const sites = meta.topology.sites.map((s) => {
    const nodes = s.hosts.reduce((n, h) => n + h.nodes.length, 0);
    const lan = s.lan_rate_mbit === null ? 'unlimited LAN' : `LAN ${fmt(s.lan_rate_mbit, 0)} Mbit/s`;
    return `${s.name} (${s.hosts.length} hosts, ${nodes} nodes, ${lan})`;
  });
  const wan = meta.wan.map((w) =>
    w.enforced_by === 'none'
      ? wanText(meta, w, pairLabel(w.a, w.b, order))
      : `${wanText(meta, w, pairLabel(w.a, w.b, order))}${w.loss_pct ? `, loss ${fmt(w.loss_pct, 2)}%` : ''} (emulated by ${w.enforced_by})`,
  );
  const measured = virtsOf(rows);
  const virts = measured.length ? measured : [...new Set(meta.topology.sites.flatMap((s) => s.hosts.flatMap((h) => h.nodes.map((n) => n.virt))))];
  const nodeTypes =
    virts.length > 1
      ? `platforms ${virts.join(', ')} (each measured on its own${meta.params?.sweep_points ? ' testbed; sites shown as in the last point run' : ' nodes'})`
      : `node type ${virts[0] ?? 'unknown'}`;
  const benchmarks = [...new Set(rows.map((r) => r.benchmark))];
  const bad = rows.filter((r) => r.status !== 'ok').length;
  const text =
    `Run ${meta.run_id} of scenario "${meta.scenario}" on the ${meta.testbed === 'lab' ? 'local lab (sites emulated on one machine)' : 'real sites over SSH'}: ` +
    `sites ${sites.join(' and ')}, ${nodeTypes}, joined by a ${meta.topology.l2vpn} L2VPN; ` +
    `WAN ${wan.join('; ') || 'not described'}. ` +
    `Benchmarks: ${benchmarks.join(', ') || 'none'}; ${rows.length} rows, ${bad} not ok. ` +
    `Run status: ${meta.status}, ${meta.started_at} to ${meta.ended_at ?? '(not ended)'}.`;
  return `<p>${escapeHtml(text)}</p>`;
}

/** `runDir`: the run folder, to read raw tool output (iperf3 intervals) from; without it those charts are left out. */
export function buildReportSections(rows: Measurement[], meta: RunMeta, parts: ReportParts, runDir?: string): Section[] {
  const sections: Section[] = [
    { heading: 'Summary', html: summaryHtml(runSummary(rows, meta, parts.headlines), meta, rows) },
    { heading: 'Run', html: introHtml(rows, meta) },
  ];
  // Several virtualization platforms (a docker-vs-rumprun comparison, or sites of different
  // types): each benchmark's sections per platform, never pooled; the comparison comes after.
  const platforms = virtsOf(rows);
  for (const b of parts.sections) {
    if (!rows.some((r) => r.benchmark === b.benchmark)) continue;
    for (const v of platforms.length > 1 ? platforms : [null]) {
      const mine = v === null ? rows : rows.filter((r) => r.virt === v);
      if (!mine.some((r) => r.benchmark === b.benchmark)) continue;
      const s = b.build(mine, meta, runDir);
      const got = s ? (Array.isArray(s) ? s : [s]) : [];
      sections.push(...(v === null ? got : got.map((x) => ({ ...x, heading: `${x.heading}: platform ${v}` }))));
    }
  }
  // Across benchmarks: virtualization types on the same paths, and node start times.
  const virt = virtSection(rows, meta);
  if (virt) sections.push(virt);
  const known = new Set([...parts.sections.map((b) => b.benchmark), ...NO_CHART]);
  const other = [...new Set(rows.map((r) => r.benchmark))].filter((b) => !known.has(b));
  if (other.length) {
    const counts = other.map((b) => `${b} (${rows.filter((r) => r.benchmark === b).length} rows)`).join(', ');
    sections.push({ heading: 'Other benchmarks', html: `<p class="note">No chart yet for: ${escapeHtml(counts)}. Their rows are in measurements.csv.</p>` });
  }
  // A run without a WAN and without validation (one site, validate: false, as the sweeps) has nothing to show here.
  if (meta.validation.length || meta.wan.length || (meta.wan_changes ?? []).length)
    sections.push({ heading: 'Validation of the emulated WAN', html: validationTable(meta) });
  const coverage = coverageSection(rows, meta, runDir); // cells, holes and fills (the run's ledger)
  if (coverage) sections.push(coverage);
  sections.push({ heading: 'Failed samples', html: failedRowsTable(rows, 200, meta) });
  const flagged = new Set(rows.filter((r) => r.status === 'ok' && hasFlag(r, SATURATED)).map(tryKey)).size; // samples (tries), not rows
  sections.push({ heading: 'Run metadata', html: metaTable(meta, flagged) });
  return sections;
}

export function buildReportHtml(rows: Measurement[], meta: RunMeta, parts: ReportParts, runDir?: string): string {
  return renderHtml({
    title: `intercloud-bench report: ${meta.scenario} (${meta.run_id})`,
    banner: bannerHtml(runSummary(rows, meta, parts.headlines)),
    sections: buildReportSections(rows, meta, parts, runDir),
  });
}

/** Writes results/<run-id>/report.html and returns its path. */
export async function writeReport(runDir: string, parts: ReportParts): Promise<string> {
  const { rows, meta } = await loadRun(runDir);
  const out = join(runDir, 'report.html');
  // A new file renamed over the old one, mode 0600 from creation: a symlink planted at `out` is replaced, never followed.
  writeFileAtomic(out, buildReportHtml(rows, meta, parts, runDir));
  return out;
}
