/**
 * The isolated ssh-sites fixture (fixtures/ssh-sites.ts, `isolated`) for real: 2 sites x 2 hosts
 * over the lab's emulated 20 ms WAN, each host a system container on its own overlay of the cached
 * Debian tree, running its own sshd reached from the root namespace with strict host keys; the WAN
 * RTT between hosts of the two sites; that the hosts share nothing with this machine (files, /tmp,
 * /run, /var/cache/icbench, packages, Docker, processes); a host's ssh service stopped with its
 * sessions killed and started again; a changed host key and a stopped host seen by ssh as such; nothing left after down(); and after kill -9 of the process that made it, `clean`
 * of its lab run removes containers, layers, namespaces and links. Needs root.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useStateDir } from '../helpers/lab.js';
import { FIXTURE_FEATURES, upSshSites, type SshSites } from '../../fixtures/ssh-sites.js';
import { hostContainerConfig, hostInitScript } from '../../fixtures/host-container.js';
import { run } from '../../infra/exec.js';
import { prerequisitesOf } from '../../infra/host-prerequisites.js';
import { cleanRun } from '../../session/clean.js';
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

test('a fixture host container: an overlay of the cached tree, the lab node network, own /run and /tmp, nesting allowed', () => {
  const c = {
    name: 'icbfx-ab12-a1',
    lxcpath: '/root/icbfx-ab12/lxc',
    hostname: 'a1',
    rootfs: '/var/cache/icbench/fixture-rootfs-0123456789ab',
    delta: '/root/icbfx-ab12/hosts/a1/delta',
    ns: 'icb-x-a1',
    log: '/root/icbfx-ab12/sshd-a1.log',
    dockerDir: null,
  };
  const cfg = hostContainerConfig(c).split('\n');
  for (const l of [
    'lxc.uts.name = a1',
    'lxc.rootfs.path = overlay:/var/cache/icbench/fixture-rootfs-0123456789ab:/root/icbfx-ab12/hosts/a1/delta',
    'lxc.net.0.type = none',
    'lxc.mount.auto = proc:rw sys:rw cgroup:rw:force',
    'lxc.mount.entry = tmpfs run tmpfs rw,nosuid,nodev,mode=755 0 0',
    'lxc.mount.entry = tmpfs tmp tmpfs rw,nosuid,nodev,mode=1777 0 0',
    'lxc.init.cmd = /usr/local/sbin/icbfx-init',
  ])
    assert.ok(cfg.includes(l), `${l} in\n${cfg.join('\n')}`);
  assert.not.ok(
    cfg.some((l) => /^lxc\.mount\.entry = \/(usr|etc|var|root|home|run\/netns|var\/run\/docker)/.test(l)),
    'nothing of this machine bind-mounted but /dev/net/tun',
  );
  assert.throws(() => hostContainerConfig({ ...c, delta: '/a b' }), /without blanks or colons/);
  assert.throws(() => hostContainerConfig({ ...c, rootfs: '/a:b' }), /without blanks or colons/);
  assert.not.ok(hostInitScript('a1').includes('dockerd'), 'no engine unless asked');
  // A host with its own Docker engine: its data root bound from this machine's disk, its dockerd started by its init before sshd.
  const d = hostContainerConfig({ ...c, dockerDir: '/root/icbfx-ab12/hosts/a1/docker' }).split('\n');
  assert.ok(d.includes('lxc.mount.entry = /root/icbfx-ab12/hosts/a1/docker var/lib/docker none bind,create=dir 0 0'), d.join('\n'));
  const init = hostInitScript('a1', true).split('\n');
  const dockerd = init.findIndex((l) => l.startsWith('setsid dockerd '));
  assert.ok(dockerd > 0 && dockerd < init.findIndex((l) => l.trim().startsWith('/usr/sbin/sshd -D')), init.join('\n'));
  for (const f of ['--bridge=none', '--iptables=false', '--storage-driver=overlay2']) assert.ok(init[dockerd].includes(f), init[dockerd]);
});

if (process.getuid?.() !== 0) {
  console.log('SKIPPED ssh-sites fixture test: it needs root (network namespaces, sshd)');
} else {
  test.after(async () => {
    await fx?.down().catch(() => {});
  });

  test('ssh-sites isolated: own sshds on 2 sites x 2 hosts across a 20 ms WAN; nothing shared; host keys, stop, teardown', async () => {
    const f = await upSshSites({
      sites: [
        { name: 'A', hosts: 2 },
        { name: 'B', hosts: 2 },
      ],
      wanRtt: '20ms',
      stateDir,
      isolated: true,
    });
    fx = f;
    console.log(
      `  ssh-sites: up in ${(f.upMs / 1000).toFixed(1)} s (rootfs ${(f.rootfsMs / 1000).toFixed(1)} s: ${f.rootfs}; ${f.hosts.length} hosts, fixture ${f.id}, run ${f.runId})`,
    );
    assert.ok(f.rootfs && f.hosts.every((h) => h.container));
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

    // Nothing shared. Files: the controller's /tmp and /var/cache/icbench are not the hosts', nor are /run and /tmp of one host another's.
    const mark = `fx-${f.id}-${Date.now()}`;
    const onController = [`/tmp/${mark}`, `/var/cache/icbench/${mark}`, `/run/${mark}`];
    mkdirSync('/var/cache/icbench', { recursive: true });
    for (const p of onController) writeFileSync(p, 'controller\n');
    try {
      for (const p of onController)
        assert.is((await ssh(f, a1.address, `test -e ${p} && echo present || echo absent`)).stdout.trim(), 'absent', `${p} on ${a1.name}`);
    } finally {
      for (const p of onController) rmSync(p, { force: true });
    }
    for (const d of ['/tmp', '/run', '/var/tmp', '/root']) {
      assert.ok((await ssh(f, a1.address, `echo hi > ${d}/${mark} && cat ${d}/${mark}`)).stdout.includes('hi'), `write ${d} on ${a1.name}`);
      assert.is((await ssh(f, a2.address, `test -e ${d}/${mark} && echo present || echo absent`)).stdout.trim(), 'absent', `${d} not on another host`);
      assert.not.ok(existsSync(`${d}/${mark}`), `${d} not on the controller`);
    }
    const mounts = (await ssh(f, a1.address, 'cat /proc/mounts')).stdout;
    assert.match(mounts, /^\S+ \/ overlay /m, 'its root is an overlay');
    // As on any host: / is 0755 and a user other than root can run a program (PostgreSQL runs as postgres).
    assert.is((await ssh(f, a1.address, 'stat -c %a /')).stdout.trim(), '755');
    assert.is((await ssh(f, a1.address, 'setpriv --reuid=nobody --regid=nogroup --clear-groups -- id -un')).stdout.trim(), 'nobody');
    assert.match(mounts, /^\S+ \/run tmpfs /m, 'its own /run');
    assert.match(mounts, /^\S+ \/tmp tmpfs /m, 'its own /tmp');
    // Namespaces made on this machine or on another host are not visible on a host.
    assert.is((await ssh(f, a1.address, 'ls /run/netns 2>/dev/null | wc -l')).stdout.trim(), '0');
    // Processes: a PID namespace of its own, whose pid 1 is the host's init, which runs its sshd.
    assert.is((await ssh(f, a1.address, 'cat /proc/1/comm')).stdout.trim(), 'icbfx-init');
    assert.match((await ssh(f, a1.address, 'cat /proc/$(pgrep -o -x sshd)/status')).stdout, /^PPid:\s+1$/m);
    assert.not.match((await ssh(f, a1.address, 'cat /proc/*/comm 2>/dev/null')).stdout, /\b(node|wanem|dockerd)\b/, 'no process of this machine');
    // Packages: exactly the host list's (and what they depend on); nothing the controller has beyond it.
    const installed = new Set(
      (await ssh(f, a1.address, 'dpkg-query -l | awk \'$1 == "ii" { sub(/:.*/, "", $2); print $2 }\'')).stdout.split('\n').filter(Boolean),
    );
    for (const p of ['openssh-server', ...prerequisitesOf(FIXTURE_FEATURES).map((x) => x.package)]) assert.ok(installed.has(p), `${p} installed on ${a1.name}`);
    for (const p of ['docker.io', 'chromium', 'qemu-system-x86', 'maven', 'openjdk-17-jdk-headless'])
      assert.not.ok(installed.has(p), `${p} (not in the host list) on ${a1.name}`);
    assert.is(
      (await ssh(f, a1.address, 'ls -d /var/cache/icbench/hadoop-* 2>/dev/null | wc -l')).stdout.trim(),
      '0',
      "hadoop's cache (on the controller) is not on a host",
    );
    // Docker: no engine, no client, no socket of the controller's engine.
    const docker = await ssh(f, a1.address, 'docker ps');
    assert.is(docker.exitCode, 127, `docker ps on a host: ${docker.stdout}${docker.stderr}`);
    assert.is((await ssh(f, a1.address, 'test -e /var/run/docker.sock && echo present || echo absent')).stdout.trim(), 'absent');
    // Host keys: each host its own, none of them this machine's.
    const keys = await Promise.all(f.hosts.map(async (h) => (await ssh(f, h.address, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.split(' ')[1]));
    assert.is(new Set(keys).size, 4, 'four host keys');
    const mine = (await run(['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).stdout.split(' ')[1];
    if (mine) assert.not.ok(keys.includes(mine), "not this machine's");
    // The provider's per-host journal dir is made by the provider, as on a real host (none at first).
    assert.is((await ssh(f, a1.address, 'test -e /run/icbench-remote && echo present || echo absent')).stdout.trim(), 'absent');

    // The ssh service stopped and its sessions killed (an admin's `systemctl stop ssh` and `pkill sshd`):
    // an established session is cut and new ones are refused, while the host and its processes run on;
    // started again, it answers, and what ran on the host is still there.
    const daemon = (await ssh(f, b1.address, 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!')).stdout.trim();
    assert.match(daemon, /^\d+$/);
    const held = spawn(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        `UserKnownHostsFile=${f.knownHostsFile}`,
        '-i',
        f.identityFile,
        `root@${b1.address}`,
        'echo up; sleep 60',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const heldExit = new Promise<number | null>((res) => held.on('exit', (c) => res(c)));
    await new Promise<void>((res, rej) => {
      held.stdout.on('data', (d) => String(d).includes('up') && res());
      setTimeout(() => rej(new Error('the held session did not start in 20 s')), 20_000);
    });
    const t0 = performance.now();
    const stop = await f.stopSshd(b1.name, { whileRunning: 'sleep' });
    assert.ok(stop.killed >= 2, `the listener and the held session's sshd killed (${stop.killed})`);
    assert.ok(stop.during, 'while the held session ran its command');
    assert.is(await heldExit, 255, 'the established session is cut');
    assert.ok(performance.now() - t0 < 10_000, `cut in ${Math.round(performance.now() - t0)} ms`);
    const refused = await ssh(f, b1.address, 'true');
    assert.not.ok(refused.ok);
    assert.match(refused.stderr, /Connection refused/);
    await f.startSshd(b1.name);
    assert.is((await ssh(f, b1.address, `kill -0 ${daemon} && echo alive; kill ${daemon}`)).stdout.trim(), 'alive', 'the host ran on');

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
    assert.is((await run(['pgrep', '-f', `icbfx-${f.id}`])).stdout.trim(), '', 'no container (monitor or init) of the fixture');
    assert.not.ok(existsSync(f.dir), 'no key dir, no host layers');
  });

  test('ssh-sites isolated: after kill -9 of the process that made it, clean of its lab run removes containers, layers, namespaces and links', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./ssh-sites-child.js', import.meta.url)), stateDir], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [runId, id, dir] = await new Promise<string[]>((res, rej) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /UP (\S+) (\S+) (\S+)/.exec(out);
        if (m) res(m.slice(1));
      });
      child.on('exit', (c) => rej(new Error(`child exited ${c} before the fixture was up`)));
      // The fixture exists once per machine (a lock queues other users): up to 10 min in that queue.
      setTimeout(() => rej(new Error('fixture did not come up in 600 s (is another session holding /run/icbench-ssh-sites.lock?)')), 600_000).unref();
    }).catch((e) => {
      child.kill('SIGTERM'); // never leave the child queued for the fixture (it would stand one up for nobody)
      throw e;
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    // Each running container has its LXC monitor, named for its lxcpath and name.
    const monitors = (await run(['pgrep', '-a', '-f', `lxc monitor. ${join(dir, 'lxc')} `])).stdout;
    assert.is(monitors.split('\n').filter((l) => l.includes(`icbfx-${id}-`)).length, 2, `SIGKILL left both hosts running: ${monitors}`);
    assert.equal(await cleanRun(runId), []);
    assert.is((await run(['pgrep', '-f', `icbfx-${id}`])).stdout.trim(), '', 'no container (monitor or init) left');
    assert.not.ok(existsSync(dir), 'no key dir, no host layers');
    // The controller's veth goes with its peer's namespace (the kernel removes the pair, asynchronously).
    for (let i = 0; i < 40 && existsSync(`/sys/class/net/icbfx${id}`); i++) await new Promise((r) => setTimeout(r, 50));
    assert.not.ok(existsSync(`/sys/class/net/icbfx${id}`), 'no controller veth');
    const netns = existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(runId)) : [];
    assert.equal(netns, [], 'no namespace of the lab run');
    assert.not.ok(existsSync(join(stateDir, `${runId}.journal`)), 'journal removed');
  });
}

test.run();
