/**
 * The verdict first: the run's status with its reason, the four headline results (each with n and
 * its uncertainty) and the warnings. One structure, drawn as the report's first section and as a
 * text table on the terminal (session/summary.ts).
 */
import type { Measurement } from '../measurements/measurement.js';
import type { RunMeta, ValidationEntry } from '../measurements/run-meta.js';
import { degrades } from '../measurements/validation-notes.js';
import { spread, type Comparison } from '../measurements/stats.js';
import { pctText, type Decision } from '../measurements/sequential.js';
import { retryOutcomes, retryText, tryKey } from '../measurements/retries.js';
import { escapeHtml } from './escape.js';
import { bandwidthSummary, rateName, SATURATED } from './specs/bandwidth.js';
import { fmt, pairLabel, siteOrder } from './specs/common.js';
import { referenceText, referenceWord, wanNotEmulated, wanText } from './specs/reference.js';
import { rttSummary } from './specs/rtt.js';
import { spreadText } from './specs/stats.js';
import { terasortSummary, wanWhy } from './specs/terasort.js';
import { transactionsSummary } from './specs/transactions.js';
import { VIRT_MEASURES, virtSummary } from './specs/virt.js';

export type Verdict = 'ok' | 'degraded' | 'failed' | 'interrupted' | 'running';

export interface Headline {
  /** Fixed labels, always present (a benchmark not run says so). */
  label: string;
  /** The number that matters, e.g. "NII −92.2%, Hokudai −20.7%". */
  value: string;
  /** Medians with their intervals and n. */
  detail: string;
}

export interface RunSummary {
  /** The status to show: 'degraded' also for an older run.json that says ok with a validation check NOT OK. */
  status: Verdict;
  /** What run.json recorded. */
  recorded: RunMeta['status'];
  /** Why the status is not ok (one line each). */
  reasons: string[];
  headlines: Headline[];
  warnings: string[];
  /** NOT OK checks that do not degrade the run (run.json `note_only`): the check and why it is only a note. */
  notes: string[];
}

/** A benchmark's contribution to the summary (benchmarks/registry.ts lists them): one or more headlines, or none. */
export type HeadlineBuilder = (rows: Measurement[], meta: RunMeta) => Headline | Headline[];

export const HEADLINE_LABELS = [
  'Bandwidth: inter-site vs intra-site',
  'RTT inter-site: median and p99 vs configured',
  'TPS: same-site vs inter-site',
  'Terasort: one site vs spanning',
] as const;

/** Every validation check, the initial ones and those after in-place WAN changes. */
export function allChecks(meta: RunMeta): ValidationEntry[] {
  return [...(meta.validation ?? []), ...(meta.wan_changes ?? []).flatMap((c) => c.validation)];
}

export function checkText(v: ValidationEntry): string {
  // Real sites: validation measured the network's baseline; the scenario's figure was only expected.
  if (v.baseline)
    return `${v.check} ${v.a}–${v.b}: measured baseline ${fmt(v.measured, 2)} ${v.unit} (the scenario expected ${fmt(v.configured, 2)} ${v.unit}, not enforced)`;
  return `${v.check} ${v.a}–${v.b}: configured ${fmt(v.configured, 2)} ${v.unit}, measured ${fmt(v.measured, 2)} ${v.unit}${v.note ? ` (${v.note})` : ''}`;
}

/** Why an adaptive comparison stopped, from run.json: "decided at 5 repetitions (look 2 of 4)", "budget spent at 8 repetitions". */
export function stopText(meta: RunMeta, key: string): string {
  const a = meta.adaptive?.comparisons.find((c) => c.key === key);
  if (!a || !meta.adaptive) return '';
  const at = `${a.repetitions} repetition${a.repetitions === 1 ? '' : 's'}`;
  const look = `look ${a.look} of ${meta.adaptive.looks.length}`;
  if (a.stopped === 'decided') return `decided at ${at} (${look})`;
  if (a.stopped === 'budget') return `budget spent at ${at}: undecided`;
  if (a.stopped === 'interrupted') return `interrupted at ${at}: undecided`;
  return `maximum of ${at} reached: undecided`;
}

/**
 * A headline comparison in a few words, with its n and what was decided: "−90.2% [−91.0, −89.3]
 * (n=3/6)", "equivalent within ±5%: −1.2% [−3.0, +0.6] (n=8/8)", "undecided: ... (n=20/20)", or
 * "−3.1% (n=2/2, too few to call)"; then why an adaptive run stopped there.
 */
