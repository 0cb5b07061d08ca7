/**
 * A scenario session ties the stages together: resolve the config (rejecting bad input before
 * anything exists), bring the testbed up (journaled), validate it, let the scenario run its
 * benchmarks, and always tear down, keep run.json and write the report, also on Ctrl-C.
 */
import { join, resolve } from 'node:path';
import { rmSync } from 'node:fs';
import { resolveConfig, type ScenarioInput, type TestbedSpec } from '../infra/config.js';
import { Journal, stateDir } from '../infra/journal.js';
import { Lab } from '../infra/lab/lab.js';
import { killNsProcesses } from '../infra/lab/teardown.js';
import { consoleProgress, type Progress } from '../infra/progress.js';
import { newRunId } from '../infra/run-id.js';
import { ResultStore } from '../collectors/store.js';
import type { RunMeta } from '../collectors/run-meta.js';
import type { Measurement } from '../collectors/measurement.js';
import { benchmarks, type Benchmarks } from './benchmarks.js';
import { nodeStartRows } from './node-start.js';
import { parseDurationMs } from '../infra/units.js';
import { validateTestbed, type ValidateOptions } from '../runners/validate.js';
import { Interrupted, type RunContext } from '../runners/context.js';
import { writeReport } from '../reports/report.js';
import { harnessCommit, harnessVersion, hostFacts, toolVersions } from './meta.js';
import { preflight } from './preflight.js';

export interface SessionOptions {
  config: ScenarioInput;
  /** Scenario parameters after command-line overrides, kept in run.json. */
  params?: Record<string, unknown>;
  wanMode?: 'auto' | 'wanem' | 'netem';
  validate?: false | ValidateOptions;
  progress?: Progress;
  report?: boolean;
}

export interface Session extends Benchmarks {
  runId: string;
  spec: TestbedSpec;
  lab: Lab;
  ctx: RunContext;
  resultsDir: string;
  /**
   * Runs `fn` with every site pair's WAN round-trip time set to `rtt` (e.g. '40ms'), rows tagged
   * `rtt_ms=<n>`, then puts the configured RTT back (also when `fn` fails).
   */
  withWanRtt<T>(rtt: string, fn: () => Promise<T>): Promise<T>;
}

export interface SessionResult { runId: string; resultsDir: string; reportPath: string | null; status: RunMeta['status']; failures: RunMeta['failures'] }

