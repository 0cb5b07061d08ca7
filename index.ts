/** intercloud-bench public API: what scenario scripts import as 'intercloud-bench'. */
export { withTestbed, type Session, type SessionOptions, type SessionResult } from './session/session.js';
export { scenarioParams, scriptArgs, usage, type ParamDefs } from './session/params.js';
export { main } from './session/main.js';
export { clean, cleanRun } from './session/clean.js';
export { resolveConfig, VIRTS, type ScenarioInput, type SiteInput, type WanInput, type TestbedSpec } from './infra/config.js';
export { ConfigError, parseRate, parseDurationMs, parsePercent } from './infra/units.js';
export { Lab, type LabNode } from './infra/lab/lab.js';
export { runIperf3, measureIperf3, type Iperf3Options } from './runners/iperf3.js';
export { runPing, measurePing, type PingOptions } from './runners/ping.js';
export { selectPairs, pathOf, type PairSelection } from './runners/pairs.js';
export { parseIperf3 } from './collectors/iperf3.js';
export { parsePing } from './collectors/ping.js';
export type { Measurement } from './collectors/measurement.js';
export type { RunMeta } from './collectors/run-meta.js';
export { writeReport } from './reports/report.js';
