#!/usr/bin/env node
import { cli } from '../dist/cli/icbench.js';

cli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`icbench: ${e?.message ?? e}\n`);
    process.exitCode = 1;
  },
);
