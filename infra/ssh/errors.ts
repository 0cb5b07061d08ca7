/**
 * What went wrong on an SSH connection, from OpenSSH's own messages: a short reason for result
 * rows and error messages, and the errors SshSession throws.
 */

export type SshFailureKind =
  | 'host-key-changed'
  | 'host-key-unknown'
  | 'auth'
  | 'refused'
  | 'timeout'
  | 'no-route'
  | 'dns'
  | 'closed'
  | 'control-path'
  | 'mux'
  | 'other';

export interface SshFailure {
  kind: SshFailureKind;
  /** A short reason, one line, e.g. "connection refused". */
  reason: string;
  /** A SHA256:... fingerprint when the message shows one (the changed-key warning does). */
  fingerprint: string | null;
}

const FP_RE = /SHA256:[A-Za-z0-9+/]{20,}/;

/** Classifies ssh / ssh-keyscan stderr. Never echoes more than one trimmed line of it. */
export function parseSshError(stderr: string): SshFailure {
  const fp = FP_RE.exec(stderr)?.[0] ?? null;
  const f = (kind: SshFailureKind, reason: string): SshFailure => ({ kind, reason, fingerprint: kind.startsWith('host-key') ? fp : null });
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(stderr))
    return f('host-key-changed', 'host key changed (does not match known_hosts)');
  if (/No \S+ host key is known for|Host key verification failed/.test(stderr))
    return f('host-key-unknown', 'host key not in known_hosts (verification failed)');
  if (/Permission denied \(/.test(stderr)) return f('auth', 'permission denied (key not accepted)');
  if (/Connection refused/.test(stderr)) return f('refused', 'connection refused');
  if (/Connection timed out|Operation timed out|timed out during banner exchange/.test(stderr)) return f('timeout', 'connection timed out');
  if (/No route to host|Network is unreachable/.test(stderr)) return f('no-route', 'no route to host');
  if (/Could not resolve hostname|Name or service not known|Temporary failure in name resolution/.test(stderr)) return f('dns', 'could not resolve host name');
  if (/too long for Unix domain socket/.test(stderr)) return f('control-path', 'control socket path too long');
  if (/mux_client_request_session|Session open refused by peer|ControlSocket .* already exists/.test(stderr))
    return f('mux', 'shared connection refused a session (too many at once? sshd MaxSessions)');
  if (/Connection closed by|Connection reset by|kex_exchange_identification|Broken pipe/.test(stderr)) return f('closed', 'connection closed by remote host');
  const last =
    stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? '';
  return f('other', last ? last.slice(0, 160) : 'ssh failed (no message)');
}

/** A host whose key is not in the known_hosts file, or differs from the one there. Nothing ran. */
export class HostKeyError extends Error {
  constructor(
    public readonly host: string,
    public readonly kind: 'unknown' | 'changed',
    public readonly fingerprint: string | null,
    public readonly detail: { address: string; knownHostsFile: string; keyType?: string | null },
    /** Other hosts that failed the same check in the same open(). */
    public readonly others: HostKeyError[] = [],
  ) {
    const fp = fingerprint ? `${fingerprint}${detail.keyType ? ` (${detail.keyType})` : ''}` : 'fingerprint not seen';
    const what =
      kind === 'unknown'
        ? `host key ${fp} is not in ${detail.knownHostsFile}: check that fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then add the host's key to that file`
        : `host key ${fp} DIFFERS from the one in ${detail.knownHostsFile} (a reinstalled host, or someone in the middle): find out why before you replace it`;
    const more = others.length ? ` (and ${others.length} more host(s): ${others.map((e) => `${e.host} ${e.kind}`).join(', ')})` : '';
    super(`host ${host} (${detail.address}): ${what}; nothing was run on any host${more}`);
    this.name = 'HostKeyError';
  }
}

/** A host that could not be reached or refused the key. */
export class SshConnectError extends Error {
  constructor(
    public readonly host: string,
    public readonly failure: SshFailure,
    public readonly others: SshConnectError[] = [],
  ) {
    const more = others.length ? ` (and ${others.length} more host(s): ${others.map((e) => `${e.host}: ${e.failure.reason}`).join(', ')})` : '';
    super(`host ${host}: ${failure.reason}${more}`);
    this.name = 'SshConnectError';
  }
}
