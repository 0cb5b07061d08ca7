#!/usr/bin/env zx
// Hokkaido University <-> NII over an L2VPN (BACKGROUND.md section 1): two sites of two servers,
// one cluster segment across a 1 Gbit/s, 20 ms RTT WAN. Measures bandwidth on every path
// (local, intra-site, inter-site: the Fig. 2 analogue) and ping RTT, then writes the report.
// Every parameter can be overridden on the command line; see --help.
import { main, scenarioParams, withTestbed } from 'intercloud-bench'

await main(async () => {
  const p = scenarioParams(import.meta.url,
    'Hokudai <-> NII: bandwidth and RTT on every path of two sites joined by an L2VPN.', {
      'hosts': { type: 'int', default: 2, help: 'hosts (servers) per site' },
      'nodes-per-host': { type: 'int', default: 2, help: 'nodes (VMs/containers) per host' },
      'nii-lan': { type: 'rate', default: '10Gbit', help: 'NII LAN rate' },
      'hokudai-lan': { type: 'rate', default: '1Gbit', help: 'Hokudai LAN rate' },
      'wan-rate': { type: 'rate', default: '1Gbit', help: 'L2VPN rate' },
      'wan-rtt': { type: 'duration', default: '20ms', help: 'L2VPN round-trip time' },
      'wan-jitter': { type: 'duration', default: '0ms', help: 'one-way delay jitter' },
      'wan-loss': { type: 'percent', default: '0%', help: 'random loss per direction' },
      'wan-emulator': { type: 'choice', default: 'auto', choices: ['auto', 'wanem', 'netem'], help: 'WAN emulation (auto: netem if the kernel has it)' },
      'pairs': { type: 'pairs', default: '2', help: "node pairs: 'all', N per path and site pair, or 'src>dst,...'" },
      'duration': { type: 'int', default: 5, help: 'iperf3 seconds per sample' },
      'parallel': { type: 'int', default: 1, help: 'iperf3 parallel streams' },
      'repetitions': { type: 'int', default: 2, help: 'repetitions of each iperf3 and ping sample' },
      'ping-count': { type: 'int', default: 100, help: 'pings per pair' },
      'ping-interval': { type: 'number', default: 0.01, help: 'seconds between pings' },
      'results': { type: 'string', default: 'results', help: 'results directory' },
    })

  const site = (name, lan) => ({ name, lan, hosts: p['hosts'], nodesPerHost: p['nodes-per-host'], virt: 'netns' })
  return withTestbed({
    config: {
      scenario: 'hokudai-nii',
      sites: [site('NII', p['nii-lan']), site('Hokudai', p['hokudai-lan'])],
      wan: { rate: p['wan-rate'], rtt: p['wan-rtt'], jitter: p['wan-jitter'], loss: p['wan-loss'] },
      resultsDir: p['results'],
    },
    params: p,
    wanMode: p['wan-emulator'],
  }, async (s) => {
    await s.iperf3({ pairs: p['pairs'], durationS: p['duration'], parallel: p['parallel'], repetitions: p['repetitions'] })
    await s.ping({ pairs: p['pairs'], count: p['ping-count'], intervalS: p['ping-interval'], repetitions: p['repetitions'], warmup: 3 })
  })
})
