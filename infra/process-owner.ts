/** Process identity (pid + start time) lives in base/process-owner.ts, shared with the locks of measurements/ and session/. */
export { ownerAlive, pidStartTime, startedAt, type Owner } from '../base/process-owner.js';
