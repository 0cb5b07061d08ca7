/**
 * The ssh-sites fixture (fixtures/ssh-sites.ts) for real: 2 sites x 2 hosts over the lab's
 * emulated 20 ms WAN, each host a real sshd reached from the root namespace with strict host keys;
 * the WAN RTT between hosts of the two sites; a private /run/icbench-remote per host; a changed
 * host key and a stopped host seen by ssh as such; and nothing left after down(). Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { useStateDir } from '../helpers/lab.js';
import { upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { run } from '../../infra/exec.js';
import { parsePing } from '../../collectors/ping.js';
import { percentile } from '../../measurements/stats.js';

const stateDir = useStateDir(test);
let fx: SshSites | null = null;

const ssh = (f: SshSites, addr: string, cmd: string, extra: string[] = []) =>
  run(
    [
      'ssh',
      '-F',
      '/dev/null',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${f.knownHostsFile}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'ConnectTimeout=5',
      ...extra,
      '-i',
      f.identityFile,
      `root@${addr}`,
      cmd,
    ],
    { timeoutMs: 20_000 },
  );

if (process.getuid?.() !== 0) {
  console.log('SKIPPED ssh-sites fixture test: it needs root (network namespaces, sshd)');
} else {
  test.after(async () => {
    await fx?.down().catch(() => {});
  });

  test('ssh-sites: real sshds on 2 sites x 2 hosts across a 20 ms WAN; host keys, private journals, stop, teardown', async () => {
    const f = await upSshSites({
      sites: [
        { name: 'A', hosts: 2 },
        { name: 'B', hosts: 2 },
      ],
      wanRtt: '20ms',
      stateDir,
    });
    fx = f;
    console.log(`  ssh-sites: up in ${(f.upMs / 1000).toFixed(1)} s (${f.hosts.length} hosts, fixture ${f.id}, run ${f.runId})`);
    assert.is(f.hosts.length, 4);
    assert.is(f.wanRttMs, 20);
    assert.equal(
      f.hosts.map((h) => h.site),
      ['A', 'A', 'B', 'B'],
    );

    // Strict ssh to every host; each answers with its own name (a UTS namespace per host).
    for (const h of f.hosts) {
      const r = await ssh(f, h.address, 'hostname');
      assert.ok(r.ok, `ssh ${h.name}: ${r.stderr}`);
      assert.is(r.stdout.trim(), h.name);
    }

    // The WAN between the sites: RTT from an A host to a B host inside the host namespace.
    const [a1, a2, b1, b2] = f.hosts;
    const p = parsePing(
      (await run(['nsenter', `--net=/run/netns/${a1.ns}`, '--', 'ping', '-n', '-c', '20', '-i', '0.05', b1.address], { timeoutMs: 20_000 })).stdout,
    );
    assert.is(p.received, 20, 'no loss');
    const median = percentile(
      p.rtts.map((x) => x.ms),
      50,
    );
    console.log(
      `  ssh-sites: RTT ${a1.name} -> ${b1.name}: median ${median.toFixed(2)} ms, min ${Math.min(...p.rtts.map((x) => x.ms)).toFixed(2)}, max ${Math.max(...p.rtts.map((x) => x.ms)).toFixed(2)}`,
    );
    assert.ok(Math.abs(median - 20) <= 2, `median RTT ${median} ms, want 20 +- 2`);

    // /run/icbench-remote is each host's own.
    const mark = `fx-${f.id}-${Date.now()}`;
    assert.ok((await ssh(f, a1.address, `echo hi > /run/icbench-remote/${mark} && cat /run/icbench-remote/${mark}`)).stdout.includes('hi'));
    assert.is((await ssh(f, a1.address, `stat -c %a /run/icbench-remote`)).stdout.trim(), '700');
    const other = await ssh(f, a2.address, `test -e /run/icbench-remote/${mark} && echo present || echo absent`);
    assert.is(other.stdout.trim(), 'absent', 'not on another host');
    assert.not.ok(existsSync(`/run/icbench-remote/${mark}`), 'not on the controller');
    // So is /run/netns: none of this machine's namespaces are visible on a host.
    assert.is((await ssh(f, a1.address, 'ls /run/netns | wc -l')).stdout.trim(), '0');

    // A changed host key: strict ssh refuses it.
    await f.changeHostKey(b2.name);
    const changed = await ssh(f, b2.address, 'true');
    assert.not.ok(changed.ok);
    assert.match(changed.stderr, 'REMOTE HOST IDENTIFICATION HAS CHANGED');

    // A stopped host does not answer.
    await f.stopHost(a2.name);
    const gone = await ssh(f, a2.address, 'true', ['-o', 'ConnectTimeout=2']);
    assert.not.ok(gone.ok);
    assert.match(gone.stderr, /timed out|No route to host|Connection refused/);
    assert.ok((await ssh(f, a1.address, 'true')).ok, 'the other hosts still answer');

    await f.down();
    await f.down(); // idempotent
    fx = null;
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(f.runId)) : [];
    assert.equal(netns, [], 'no namespace of the lab run');
    assert.not.ok(existsSync(`/sys/class/net/icbfx${f.id}`), 'no controller veth');
    assert.is((await run(['pgrep', '-f', f.dir])).stdout.trim(), '', 'no sshd of the fixture');
    assert.not.ok(existsSync(f.dir), 'no key dir');
  });
}

test.run();
