import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CONTROL_DIR_MAX, remoteCommand, sshConfigText, type SshTarget } from '../../../infra/ssh/config.js';
import { parseSshError } from '../../../infra/ssh/errors.js';

const nii1: SshTarget = { name: 'nii1', host: '192.0.2.10', user: 'root', port: 22, identityFile: '/root/.ssh/icbench_ed25519', jump: null };
const hok1: SshTarget = {
  name: 'hokudai1',
  host: 'hokudai1.example.org',
  user: 'bench',
  port: 2222,
  identityFile: null,
  jump: 'root@bastion.example.org:2200',
};
const O = { knownHostsFile: '/etc/icbench/known_hosts', controlDir: '/run/icbench/ssh-20261130-120000-abcd' };

/** The lines of one `Host <name>` block. */
function block(text: string, name: string): string[] {
  const lines = text.split('\n');
  const i = lines.indexOf(`Host ${name}`);
  assert.ok(i >= 0, `Host ${name} block`);
  const out: string[] = [];
  for (let j = i + 1; j < lines.length && lines[j].startsWith('  '); j++) out.push(lines[j].trim());
  return out;
}

test('one block per host with every required option, keys only, strict host keys, shared connections', () => {
  const text = sshConfigText([nii1, hok1], O);
  assert.equal(block(text, 'nii1'), [
    'HostName 192.0.2.10',
    'User root',
    'Port 22',
    'IdentityFile /root/.ssh/icbench_ed25519',
    'IdentitiesOnly yes',
    'BatchMode yes',
    'StrictHostKeyChecking yes',
    'UserKnownHostsFile /etc/icbench/known_hosts',
    'GlobalKnownHostsFile /dev/null',
    'UpdateHostKeys no',
    'CheckHostIP no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'ForwardAgent no',
    'ForwardX11 no',
    'ConnectTimeout 10',
    'ServerAliveInterval 5',
    'ServerAliveCountMax 3',
    'LogLevel ERROR',
    'ControlMaster auto',
    'ControlPath /run/icbench/ssh-20261130-120000-abcd/%C',
    'ControlPersist 60',
  ]);
  const h = block(text, 'hokudai1');
  assert.ok(h.includes('ProxyJump root@bastion.example.org:2200'));
  assert.ok(h.includes('Port 2222'));
  assert.not.ok(
    h.some((l) => l.startsWith('IdentityFile')),
    'no key given: ssh default identities',
  );
  // Jump hosts read the same file: the catch-all block is strict too and does not multiplex.
  const all = block(text, '*');
  for (const l of [
    'BatchMode yes',
    'StrictHostKeyChecking yes',
    'PasswordAuthentication no',
    'ControlMaster no',
    'UserKnownHostsFile /etc/icbench/known_hosts',
  ])
    assert.ok(all.includes(l), l);
  assert.ok(text.indexOf('Host *') > text.indexOf('Host hokudai1'), 'the catch-all comes last (first value wins)');
  assert.not.match(text, /password(?!Authentication)/i);
  const withKey = sshConfigText([{ ...hok1, identityFile: '/k/hok' }], O);
  assert.equal(block(withKey, 'bastion.example.org'), ['IdentityFile /k/hok', 'IdentitiesOnly yes'], 'the jump host gets the key of the host behind it');
});

test('paths with spaces are quoted, % is escaped in token-expanding options', () => {
  const text = sshConfigText([{ ...nii1, identityFile: '/keys/my key%1' }], { knownHostsFile: '/a b/known_hosts', controlDir: '/run/ic%b' });
  const b = block(text, 'nii1');
  assert.ok(b.includes('IdentityFile "/keys/my key%%1"'), b.join('\n'));
  assert.ok(b.includes('UserKnownHostsFile "/a b/known_hosts"'));
  assert.ok(b.includes('ControlPath /run/ic%%b/%C'));
});