export function calledText(c: Comparison, meta: RunMeta, key: string): string {
  const ns = `n=${c.na}/${c.nb}`;
  const d = (c as { decision?: Decision }).decision;
  const pct = d ? pctText(d) : Number.isFinite(c.pct) ? `${c.pct >= 0 ? '+' : '−'}${fmt(Math.abs(c.pct))}%` : 'n/a';
  const stop = stopText(meta, key);
  const tail = stop ? `; ${stop}` : '';
  if (c.clear) return `${pct} (${ns}${tail})`;
  if (c.basis === 'equivalent') return `equivalent within ±${d?.marginPct ?? 5}%: ${pct} (${ns}${tail})`;
  if (c.basis === 'too-few') return `${pct} (${ns}, too few to call${tail})`;
  return `undecided: ${pct} (${ns}${tail})`;
}

const notRun = (what: string): Headline['value'] => `not measured in this run (no ${what} rows)`;

export function bandwidthHeadline(rows: Measurement[], meta: RunMeta): Headline {
  const label = HEADLINE_LABELS[0];
  const s = bandwidthSummary(rows, meta);
  if (!s.drops.length) {
    const tries = s.samples.filter((x) => x.label.startsWith('inter-site'));
    const inter = tries.filter((x) => !x.superseded); // one per sample and repetition: its last try
    const sat = tries.filter((x) => x.kind === SATURATED).map((x) => x.value);
    if (inter.length && inter.every((x) => x.kind === SATURATED))
      return {
        label,
        value: `no figure: all ${inter.length} inter-site samples were ${SATURATED}${tries.length > inter.length ? ` (on every try: ${tries.length} tries)` : ''}`,
        detail: `the WAN emulator, not the path, limited every inter-site sample (their ${spreadText(spread(sat), 0, 'Mbit/s')}); shown apart in "Bandwidth by path"`,
      };
    return { label, value: notRun('iperf3 intra- and inter-site'), detail: '' };
  }
  return {
    label,
    value: s.drops.map((d) => `${d.site} ${calledText(d.comparison, meta, d.key)}`).join(', '),
    detail: [
      ...s.drops.map((d) => `${d.site}: intra ${spreadText(d.intra, 0, 'Mbit/s')} → inter ${spreadText(d.inter, 0, 'Mbit/s')}; ${d.comparison.text}`),
      ...s.wan.map((w) => `inter-site = ${fmt(w.pct_of_rate)}% of the ${rateName(w)} ${fmt(w.rate_mbit, 0)} Mbit/s`),
    ].join('; '),
  };
}

export function rttHeadline(rows: Measurement[], meta: RunMeta): Headline {
  const s = rttSummary(rows, meta);
  const inter = s.groups.filter((g) => g.configured_ms !== null);
  // Compared with the configured RTT where the WAN was emulated; on real sites with the baseline validation measured, or with nothing.
  const kinds = [...new Set(inter.flatMap((g) => (g.reference ? [g.reference.kind] : [])))];
  const label =
    !inter.length && !wanNotEmulated(meta)
      ? HEADLINE_LABELS[1]
      : kinds.length
        ? `RTT inter-site: median and p99 vs ${kinds.map(referenceWord).join(' or ')}`
        : 'RTT inter-site: median and p99';
  if (!inter.length) return { label, value: notRun('inter-site ping'), detail: '' };
  const digits = (g: (typeof inter)[number]) => (g.reference?.kind === 'baseline' ? 2 : 1);
  return {
    label,
    value: inter
      .map(
        (g) =>
          `median ${fmt(g.median, 2)} ms, p99 ${fmt(g.p99, 2)} ms${g.reference ? ` vs ${referenceText(g.reference, 'ms', digits(g))}` : ''} (n=${g.packets})`,
      )
      .join('; '),
    detail: inter
      .map((g) => {
        const sp = spread(s.packets.filter((p) => p.label === g.label).map((p) => p.rtt));
        return `${g.label}: per packet ${spreadText(sp, 2, 'ms')}, p99 ${fmt(g.p99, 2)} ms${g.reference ? `, ${referenceText(g.reference, 'ms', digits(g))}` : ''}`;
      })
      .join('; '),
  };
}

export function tpsHeadline(rows: Measurement[], meta: RunMeta): Headline {
  const label = HEADLINE_LABELS[2];
  const s = transactionsSummary(rows, meta);
  if (!s.drops.length) return { label, value: notRun('pgbench same-site and inter-site'), detail: '' };
  return {
    label,
    value: s.drops.map((d) => `${d.script} ${calledText(d.comparison, meta, d.key)}`).join(', '),
    detail: s.drops
      .map((d) => `${d.script} (server at ${d.site}): mean ${fmt(d.same_mean)} → ${fmt(d.inter_mean)} tx/s; inter-site vs same-site ${d.comparison.text}`)
      .join('; '),
  };
}

