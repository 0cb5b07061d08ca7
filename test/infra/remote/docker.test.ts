import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../../infra/config.js';
import { parseProbe, probeScript } from '../../../infra/remote/preflight.js';
import { planRemote, remoteCleanScript, remoteDockerRun } from '../../../infra/remote/plan.js';
import { ETC_SHELL_FUNCTIONS } from '../../../infra/virt/etc-allow.js';
import { DOCKER_INIT } from '../../../infra/virt/docker.js';

const RUN = '20261130-120000-abcd';
const spec = resolveConfig(
  {
    scenario: 't',
    sites: [
      { name: 'NII', lan: '10Gbit', hosts: 2, nodesPerHost: 2, virt: 'docker' },
      { name: 'Hokudai', lan: '1Gbit', hosts: 1, nodesPerHost: 1, virt: 'docker' },
    ],
    wan: { rate: '1Gbit', rtt: '20ms' },
  },
  { lab: false },
);
const places = [
  { name: 'nii1', specHost: 'nii-h1', dataAddress: '192.0.2.1' },
  { name: 'nii2', specHost: 'nii-h2', dataAddress: '192.0.2.2' },
  { name: 'hok1', specHost: 'hokudai-h1', dataAddress: '198.51.100.1' },
];

test("docker run: the lab's argv (run label, --network none, tini from the host's /usr), only the host's /usr, the allowed entries of its /etc and the shipped cache mounted, read-only", () => {
  const cmd = remoteDockerRun(RUN, `icb-${RUN}-nii-h1-n1`, 'nii-h1-n1', `/var/lib/icbench-remote/${RUN}/nii-h1/icb-${RUN}-nii-h1-n1.hosts`);
  // As the host's shell runs it: the /etc entries are listed there (this machine's /etc stands in for the host's).
  const argv = execFileSync('sh', ['-c', `${ETC_SHELL_FUNCTIONS.join('\n')}\nprintf '%s\\n' ${cmd}`])
    .toString()
    .trimEnd()
    .split('\n');
  assert.equal(argv.slice(0, 4), ['docker', 'run', '-d', '--name']);
  const at = (x: string) => argv[argv.indexOf(x) + 1];
  assert.is(argv[4], `icb-${RUN}-nii-h1-n1`);
  assert.ok(argv.includes(`icbench.run=${RUN}`));
  assert.is(at('--network'), 'none');
  assert.is(at('--hostname'), 'nii-h1-n1');
  assert.is(at('--entrypoint'), DOCKER_INIT);
  const mounts = argv.filter((_: string, i: number) => argv[i - 1] === '-v');
  assert.is(mounts[0], '/usr:/usr:ro');
  assert.ok(mounts.includes('/var/cache/icbench-remote:/var/cache/icbench-remote:ro'), mounts.join(' '));
  assert.ok(mounts.includes('/etc/passwd:/etc/passwd:ro') && mounts.includes('/etc/ld.so.cache:/etc/ld.so.cache:ro'), mounts.join(' '));
  // Its own /etc/hosts (its name must resolve), never the host's: one mount at /etc/hosts.
  assert.equal(
    mounts.filter((m) => m.includes(':/etc/hosts')),
    [`/var/lib/icbench-remote/${RUN}/nii-h1/icb-${RUN}-nii-h1-n1.hosts:/etc/hosts:ro`],
  );
  assert.not.ok(
    mounts.some((m) => /^\/etc(:|\/(shadow|gshadow|ssh|ssl\/private|sudoers)\b)/.test(m)),
    `no secret of /etc, nor /etc whole: ${mounts.join(' ')}`,
  );
  assert.equal(argv.slice(-4), ['icbench-node:1', '--', '/usr/bin/sleep', 'infinity']);
});