export async function withTestbed(opts: SessionOptions, body: (s: Session) => Promise<void>): Promise<SessionResult> {
  const spec = resolveConfig(opts.config, { lab: true }); // throws ConfigError before anything is created
  const progress = opts.progress ?? consoleProgress();
  await preflight({ lab: true, multiSite: spec.sites.length > 1, virts: [...new Set(spec.nodes.map((n) => n.virt))] });
  const runId = opts.config.runId ?? newRunId();
  const journal = new Journal(runId);
  const workDir = join(stateDir(), `${runId}.d`);
  const store = new ResultStore(resolve(spec.resultsDir), runId);
  journal.record({ kind: 'run', runId, scenario: spec.scenario, resultsDir: store.dir, pid: process.pid, at: new Date().toISOString() }, { kind: 'file', path: workDir });
  progress.stage('run', `${spec.scenario} ${runId} -> ${store.dir}`);

  const meta: RunMeta = {
    run_id: runId, scenario: spec.scenario, harness: { ...harnessVersion(), commit: await harnessCommit() },
    tools: await toolVersions(), host: hostFacts(false), testbed: 'lab',
    topology: {
      sites: spec.sites.map((s) => ({ name: s.name, lan_rate_mbit: s.lanBps / 1e6, hosts: s.hosts.map((h) => ({ name: h.name, nodes: h.nodes.map((n) => ({ name: n.name, virt: n.virt, address: n.address })) })) })),
      cluster_subnet: spec.subnet, l2vpn: 'vxlan',
    },
    wan: [], params: opts.params ?? {}, validation: [], emulator: {},
    started_at: new Date().toISOString(), ended_at: null, status: 'running', failures: [],
  };
  store.writeMeta(meta);

  const abort = new AbortController();
  let lab: Lab | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return; // teardown already under way
    progress.warn(`${sig}: stopping, keeping what was measured, tearing down`);
    meta.failures.push({ stage: 'run', what: 'signal', error: `interrupted by ${sig}` });
    abort.abort();
    // End the sample in flight now instead of waiting for it (its row is kept as failed).
    if (lab) void killNsProcesses(lab.nodes.map((n) => n.ns));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let stage = 'lab up';
  try {
    lab = await Lab.up(spec, { runId, journal, workDir, progress, wanMode: opts.wanMode });
    const l = lab;
    meta.host = hostFacts(lab.mode === 'netem');
    meta.wan = spec.wan.map((w) => ({ a: w.a, b: w.b, rate_mbit: w.rateBps / 1e6, rtt_ms: w.rttMs, jitter_ms: w.jitterMs, loss_pct: w.lossPct, mtu: w.mtu, enforced_by: lab!.mode }));
    meta.params = { ...meta.params, lab_up_ms: Math.round(lab.timings.totalMs), lab_containers_ms: Math.round(lab.timings.containersMs) };
    store.writeMeta(meta);
    const ctx: RunContext = { runId, scenario: spec.scenario, store, progress, nodes: lab.nodes, workDir, emulatorStats: () => l.relayStats(), signal: abort.signal };
    if (opts.validate !== false) {
      stage = 'validation';
      meta.validation = await validateTestbed(ctx, spec, opts.validate ?? {});
      store.writeMeta(meta);
    }
    stage = 'benchmarks';
    ctx.store.add(nodeStartRows(ctx, lab.nodeStartMs));
    await body({
      runId, spec, lab, ctx, resultsDir: store.dir,
      ...benchmarks(ctx),
      withWanRtt: async (rtt, fn) => {
        const rttMs = parseDurationMs(rtt, 'withWanRtt.rtt');
        const before = ctx.flags;
        const changed = spec.wan.some((w) => w.rttMs !== rttMs);
        if (changed) { progress.info(`WAN RTT set to ${rttMs} ms`); await l.setWanRtt(rttMs); }
        ctx.flags = [...(before ?? []), `rtt_ms=${rttMs}`];
        try { return await fn(); } finally {
          ctx.flags = before;
          if (changed) await l.setWanRtt(null);
        }
      },
    });
    meta.status = abort.signal.aborted ? 'interrupted' : 'ok';
  } catch (e) {
    const interrupted = e instanceof Interrupted || abort.signal.aborted;
    meta.status = interrupted ? 'interrupted' : 'failed';
    if (!interrupted) {
      meta.failures.push({ stage, what: spec.scenario, error: (e as Error).message });
      progress.warn(`${stage} failed: ${(e as Error).message}`);
    }
  } finally {
    if (lab) {
      meta.emulator = lab.relayStats();
      const down = await lab.down(progress);
      meta.params = { ...meta.params, lab_down_ms: Math.round(down.ms) };
      if (down.left.length === 0) { rmSync(workDir, { recursive: true, force: true }); journal.remove(); }
      else meta.failures.push({ stage: 'teardown', what: 'namespaces', error: `left: ${down.left.join(', ')}` });
    } else {
      // Lab.up failed part-way: remove whatever it made, from the journal.
      const { cleanRun } = await import('./clean.js');
      const left = await cleanRun(runId);
      if (left.length) meta.failures.push({ stage: 'teardown', what: 'namespaces', error: `left: ${left.join(', ')}` });
    }
    meta.ended_at = new Date().toISOString();
    store.writeMeta(meta);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  let reportPath: string | null = null;
  if (opts.report !== false) {
    try {
      reportPath = await writeReport(store.dir);
      progress.stage('report', reportPath);
    } catch (e) {
      progress.warn(`report not written: ${(e as Error).message} (try: icbench report ${store.dir})`);
    }
  }
  progress.stage('done', `${store.rowCount} rows in ${join(store.dir, 'measurements.csv')}; status ${meta.status}`);
  return { runId, resultsDir: store.dir, reportPath, status: meta.status, failures: meta.failures };
}
