/**
 * A scenario session is the run's life cycle, and only that: resolve the config and check every
 * benchmark option (before anything exists), bring the testbed up through its provider
 * (journaled), validate it, let the scenario run its benchmarks, and always tear down, keep
 * run.json and write the report, also on Ctrl-C. It talks to the Testbed/Provider interfaces.
 */
import { join, resolve } from 'node:path';
import { workingNodes, type ScenarioInput, type TestbedSpec } from '../infra/config.js';
import { consoleProgress, type Progress } from '../infra/progress.js';
import { watchdog } from '../infra/heartbeat.js';
import type { Provider, Testbed } from '../infra/testbed.js';
import { chooseProvider, type ProviderOptions } from '../infra/providers.js';
import type { RunMeta } from '../measurements/run-meta.js';
import { degrades, markNotes } from '../measurements/validation-notes.js';
import { ResultsWriteError } from '../measurements/store.js';
import { validateTestbed, type ValidateOptions } from '../runners/validate.js';
import { Interrupted, type RunContext } from '../runners/context.js';
import { tcpContext } from '../runners/tcp.js';
import { writeRunReport } from '../benchmarks/reports.js';
import { benchmarks, type Benchmarks } from './benchmarks.js';
import { checkScenario, isCheckOnly, optionFor } from './check.js';
import { isDryRun } from './params.js';
import { fixedEstimateS, planEstimateS, planLines, planProgress, plannedHostFeatures, type Plan } from './plan.js';
import { ConfigError, type Duration } from '../infra/units.js';
import { cleanRun } from './clean.js';
import { harnessCommit, harnessVersion, hostFacts, toolVersions } from './meta.js';
import { recordRun, regressionLines } from './history.js';
import { nodeStartRows } from './node-start.js';
import { openRun } from './run-setup.js';
import { runSummaryLines } from './summary.js';
import { wanMeta, wanRttChanger } from './wan-change.js';
import { runIdFromEnv } from './run-id-env.js';
import { AdaptiveRepetitions, adaptiveSettings, type AdaptiveInput } from './adaptive.js';
import { checkComparable, clearRunLeftovers, coverageSummary, fillTargetFromEnv, lostHostLeftovers, mergeFill, openCells, settleCells } from './cells-run.js';
import { paramsState } from './params.js';
import type { Cells } from '../runners/cells.js';

export interface SessionOptions {
  config: ScenarioInput;
  /** Scenario parameters after command-line overrides (from scenarioParams), kept in run.json. */
  params?: Record<string, unknown>;
  /** Where the testbed comes from; default: chosen by the provider registry (the local lab, or the provider of --inventory's sites). */
  provider?: Provider;
  /** Lab WAN emulation when no provider is given. */
  wanMode?: ProviderOptions['wanMode'];
  /** Lab base RTT compensation (default true) when no provider is given; false: the emulator adds the configured RTT on top of the path's own. */
  rttCompensation?: ProviderOptions['rttCompensation'];
  /** Lab qemu nodes: guest memory, vCPUs, shared host paths (when no provider is given). */
  qemu?: ProviderOptions['qemu'];
  /** --tcp-cc: the congestion control of every node ('system': each kernel's own, recorded); when no provider is given. */
  tcpCc?: ProviderOptions['tcpCc'];
  validate?: false | ValidateOptions;
  /** Adaptive repetitions of benchmarks called with `repetitions: 'auto'`: minimum, maximum, budget, equivalence margin. */
  adaptive?: AdaptiveInput;
  progress?: Progress;
  report?: boolean;
}

export interface Session extends Benchmarks {
  runId: string;
  spec: TestbedSpec;
  testbed: Testbed;
  ctx: RunContext;
  resultsDir: string;
  /**
   * Runs `fn` with every site pair's WAN round-trip time set to `rtt` (a Duration, e.g. from a
   * 'durations' parameter, or a string such as '40ms'), the WAN
   * re-validated and the change recorded in run.json, rows given param rtt_ms; then puts the
   * configured WAN back (also when `fn` fails).
   */
  withWanRtt<T>(rtt: Duration | string, fn: () => Promise<T>): Promise<T>;
}

export interface SessionResult {
  runId: string;
  resultsDir: string;
  reportPath: string | null;
  status: RunMeta['status'];
  failures: RunMeta['failures'];
  /** What the check pass recorded: every benchmark call in order (the whole answer of a --dry-run). */
  plan?: Plan;
}