test('docker: image ensured once per host, each container journaled before it runs, its netns attached and wired like a netns node', () => {
  const p = planRemote(spec, RUN, places);
  const h = p.hosts[0];
  const name = `icb-${RUN}-nii-h1-n1`;
  assert.equal(h.nodes[0], { node: 'nii-h1-n1', ns: name, lxc: null, docker: { name } });
  execFileSync('sh', ['-n'], { input: h.up });
  const lines = h.up.split('\n');
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const dir = at(/"kind":"dir"/);
  const image = at(/^docker_image icbench-node:1 '\/var\/lib\/icbench-remote\/.*\/nii1\/skel'$/);
  const rec = at(new RegExp(`"kind":"docker","name":"${name}"`));
  const start = at(new RegExp(`^'docker' 'run' .*'${name}'`));
  const pid = at(new RegExp(`^pid=\\$\\(docker_pid ${name}\\)$`));
  const ns = at(new RegExp(`"kind":"netns","name":"${name}"`));
  const attach = at(new RegExp(`^ip netns attach ${name} "\\$pid"$`));
  assert.ok(dir >= 0 && dir < image, 'run dir (where the skeleton is made) journaled first');
  assert.ok(image < rec && rec < start && start < pid && pid < ns && ns < attach, lines.join('\n'));
  // Its own /etc/hosts, written in the run's dir before the container starts, and mounted by it.
  const hosts = at(new RegExp(`printf '127\\.0\\.1\\.1\\\\t%s\\\\n' 'nii-h1-n1'; } > '/var/lib/icbench-remote/${RUN}/nii1/${name}\\.hosts'$`));
  assert.ok(hosts > rec && hosts < start, lines.join('\n'));
  assert.match(lines[start], `'/var/lib/icbench-remote/${RUN}/nii1/${name}.hosts:/etc/hosts:ro'`);
  assert.is(lines.filter((l) => l.startsWith('docker_image ')).length, 1);
  assert.match(h.up, 'echo "pid.nii-h1-n1=$pid"');
  assert.match(h.up, `ip link add ${p.tag}n0 mtu 1450 type veth peer name eth0 netns ${name}`);
  assert.match(h.up, `ip -n ${name} addr add ${spec.nodes[0].address}/16 dev eth0`);
  assert.not.match(h.up, /ip netns add/);
  assert.not.match(h.up, /lxc/);
});

