import { cpuPerMessage, parseRssBytes, parseStat, ProcessSummary } from './process-stats';

const process = (name: string, cpuSeconds: number): ProcessSummary => ({
  name,
  pid: 1,
  samples: 10,
  cpuAvgPercent: 0,
  cpuPeakPercent: 0,
  cpuSeconds,
  rssStartBytes: 0,
  rssEndBytes: 0,
  rssPeakBytes: 0,
});

describe('cpuPerMessage', () => {
  const processes = [process('api-gateway', 2), process('postgres', 3), process('kafka', 1), process('carrier-simulator', 5), process('load-tester', 4)];

  it('gives each process its CPU ms per message', () => {
    const { processes: per } = cpuPerMessage(processes, 1_000);
    expect(per.map((p) => [p.name, p.cpuMsPerMessage])).toEqual([
      ['api-gateway', 2],
      ['postgres', 3],
      ['kafka', 1],
      ['carrier-simulator', 5],
      ['load-tester', 4],
    ]);
  });

  it('sums the platform without the load generator and the stand-in carrier, and gives Postgres alone', () => {
    expect(cpuPerMessage(processes, 500)).toMatchObject({ platformMs: 12, postgresMs: 6 });
  });

  it('is not a number without messages', () => {
    const result = cpuPerMessage(processes, 0);
    expect(result.platformMs).toBeNaN();
    expect(result.processes.every((p) => Number.isNaN(p.cpuMsPerMessage))).toBe(true);
  });
});

describe('/proc parsing', () => {
  it('reads ppid and utime + stime after a command name with spaces', () => {
    const fields = ['S', '42', ...Array.from({ length: 9 }, () => '0'), '150', '50'];
    expect(parseStat(`123 (node main (x)) ${fields.join(' ')}`)).toEqual({ ppid: 42, ticks: 200 });
  });

  it('reads VmRSS in bytes', () => {
    expect(parseRssBytes('Name:\tnode\nVmRSS:\t  2048 kB\n')).toBe(2_097_152);
  });
});