export function terasortHeadline(rows: Measurement[], meta: RunMeta): Headline {
  const label = HEADLINE_LABELS[3];
  const s = terasortSummary(rows, meta);
  if (!s.slowdowns.length) return { label, value: notRun('Terasort one-site and spanning'), detail: '' };
  const stat = (cluster: string, nodes: number) =>
    s.stats.find((x) => x.cluster === cluster && x.nodes === nodes && x.phase === 'terasort' && x.metric === 'elapsed');
  return {
    label,
    value: s.slowdowns.map((d) => `spanning vs one site ${calledText(d.comparison, meta, d.key)}`).join('; '),
    detail: s.slowdowns
      .map((d) => {
        const [one, sp] = [stat(d.oneSite, d.nodes), stat(d.spanning, d.nodes)];
        return `${d.nodes} nodes: ${d.oneSite} ${one ? spreadText(one, 2, 's') : '–'} vs ${d.spanning} ${sp ? spreadText(sp, 2, 's') : '–'}; why: ${wanWhy(d)}`;
      })
      .join('; '),
  };
}

/** A sweep over cluster sizes: Terasort MB/s per size (median, interval, n), when rows hold several sizes. */
export function scaleHeadline(rows: Measurement[], meta: RunMeta): Headline[] {
  const s = terasortSummary(rows, meta);
  const tp = s.stats.filter((x) => x.phase === 'terasort' && x.metric === 'throughput').sort((a, b) => a.nodes - b.nodes);
  if (new Set(tp.map((x) => x.nodes)).size < 2) return [];
  return [
    {
      label: 'Terasort throughput by cluster size',
      value: tp.map((x) => `${x.nodes} VMs ${fmt(x.median)} MB/s (n=${x.n})`).join(', '),
      detail: tp.map((x) => `${x.nodes} VMs ${x.cluster}: ${spreadText(x, 1, 'MB/s')}`).join('; '),
    },
  ];
}

/** Several platforms on the same paths (docker-vs-rumprun): per measure, each platform's median and n on the first path they share. */
function platformHeadline(rows: Measurement[], meta: RunMeta): Headline[] {
  const s = virtSummary(rows, meta);
  const parts: string[] = [];
  const detail: string[] = [];
  for (const m of VIRT_MEASURES) {
    const paths = s.paths[m.key] ?? [];
    if (!paths.length) continue;
    const on = (label: string) => s.groups.filter((g) => g.measure === m.key && g.label === label);
    parts.push(
      `${m.title} ${paths[0]}: ${on(paths[0])
        .map((g) => `${g.virt} ${fmt(g.median, m.unit === 'ms' ? 3 : 0)} ${m.unit} (n=${g.n})`)
        .join(', ')}`,
    );
    for (const l of paths)
      detail.push(
        `${m.title} ${l}: ${on(l)
          .map((g) => `${g.virt} ${spreadText(spread(g.values), m.unit === 'ms' ? 3 : 1, m.unit)}`)
          .join(' vs ')}`,
      );
  }
  if (!parts.length) return [];
  return [{ label: `Platforms compared (${s.virts.join(', ')})`, value: parts.join('; '), detail: detail.join('; ') }];
}

/** Headlines of benchmarks this run did not measure are left out, unless none was measured (then they say so). */
function measuredFirst(h: Headline[]): Headline[] {
  const measured = h.filter((x) => !x.value.startsWith('not measured'));
  return measured.length ? measured : h;
}

/**
 * `headlines`: the builders of the benchmarks in the registry, in order; the platform comparison
 * (across benchmarks) comes after them.
 */
export function runSummary(rows: Measurement[], meta: RunMeta, headlines: readonly HeadlineBuilder[]): RunSummary {
  const bad = allChecks(meta).filter(degrades);
  let status: Verdict = meta.status;
  if (status === 'ok' && bad.length) status = 'degraded';
  const reasons: string[] = [];
  if (status === 'failed' || status === 'interrupted') {
    const main = meta.failures.filter((f) => f.stage !== 'validation');
    for (const f of main.length ? main : meta.failures) reasons.push(`${f.stage}: ${f.what}: ${f.error}`);
    if (!reasons.length) reasons.push(status === 'interrupted' ? 'stopped before the end (no reason recorded)' : 'no reason recorded in run.json');
  }
  if (bad.length) {
    const all = allChecks(meta).length;
    reasons.push(`${bad.length} of ${all} validation checks NOT OK: ${bad.map(checkText).join('; ')}`);
  }
  const warnings: string[] = [];
  const ok = rows.filter((r) => r.status === 'ok' && r.value !== null);
  const saturated = new Set(ok.filter((r) => r.flags.split(';').includes(SATURATED)).map(tryKey)).size;
  if (saturated) warnings.push(`${saturated} sample(s) flagged ${SATURATED}: left out of the headline medians and percentages, shown apart in their charts`);
  for (const o of retryOutcomes(rows)) warnings.push(retryText(o));
  const failed = rows.filter((r) => r.status !== 'ok');
  if (failed.length) {
    const by = [...new Set(failed.map((r) => r.benchmark))].map((b) => `${b} ${failed.filter((r) => r.benchmark === b).length}`);
    warnings.push(`${failed.length} of ${rows.length} sample(s) failed (${by.join(', ')}); see "Failed samples"`);
  }
  if (status === 'ok' || status === 'degraded')
    for (const f of meta.failures.filter((x) => x.stage !== 'validation')) warnings.push(`run failure recorded (${f.stage}): ${f.what}: ${f.error}`);
  const notes = allChecks(meta)
    .filter((v) => !v.ok && v.note_only)
    .map((v) => `${checkText(v)}: not degrading: ${v.note_only}`);
  return {
    status,
    recorded: meta.status,
    notes,
    reasons,
    headlines: measuredFirst([...headlines.flatMap((h) => h(rows, meta)), ...platformHeadline(rows, meta)]),
    warnings,
  };
}