test('docker: the image and pid helpers work in a shell (stubbed docker)', () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-docker-plan-'));
  try {
    const fns = planRemote(spec, RUN, places).hosts[0].up.split('\n');
    const body = fns.slice(fns.indexOf('docker_rootfs() {'), fns.indexOf('docker_pid() {')).join('\n');
    const pidFn = fns.slice(fns.indexOf('docker_pid() {'), fns.indexOf('}', fns.indexOf('docker_pid() {')) + 1).join('\n');
    // First `image inspect` fails (no image), the import reads the tar from stdin, then it exists.
    writeFileSync(
      join(d, 'docker'),
      [
        '#!/bin/sh',
        'echo "docker $*" >> "$LOG"',
        'case "$1 $2" in',
        '  "image inspect") [ -f "$IMG" ] ;;',
        '  "import -c") cat > "$IMG.tar"; touch "$IMG" ;;',
        '  "inspect --format") case "$4" in up) echo "4242 running" ;; *) echo "0 exited" ;; esac ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(join(d, 'docker'), 0o755);
    const env = { PATH: `${d}:/usr/bin:/bin`, LOG: join(d, 'log'), IMG: join(d, 'img') };
    execFileSync('sh', ['-c', `set -e\n${body}\ndocker_image icbench-node:1 "$R"\ndocker_image icbench-node:1 "$R"`], {
      env: { ...env, R: join(d, 'skel') },
    });
    const log = readFileSync(join(d, 'log'), 'utf8');
    assert.is((log.match(/^docker import/gm) ?? []).length, 1, log);
    assert.match(
      log,
      'docker import -c LABEL icbench.reusable=1 -m intercloud-bench node: empty skeleton, host /usr and /etc mounted at run time - icbench-node:1',
    );
    const tar = execFileSync('tar', ['-tf', join(d, 'img.tar')]).toString();
    for (const x of ['./usr/', './etc/', './proc/', './tmp/', './var/run']) assert.ok(tar.split('\n').includes(x), `${x} in ${tar}`);
    assert.not.ok(
      execFileSync('sh', ['-c', `[ -e "${d}/skel" ] && echo y || true`])
        .toString()
        .trim(),
      'skeleton removed once imported',
    );
    assert.is(
      execFileSync('sh', ['-c', `${pidFn}\ndocker_pid up`], { env })
        .toString()
        .trim(),
      '4242',
    );
    assert.throws(() => execFileSync('sh', ['-c', `${pidFn}\ndocker_pid down`], { env, stdio: 'pipe' }), /is 0 exited after start/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test("docker clean: the run's journaled containers are removed (already gone is fine) before namespaces and links; other runs' untouched", () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-docker-clean-'));
  try {
    const j = join(d, 'journal');
    const name = `icb-${RUN}-nii-h1-n1`;
    const gone = `icb-${RUN}-nii-h1-n2`;
    const entries = [
      { kind: 'dir', path: `/var/lib/icbench-remote/${RUN}/nii1` },
      { kind: 'docker', name },
      { kind: 'docker', name: gone },
      { kind: 'docker', name: 'icb-other-run-x' },
      { kind: 'netns', name },
    ];
    writeFileSync(j, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
    writeFileSync(
      join(d, 'docker'),
      `#!/bin/sh\necho "docker $*" >> "$LOG"\ncase "$*" in *${gone}*) echo "Error response from daemon: No such container: ${gone}" >&2; exit 1 ;; esac\n`,
    );
    for (const f of ['ip', 'rm', 'rmdir']) writeFileSync(join(d, f), `#!/bin/sh\necho "${f} $*" >> "$LOG"\n`);
    for (const f of ['docker', 'ip', 'rm', 'rmdir']) chmodSync(join(d, f), 0o755);
    const script = remoteCleanScript(RUN)
      .replace(/^J=.*$/m, `J='${j}'`)
      .replace('[ -e "/run/netns/$ns" ] || continue', 'true');
    const out = execFileSync('sh', ['-c', script], { env: { PATH: `${d}:/usr/bin:/bin`, LOG: join(d, 'log') } }).toString();
    assert.not.match(out, 'left:');
    const log = readFileSync(join(d, 'log'), 'utf8').split('\n');
    const i = (re: RegExp) => log.findIndex((l) => re.test(l));
    assert.ok(i(new RegExp(`^docker rm -f -v ${name}$`)) >= 0, log.join('\n'));
    assert.ok(i(new RegExp(`^docker rm -f -v ${name}$`)) < i(/^ip netns del/), log.join('\n'));
    assert.not.ok(log.some((l) => l.includes('icb-other-run-x')));
    assert.ok(i(new RegExp(`^rm -rf --one-file-system /var/lib/icbench-remote/${RUN}/nii1$`)) > i(/^ip netns del/), log.join('\n'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('docker clean: a container that cannot be removed is reported and keeps the journal', () => {
  const d = mkdtempSync(join(tmpdir(), 'icb-docker-clean-'));
  try {
    const j = join(d, 'journal');
    const name = `icb-${RUN}-nii-h1-n1`;
    writeFileSync(j, `${JSON.stringify({ kind: 'docker', name })}\n`);
    writeFileSync(join(d, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon" >&2; exit 1\n');
    chmodSync(join(d, 'docker'), 0o755);
    const script = remoteCleanScript(RUN).replace(/^J=.*$/m, `J='${j}'`);
    let out = '';
    try {
      execFileSync('sh', ['-c', script], { env: { PATH: `${d}:/usr/bin:/bin` } });
    } catch (e) {
      out = String((e as { stdout: Buffer }).stdout);
    }
    assert.match(out, `left: docker ${name}`);
    assert.ok(readFileSync(j, 'utf8').length > 0, 'journal kept');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('preflight probe for docker: the engine must answer, and its version is a host fact', () => {
  const script = probeScript(['docker', DOCKER_INIT]);
  assert.match(script, `docker info --format '{{.ServerVersion}}'`);
  assert.not.match(probeScript(['ip']), 'docker info');
  const d = mkdtempSync(join(tmpdir(), 'icb-docker-probe-'));
  try {
    writeFileSync(join(d, 'docker'), '#!/bin/sh\ncase "$1" in info) echo 27.5.1 ;; esac\n');
    chmodSync(join(d, 'docker'), 0o755);
    const p = parseProbe(execFileSync('sh', ['-s'], { input: script, env: { PATH: `${d}:/usr/bin:/bin` } }).toString());
    assert.is(p['docker.engine'], '27.5.1');
    writeFileSync(join(d, 'docker'), '#!/bin/sh\nexit 1\n');
    const q = parseProbe(execFileSync('sh', ['-s'], { input: script, env: { PATH: `${d}:/usr/bin:/bin` } }).toString());
    assert.is(q['docker.engine'], 'DOWN');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test.run();
