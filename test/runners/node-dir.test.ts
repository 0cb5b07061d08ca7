/** Where a node's scratch files are (runners/context.ts): this machine's run dir, or the node's own on its host. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nodeDir, nodeDirChain } from '../../runners/context.js';

const ctx = { workDir: '/run/icbench/R.d' };

test("lab nodes: under this machine's work dir; the chain from the work dir down", () => {
  const n = { name: 'nii-h1-n1' };
  assert.is(nodeDir(ctx, n), '/run/icbench/R.d/nodes/nii-h1-n1');
  assert.equal(nodeDirChain(ctx, n), ['/run/icbench/R.d', '/run/icbench/R.d/nodes', '/run/icbench/R.d/nodes/nii-h1-n1']);
});

test("real hosts: the node's own dir in the run's dir on its host; the chain from that run dir down", () => {
  const n = { name: 'n1', workDir: '/var/lib/icbench-remote/R/nii1/nodes/n1', workRoot: '/var/lib/icbench-remote/R' };
  assert.is(nodeDir(ctx, n), n.workDir);
  assert.equal(nodeDirChain(ctx, n), [
    '/var/lib/icbench-remote/R',
    '/var/lib/icbench-remote/R/nii1',
    '/var/lib/icbench-remote/R/nii1/nodes',
    '/var/lib/icbench-remote/R/nii1/nodes/n1',
  ]);
  assert.throws(() => nodeDirChain(ctx, { ...n, workRoot: '/elsewhere' }), /not under its run's dir/);
});

test.run();
