/** Runs a scenario script through zx as a user would (fixtures/scenario-run.ts, shared with bench scripts). */
export { runScenario, type LineHandler } from '../../fixtures/scenario-run.js';