export async function withTestbed(opts: SessionOptions, body: (s: Session) => Promise<void>): Promise<SessionResult> {
  const inventory = typeof opts.params?.inventory === 'string' && opts.params.inventory ? opts.params.inventory : null;
  let provider: Provider;
  if (opts.provider && opts.tcpCc !== undefined) throw new ConfigError('tcpCc', 'no tcpCc beside a provider (give it to the provider)', opts.tcpCc);
  try {
    provider =
      opts.provider ??
      (await chooseProvider({
        inventory: inventory ?? undefined,
        wanMode: opts.wanMode,
        qemu: opts.qemu,
        tcpCc: opts.tcpCc,
        rttCompensation: opts.rttCompensation,
      })); // the inventory is validated here
  } catch (e) {
    throw e instanceof ConfigError && inventory ? e.as(`--inventory: ${e.field}`) : e;
  }
  let spec: TestbedSpec;
  // --spares N: N spare nodes per site, stood up with the others (infra/config.ts), in no benchmark until one stands in for a lost node.
  const spares = typeof opts.params?.spares === 'number' ? opts.params.spares : undefined;
  const config = spares !== undefined && opts.config.spares === undefined ? { ...opts.config, spares } : opts.config;
  try {
    spec = provider.resolve(config); // throws ConfigError before anything is created
  } catch (e) {
    if (e instanceof ConfigError && e.field === 'spares' && spares !== undefined) throw e.as('--spares');
    const opt = e instanceof ConfigError ? optionFor(opts.params, e, config, (c: typeof config) => provider.resolve(c)) : null;
    throw opt ? (e as ConfigError).as(opt) : e;
  }
  // ICBENCH_FILL (icbench fill): this run fills the holes of an earlier run, in its folder, under its id.
  const fill = isCheckOnly() || isDryRun(opts.params) ? null : fillTargetFromEnv();
  const givenRunId = fill?.meta.run_id ?? opts.config.runId ?? runIdFromEnv(); // ICBENCH_RUN_ID (set by the nightly daemon), checked before anything exists
  const startMs = Date.now();
  const adaptive = checkedAdaptive(opts);
  // Benchmarks see every node but the spares (the check pass too).
  const plan = await checkScenario({ ...spec, nodes: workingNodes(spec.nodes) }, opts.params, body, {
    min: adaptive.min,
    max: adaptive.max,
    budgetS: adaptive.budgetS,
  });
  if (isCheckOnly()) return { runId: 'check', resultsDir: resolve(spec.resultsDir), reportPath: null, status: 'ok', failures: [], plan }; // a sweep checking its points
  const harness = { ...harnessVersion(), commit: await harnessCommit() };
  if (fill) checkComparable(fill, opts.params ?? {}, harness); // before anything exists
  if (isDryRun(opts.params)) {
    // The plan only: no preflight, no journal, no results folder, nothing on any host.
    const validate = opts.validate !== false;
    plan.totalS = fixedEstimateS(spec, validate) + planEstimateS(plan);
    process.stdout.write(`${[...planLines(spec, plan, { validate, provider: provider.name }), ...(provider.planNotes?.() ?? [])].join('\n')}\n`);
    return { runId: 'dry-run', resultsDir: resolve(spec.resultsDir), reportPath: null, status: 'ok', failures: [], plan };
  }
  // A "still ..." line whenever the run was silent for 10 s (infra/heartbeat.ts), until it ends.
  const watch = watchdog(opts.progress ?? consoleProgress());
  const progress = watch.progress;
  // Progress lines during benchmarks say "benchmark k of n" and the time left (from the plan).
  const tracker = planProgress(progress, plan);
  const opened = await provider
    .preflight(spec)
    // A fill works under the run's id: what the run still has journaled (a lost host's part) goes first.
    .then(() => (fill ? clearRunLeftovers(fill.meta.run_id, progress) : undefined))
    .then(() => openRun({ scenario: spec.scenario, resultsDir: fill ? fill.root : spec.resultsDir, runId: givenRunId }))
    .catch((e) => {
      watch.stop();
      throw e;
    });
  const { runId, journal, workDir, store } = opened;
  progress.stage('run', `${spec.scenario} ${runId} -> ${store.dir}`);

  const meta: RunMeta = {
    run_id: runId,
    scenario: spec.scenario,
    harness,
    tools: await toolVersions(),
    host: hostFacts(false),
    testbed: provider.name,
    topology: {
      sites: spec.sites.map((s) => ({
        name: s.name,
        lan_rate_mbit: s.lanBps / 1e6,
        hosts: s.hosts.map((h) => ({
          name: h.name,
          nodes: h.nodes.map((n) => ({ name: n.name, virt: n.virt, address: n.address, ...(n.spare ? { spare: true } : {}) })),
        })),
      })),
      cluster_subnet: spec.subnet,
      l2vpn: 'vxlan',
    },
    wan: [],
    params: opts.params ?? {},
    validation: [],
    emulator: {},
    started_at: new Date().toISOString(),
    ended_at: null,
    status: 'running',
    failures: [],
  };
  const entry = paramsState(opts.params)?.entry;
  if (entry) meta.entry = entry;
  let cells: Cells | null = null;
  if (fill) {
    // run.json keeps the run's own record; this fill goes into its fills[] (session/cells-run.ts).
    const write = store.writeMeta.bind(store);
    store.writeMeta = (m: RunMeta) => write(mergeFill(fill, m, store.dir, cells));
    progress.info(`fill: attempt ${fill.attempt}, ${fill.todo.size} cell(s) not ok in ${store.dir}`);
  }
  try {
    store.writeMeta(meta);
  } catch (e) {
    watch.stop();
    await cleanRun(runId);
    throw e;
  } // nothing of the testbed exists yet

  const abort = new AbortController();
  let testbed: Testbed | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    if (abort.signal.aborted) return; // teardown already under way
    progress.warn(`${sig}: stopping, keeping what was measured, tearing down`);
    meta.failures.push({ stage: 'run', what: 'signal', error: `interrupted by ${sig}` });
    abort.abort();
    // End the sample in flight now instead of waiting for it (its row is kept as failed).
    if (testbed) void testbed.interrupt().catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let stage = 'testbed up';
  try {
    testbed = await provider.up(spec, { runId, journal, workDir, progress, hostFeatures: plannedHostFeatures(plan) });
    const tb = testbed;
    const facts = tb.facts();
    meta.testbed = facts.testbed;
    meta.topology.l2vpn = facts.l2vpn;
    if (facts.hosts) meta.remote_hosts = facts.hosts;
    if (facts.segment) meta.topology.segment = facts.segment;
    if (facts.tcp) meta.tcp = facts.tcp;
    if (facts.lxcApparmor) meta.lxc_apparmor = facts.lxcApparmor;
    meta.host = hostFacts(facts.netem);
    meta.wan = wanMeta(spec.wan, facts.wanEnforcedBy, testbed.wan);
    meta.params = { ...meta.params, ...Object.fromEntries(Object.entries(facts.timings).map(([k, v]) => [`testbed_${k}`, v])) };
    // qemu nodes: the accelerator used (and why), kernel, memory, command channel.
    if (facts.vm) meta.params = { ...meta.params, ...Object.fromEntries(Object.entries(facts.vm).map(([k, v]) => [`vm_${k}`, String(v)])) };
    store.writeMeta(meta);
    const ctx: RunContext = {
      runId,
      scenario: spec.scenario,
      store,
      progress: tracker.progress,
      nodes: workingNodes(tb.nodes),
      workDir,
      signal: abort.signal,
      emulatorStats: tb.wan ? () => tb.wan!.stats() : undefined,
      emulatorFailure: tb.wan ? () => tb.wan!.failure() : undefined,
      tcp: tcpContext(facts.tcp),
      ship: tb.capabilities.ship,
    };
    // The run's cells and its ledger: attempt 1, or this fill's attempt running only the cells not ok.
    cells = openCells({
      runDir: store.dir,
      runId,
      attempt: fill?.attempt ?? 1,
      kind: fill ? 'fill' : 'run',
      harness: `${harness.version} ${harness.commit}`,
      testbed: facts.testbed,
      nodes: tb.nodes,
      todo: fill?.todo ?? null,
      done: fill?.done ?? null,
      progress,
      spares: tb.nodes.filter((n) => n.spare),
    });
    ctx.cells = cells;
    if (opts.validate !== false) {
      stage = 'validation';
      meta.validation = await validateTestbed(ctx, spec, opts.validate ?? {});
      if (facts.wanEnforcedBy === 'none') {
        // A real WAN is measured, not emulated: what validation finds is the run's baseline, not a pass or fail.
        meta.validation = meta.validation.map((v) => ({
          ...v,
          ok: v.measured !== null,
          baseline: true,
          note: `${v.measured === null ? 'not measured' : 'baseline of the real network'} (the scenario expected ${v.configured} ${v.unit}); ${v.note}`,
        }));
      }
      // A miss that is only this machine's ceiling on a path no headline depends on is a note, not a degraded run.
      meta.validation = markNotes(meta.validation, meta);
      store.writeMeta(meta);
      for (const v of meta.validation.filter((x) => x.note_only)) progress.info(`validation note: ${v.check} ${v.a}-${v.b}: ${v.note_only}`);
      const bad = meta.validation.filter(degrades);
      if (bad.length)
        progress.warn(
          `validation: ${bad.length} of ${meta.validation.length} checks NOT OK (${bad.map((v) => `${v.check} ${v.a}-${v.b}`).join(', ')}); see run.json`,
        );
    }
    stage = 'benchmarks';
    if (!fill) ctx.store.add(nodeStartRows(ctx, tb.nodeStartMs)); // a fill's testbed is not a sample of node start times
    const changeRtt = wanRttChanger({ spec, testbed: tb, ctx, meta, validate: opts.validate, save: () => store.writeMeta(meta) });
    let currentRtt: Duration | string | undefined;
    const withWanRtt = async <T>(rtt: Duration | string, fn: () => Promise<T>): Promise<T> => {
      const outer = currentRtt;
      currentRtt = rtt;
      try {
        return await changeRtt(rtt, fn);
      } finally {
        currentRtt = outer;
      }
    };
    const repeat = new AdaptiveRepetitions(adaptive, {
      run: (m, o) => m.run({ ctx, testbed: tb }, o),
      withWanRtt,
      currentRtt: () => currentRtt,
      meta,
      progress,
      signal: abort.signal,
      startMs,
      // Teardown and the report: about a third of the fixed cost (stand-up, validation, teardown), and 5 s.
      reserveS: fixedEstimateS(spec, opts.validate !== false) / 3 + 5,
    });
    await body({
      runId,
      spec,
      testbed: tb,
      ctx,
      resultsDir: store.dir,
      ...tracker.wrap(benchmarks(ctx, tb, repeat)),
      withWanRtt,
    });
    const decided = await repeat.finish();
    if (decided) {
      meta.adaptive = decided;
      store.writeMeta(meta);
    }
    const notOk = [...meta.validation, ...(meta.wan_changes ?? []).flatMap((c) => c.validation)].filter(degrades);
    meta.status = abort.signal.aborted ? 'interrupted' : notOk.length ? 'degraded' : 'ok';
    if (meta.status === 'degraded')
      meta.failures.push({
        stage: 'validation',
        what: `${notOk.length} check(s) NOT OK`,
        error: notOk
          .map((v) => `${v.check} ${v.a}-${v.b}: configured ${v.configured} ${v.unit}, measured ${v.measured} ${v.unit}${v.note ? ` (${v.note})` : ''}`)
          .join('; '),
      });
    // A lost node costs its cells: missing cells make the run degraded, the lost nodes named.
    if (meta.status !== 'interrupted') settleCells(meta, cells, store.dir);
  } catch (e) {
    const interrupted = e instanceof Interrupted || abort.signal.aborted;
    meta.status = interrupted ? 'interrupted' : 'failed';
    if (!interrupted) {
      meta.failures.push({ stage: e instanceof ResultsWriteError ? 'results' : stage, what: spec.scenario, error: (e as Error).message });
      progress.warn(`${stage} failed: ${(e as Error).message}`);
    }
  } finally {
    let downLeft = 0;
    try {
      if (testbed) {
        meta.emulator = testbed.wan?.stats() ?? {};
        const wanDown = testbed.wan?.failure();
        if (wanDown) {
          // The samples it affected are failed rows with this reason; the run as a whole did not measure what it was asked to.
          meta.failures.push({ stage: 'wan', what: 'emulator', error: wanDown });
          if (meta.status === 'ok' || meta.status === 'degraded') meta.status = 'failed';
          progress.warn(`the WAN emulator stopped during the run: ${wanDown}`);
        }
        const down = await testbed.down(progress);
        downLeft = down.left.length;
        meta.params = { ...meta.params, testbed_down_ms: Math.round(down.ms) };
        for (const e of down.errors) meta.failures.push({ stage: 'teardown', what: e.step, error: e.error });
        // A host unreachable after its nodes were lost keeps its part journaled: that is losing them, not a failed teardown.
        const split = lostHostLeftovers(down, cells?.lostNodes().map((l) => l.node) ?? [], testbed.nodes, runId);
        if (split.lost) meta.failures.push(split.lost);
        if (split.left.length)
          meta.failures.push({ stage: 'teardown', what: 'resources', error: `left: ${split.left.join(', ')} (run icbench clean ${runId})` });
      }
      // Whatever is still in the journal (a stand-up that failed part-way, or leftovers): remove it.
      // A shipped cache on real hosts stays for later runs: said here, kept on record for `clean --purge-cache`.
      const left = await cleanRun(runId, { afterDown: testbed !== null && downLeft === 0, log: (l) => progress.info(l) });
      if (left.length && !testbed) meta.failures.push({ stage: 'teardown', what: 'resources', error: `left: ${left.join(', ')} (run icbench clean ${runId})` });
    } catch (e) {
      meta.failures.push({ stage: 'teardown', what: 'clean', error: (e as Error).message });
    }
    if (store.rawFailures.length)
      meta.failures.push({ stage: 'results', what: 'raw', error: `${store.rawFailures.length} raw output file(s) not written, e.g. ${store.rawFailures[0]}` });
    if ((meta.status === 'ok' || meta.status === 'degraded') && meta.failures.some((f) => f.stage === 'teardown')) meta.status = 'failed';
    meta.ended_at = new Date().toISOString();
    try {
      store.writeMeta(meta);
    } catch (e) {
      progress.warn(`run.json not written: ${(e as Error).message}`);
    }
    store.releaseReserve();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  let reportPath: string | null = null;
  if (opts.report !== false) {
    try {
      reportPath = await writeRunReport(store.dir);
      progress.stage('report', reportPath);
    } catch (e) {
      progress.warn(`report not written: ${(e as Error).message} (try: icbench report ${store.dir})`);
    }
  }
  progress.stage('summary', `${spec.scenario} ${runId}`);
  for (const line of await runSummaryLines(store.dir)) progress.info(line);
  const coverage = coverageSummary(store.dir);
  if (coverage) progress.info(coverage);
  // Every finished run goes into the history (results/history.sqlite); a failure to index must not lose the run.
  // A nightly run is indexed by its daemon, with its entry and slot (ICBENCH_RUN_ORIGIN=nightly), not twice.
  if (process.env.ICBENCH_RUN_ORIGIN !== 'nightly')
    try {
      const rec = await recordRun(resolve(spec.resultsDir), store.dir, { kind: 'manual' });
      for (const line of regressionLines(rec.regressions, rec.regressionsPath)) progress.info(line);
    } catch (e) {
      progress.warn(`history: run not indexed: ${(e as Error).message} (try: icbench history rebuild --results ${spec.resultsDir})`);
    }
  progress.stage('done', `${store.rowCount} rows in ${join(store.dir, 'measurements.csv')}; status ${meta.status}`);
  watch.stop();
  const final = fill ? mergeFill(fill, meta, store.dir, cells) : meta;
  return { runId, resultsDir: store.dir, reportPath, status: final.status, failures: final.failures };
}

/** The scenario's adaptive settings, checked before anything exists; a bad value names the scenario option it came from. */
function checkedAdaptive(opts: SessionOptions): ReturnType<typeof adaptiveSettings> {
  try {
    return adaptiveSettings(opts.adaptive);
  } catch (e) {
    if (!(e instanceof ConfigError) || !opts.params) throw e;
    const given = opts.adaptive?.[e.field.split('.')[1] as keyof AdaptiveInput];
    const opt = Object.entries(opts.params).find(([, v]) => v === given && given !== undefined)?.[0];
    throw opt ? e.as(`--${opt}`) : e;
  }
}
