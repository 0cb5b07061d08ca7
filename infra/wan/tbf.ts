/** Token bucket shaping (kernel tbf) for a LAN link: returns `tc` batch lines (without the `tc` word). */
export function tbfLines(dev: string, rateBps: number): string[] {
  // The bucket must hold at least one GSO super-packet and about 1 ms of traffic at line rate.
  const burst = Math.max(Math.ceil(rateBps / 8 / 1000), 3 * 65536);
  return [`qdisc add dev ${dev} root tbf rate ${rateBps}bit burst ${burst} latency 20ms`];
}