/** The banner shown first on the page: red for failed / interrupted, amber for degraded; '' for ok. */
export function bannerHtml(s: RunSummary): string {
  if (s.status === 'ok' || s.status === 'running') return '';
  const red = s.status === 'failed' || s.status === 'interrupted';
  const title = red ? `Run ${s.status}` : 'Run degraded: the testbed did not match its profile';
  const items = s.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  return `<div class="banner ${red ? 'banner-red' : 'banner-amber'}" id="run-banner" role="alert"><strong>${escapeHtml(title)}</strong>${items ? `<ul>${items}</ul>` : ''}${
    s.recorded !== s.status
      ? `<p>run.json records status "${escapeHtml(s.recorded)}"; shown as ${escapeHtml(s.status)} because a validation check is NOT OK.</p>`
      : ''
  }</div>`;
}

/** The summary section's body: status line, headline table, warnings. */
export function summaryHtml(s: RunSummary, meta: RunMeta, rows: Measurement[]): string {
  const cls = s.status === 'ok' ? 'ok' : s.status === 'degraded' ? 'warn' : 'bad';
  const order = siteOrder(rows, meta);
  const wan = meta.wan.map((w) => wanText(meta, w, pairLabel(w.a, w.b, order)));
  const status = `<p id="run-status">Status: <span class="${cls}" data-status="${escapeHtml(s.status)}">${escapeHtml(s.status)}</span> · ${escapeHtml(meta.scenario)} · ${escapeHtml(meta.run_id)} · ${escapeHtml(meta.started_at)}${wan.length ? ` · WAN ${escapeHtml(wan.join('; '))}` : ''}</p>`;
  const table = `<table class="headlines"><tr><th>result</th><th>headline</th><th>medians, intervals and n</th></tr>${s.headlines
    .map(
      (h) =>
        `<tr><th class="headline-label">${escapeHtml(h.label)}</th><td class="headline-value">${escapeHtml(h.value)}</td><td>${escapeHtml(h.detail)}</td></tr>`,
    )
    .join('')}</table>`;
  const note =
    '<p class="note">Headline comparisons: the % is the ratio of geometric means (B / A − 1) with its interval [lo, hi] at the level of the look it was judged at; a difference is called only when that interval excludes 0, "equivalent" when it lies within the margin, otherwise "undecided"; never below n=3 a side (docs/statistics.md: Welch\'s t on the log scale, alpha split over the looks of adaptive repetitions). Medians: 95% order-statistic interval when n ≥ 6, min–max when n is 3 to 5, none below 3.</p>';
  const warn = s.warnings.length ? `<ul class="warnings">${s.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '';
  const notes = s.notes.length ? `<ul class="notes" id="run-notes">${s.notes.map((n) => `<li>note: ${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return status + table + warn + notes + note;
}

/** The same summary as plain text lines for a terminal: status, reasons, a small table, warnings. */
export function summaryText(s: RunSummary): string[] {
  const lines = [`status: ${s.status}${s.recorded !== s.status ? ` (run.json: ${s.recorded})` : ''}`];
  for (const r of s.reasons) lines.push(`  ${s.status === 'degraded' ? 'degraded' : 'reason'}: ${r}`);
  const w = Math.max(...s.headlines.map((h) => h.label.length));
  for (const h of s.headlines) lines.push(`  ${h.label.padEnd(w)}  ${h.value}`);
  for (const x of s.warnings) lines.push(`  warning: ${x}`);
  for (const x of s.notes) lines.push(`  note: ${x}`);
  return lines;
}
