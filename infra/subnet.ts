import { ConfigError } from './units.js';

export interface Subnet {
  base: number;
  prefix: number;
  cidr: string;
}

export function ipToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

const EXPECTED = "an IPv4 network in CIDR form such as '10.200.0.0/16'";

export function parseSubnet(v: unknown, field: string): Subnet {
  if (typeof v !== 'string') throw new ConfigError(field, EXPECTED, v);
  const [ip, pfx, extra] = v.split('/');
  const base = ipToInt(ip ?? '');
  const prefix = Number(pfx);
  if (base === null || extra !== undefined || !/^\d{1,2}$/.test(pfx ?? '') || prefix < 8 || prefix > 30)
    throw new ConfigError(field, EXPECTED + ' with a prefix from /8 to /30', v);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) throw new ConfigError(field, `a network address (host bits zero) for /${prefix}`, v);
  return { base, prefix, cidr: `${intToIp(base)}/${prefix}` };
}

/** Usable host addresses (network and broadcast excluded). */
export function capacity(s: Subnet): number {
  return 2 ** (32 - s.prefix) - 2;
}

/** The i-th host address (0-based) of the subnet, with its prefix. */
export function hostAddress(s: Subnet, i: number): string {
  if (i < 0 || i >= capacity(s)) throw new RangeError(`address index ${i} outside ${s.cidr}`);
  return intToIp(s.base + 1 + i);
}
