/**
 * The http runner in a real lab (2 sites x 1 host x 2 nodes, 10 ms RTT): nginx and busybox httpd in
 * one node, wrk from a same-host node and from the other site. Then the failure paths: a server
 * that cannot start, and a server gone before wrk runs. No server or wrk may outlive its sample.
 * Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { upTestLab, useStateDir } from '../helpers/lab.js';

const STATE_DIR = useStateDir(test);
const { run, start } = await import('../../infra/exec.js');
const { runHttp, measureHttp } = await import('../../runners/http.js');
const { startHttpServer } = await import('../../runners/http-server.js');
const { pathOf } = await import('../../runners/pairs.js');
type Measurement = import('../../measurements/measurement.js').Measurement;

/** Names of the processes running in the given namespaces. */
async function nsCommands(namespaces: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const ns of namespaces)
    for (const p of (await run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/)) {
      if (!p) continue;
      try {
        out.push(readFileSync(`/proc/${p}/comm`, 'utf8').trim());
      } catch {
        /* gone meanwhile */
      }
    }
  return out;
}
const servers = (cmds: string[]) => cmds.filter((c) => /^(nginx|busybox|httpd|wrk|iperf3)$/.test(c));
const one = (rows: Measurement[], q: Partial<Omit<Measurement, 'params'>> & { server?: string }) => {
  const found = rows.filter((r) => Object.entries(q).every(([k, v]) => (k === 'server' ? r.params.server === v : r[k as keyof Measurement] === v)));
  assert.is(found.length, 1, `exactly one row for ${JSON.stringify(q)}: ${found.length}`);
  return found[0];
};

if (process.getuid?.() !== 0) {
  console.log('SKIPPED http lab test: it needs root (network namespaces)');
} else {
  test('nginx and busybox httpd under wrk: same-host fast, inter-site >= the 10 ms RTT; failures are failed rows; nothing left running', async () => {
    const t = await upTestLab(
      {
        scenario: 'http-it',
        sites: [
          { name: 'A', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
          { name: 'B', lan: '1Gbit', hosts: 1, nodesPerHost: 2 },
        ],
        wan: { rate: '100Mbit', rtt: '10ms' },
      },
      STATE_DIR,
    );
    const { lab, ctx, runId, workDir } = t;
    try {
      const [a1, a2, b1] = lab.nodes;
      const nodeNs = lab.nodes.map((n) => n.ns);
      const store = ctx.store;

      const rows = await runHttp(ctx, {
        pairs: [
          [a2.name, a1.name],
          [b1.name, a1.name],
        ],
        servers: ['nginx', 'busybox'],
        durationS: 2,
        threads: 1,
        connections: 4,
        timeoutS: 2,
      });
      assert.is(store.rowCount, rows.length);
      for (const kind of ['nginx', 'busybox']) {
        const server = kind;
        const local = one(rows, { metric: 'latency_p50', src_node: a2.name, server });
        const inter = one(rows, { metric: 'latency_p50', src_node: b1.name, server });
        const rpsLocal = one(rows, { metric: 'requests_per_s', src_node: a2.name, server });
        const rpsInter = one(rows, { metric: 'requests_per_s', src_node: b1.name, server });
        for (const r of [local, inter, rpsLocal, rpsInter]) assert.is(r.status, 'ok', `${kind} ${r.src_node} ${r.metric}: ${r.reason}`);
        assert.is(local.path, 'local');
        assert.is(inter.path, 'inter-site');
        assert.is(inter.virt, 'netns');
        assert.ok(rpsLocal.value! > 0 && rpsInter.value! > 0, `${kind} req/s ${rpsLocal.value} / ${rpsInter.value}`);
        assert.ok(inter.value! >= 9.5, `${kind} inter-site p50 ${inter.value} ms, WAN RTT 10 ms`);
        assert.ok(local.value! < inter.value! / 3, `${kind} same-host p50 ${local.value} ms vs inter-site ${inter.value} ms`);
        assert.ok(rpsLocal.value! > rpsInter.value!, `${kind}: same-host ${rpsLocal.value} req/s vs inter-site ${rpsInter.value}`);
        console.log(`  ${kind}: same-host ${rpsLocal.value} req/s p50 ${local.value} ms | inter-site ${rpsInter.value} req/s p50 ${inter.value} ms`);
      }
      assert.ok(existsSync(join(store.dir, 'raw', 'http', `rep1-nginx-1024-${b1.name}--${a1.name}.txt`)), 'raw wrk output kept');
      assert.equal(servers(await nsCommands(nodeNs)), [], 'every server stopped after runHttp');

      // A server that cannot start: the port is already taken (by an iperf3 server, which is not HTTP).
      const squatter = start(a1.exec.wrap(['iperf3', '-s', '-B', a1.address, '-p', '8090']));
      let squatterEnded = false;
      void squatter.then(() => {
        squatterEnded = true;
      });
      await new Promise((r) => setTimeout(r, 300));
      const bad = await runHttp(ctx, { pairs: [[b1.name, a1.name]], servers: ['busybox'], durationS: 1, port: 8090, connections: 2 });
      assert.not.ok(squatterEnded, 'the squatter still held the port');
      await squatter.kill('SIGTERM');
      await squatter;
      assert.equal(
        bad.map((r) => r.metric),
        ['requests_per_s', 'transfer', 'latency_p50', 'latency_p99'],
      );
      for (const r of bad) {
        assert.is(r.status, 'failed');
        assert.is(r.value, null);
        assert.match(r.reason, /^busybox on a-h1-n1 exited before answering http:\/\/\S+:8090\/file-1024\.bin; server said: .*Address already in use/);
        assert.is(r.params.server, 'busybox');
      }

      // A server that is gone when wrk runs: wrk cannot connect -> failed rows with wrk's words.
      const gone = await startHttpServer(ctx, a1, { kind: 'nginx', port: 8091 });
      await gone.stop();
      const dead = await measureHttp(
        ctx,
        gone,
        { p: { src: b1, dst: a1, path: pathOf(b1, a1) }, rep: 1, size: 1024 },
        { pairs: 'all', durationS: 1, connections: 2 },
      );
      const rps = one(dead, { metric: 'requests_per_s' });
      assert.is(rps.status, 'failed');
      assert.is(rps.value, null);
      assert.match(rps.reason, /unable to connect .*8091/);
      assert.equal(servers(await nsCommands(nodeNs)), [], 'nothing left running in the nodes');
    } finally {
      await t.down();
    }
    assert.not.ok(existsSync(workDir), 'work dir removed');
    assert.equal(
      readdirSync('/run/netns').filter((n) => n.includes(runId)),
      [],
    );
    rmSync(STATE_DIR, { recursive: true, force: true });
  });
}

test.run();
