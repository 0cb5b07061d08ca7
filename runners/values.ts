/**
 * Values checked before they go into a command line (iperf3, ping, pgbench, wrk, servers): each
 * check returns the argv string or throws a ConfigError naming the field, what was expected and
 * what was given. Shared by the runners' command builders.
 */
import { ConfigError } from '../infra/units.js';

const HOST_RE = /^[A-Za-z0-9_.:%[\]-]+$/;
const HOST_EXPECTED = 'a host name or IP address (no spaces, not starting with "-")';

export function host(v: unknown, field: string): string {
  if (typeof v !== 'string' || !HOST_RE.test(v) || v.startsWith('-')) throw new ConfigError(field, HOST_EXPECTED, v);
  return v;
}

export function port(v: unknown, field: string): string {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw new ConfigError(field, 'a TCP port, a whole number from 1 to 65535', v);
  return String(v);
}

export function wholeNumber(v: unknown, field: string, min: number, max: number, what: string): string {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new ConfigError(field, `${what}, a whole number from ${min} to ${max}`, v);
  return String(v);
}