test('refuses what cannot be written safely', () => {
  assert.throws(() => sshConfigText([{ ...nii1, name: 'a*' }], O), /bad name/);
  assert.throws(() => sshConfigText([{ ...nii1, name: 'a b' }], O), /bad name/);
  assert.throws(() => sshConfigText([{ ...nii1, host: '1.2.3.4\n  ProxyCommand x' }], O), /bad address/);
  assert.throws(() => sshConfigText([{ ...nii1, jump: 'x -oProxyCommand=y' }], O), /bad jump/);
  assert.throws(() => sshConfigText([{ ...nii1, identityFile: 'rel/key' }], O), /must be absolute/);
  assert.throws(() => sshConfigText([{ ...nii1, port: 0 }], O), /bad port/);
  assert.throws(() => sshConfigText([nii1, nii1], O), /given twice/);
  assert.throws(() => sshConfigText([nii1], { ...O, knownHostsFile: '/a"b' }), /quote or control character/);
  assert.throws(() => sshConfigText([nii1], { ...O, controlDir: `/${'x'.repeat(CONTROL_DIR_MAX)}` }), /control sockets need it at most 45/);
  assert.is(CONTROL_DIR_MAX, 45);
});

test('remote commands: every argument survives the remote POSIX shell', () => {
  assert.is(remoteCommand(['echo', 'plain', '/a/b.c', 'k=v']), 'echo plain /a/b.c k=v');
  assert.is(remoteCommand(['printf', '%s', 'two words', "it's", '', '$HOME', '*']), `printf %s 'two words' 'it'\\''s' '' '$HOME' '*'`);
  assert.throws(() => remoteCommand([]), /empty command/);
});

test('parseSshError: the OpenSSH messages, as OpenSSH prints them', () => {
  const changed = [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!',
    'Someone could be eavesdropping on you right now (man-in-the-middle attack)!',
    'It is also possible that a host key has just been changed.',
    'The fingerprint for the ED25519 key sent by the remote host is',
    'SHA256:4hQ4pNqvT0cZKJ3lZ8pZ9sYq0gV7m1m7k3P1oJm2u0E.',
    'Please contact your system administrator.',
    'Add correct host key in /etc/icbench/known_hosts to get rid of this message.',
    'Offending ED25519 key in /etc/icbench/known_hosts:3',
    'Host key for [192.0.2.10]:2222 has changed and you have requested strict checking.',
    'Host key verification failed.',
  ].join('\n');
  const c = parseSshError(changed);
  assert.is(c.kind, 'host-key-changed');
  assert.is(c.fingerprint, 'SHA256:4hQ4pNqvT0cZKJ3lZ8pZ9sYq0gV7m1m7k3P1oJm2u0E');
  const cases: [string, string, RegExp][] = [
    [
      'No ED25519 host key is known for [192.0.2.10]:2222 and you have requested strict checking.\nHost key verification failed.\n',
      'host-key-unknown',
      /not in known_hosts/,
    ],
    ['Host key verification failed.\n', 'host-key-unknown', /verification failed/],
    ['root@192.0.2.10: Permission denied (publickey).\n', 'auth', /^permission denied/],
    ['ssh: connect to host 192.0.2.10 port 22: Connection refused\n', 'refused', /^connection refused$/],
    ['ssh: connect to host 192.0.2.10 port 22: Connection timed out\n', 'timeout', /^connection timed out$/],
    ['ssh: connect to host 192.0.2.10 port 22: No route to host\n', 'no-route', /^no route to host$/],
    ['ssh: Could not resolve hostname nii1.example.org: Name or service not known\n', 'dns', /^could not resolve host name$/],
    ['ssh: Could not resolve hostname nii1.example.org: Temporary failure in name resolution\n', 'dns', /resolve/],
    ['kex_exchange_identification: Connection closed by remote host\nConnection closed by 192.0.2.10 port 22\n', 'closed', /closed/],
    ['unix_listener: path "/very/long/path/0123.abcd" too long for Unix domain socket\n', 'control-path', /too long/],
    ['something else entirely\nsecond line\n', 'other', /^second line$/],
    ['', 'other', /no message/],
  ];
  for (const [stderr, kind, reason] of cases) {
    const f = parseSshError(stderr);
    assert.is(f.kind, kind, stderr);
    assert.match(f.reason, reason, stderr);
    assert.not.match(f.reason, '\n');
  }
});

test.run();
