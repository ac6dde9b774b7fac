import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir, pickInfraPorts, portProblems, SHARED_PORTS } from './chaos-infra';

describe('the suite infrastructure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-chaos-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('claims a data directory for one run at a time, and takes over the claim of a run that died', () => {
    const data = join(dir, 'infra-a');
    const release = lockDataDir(data);
    expect(readFileSync(`${data}.lock`, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(`${data}.lock`)).toBe(false);

    // The parent (the test runner) is alive: its claim holds.
    writeFileSync(`${data}.lock`, String(process.ppid));
    expect(() => lockDataDir(data)).toThrow(new RegExp(`is in use by another fault-injection run \\(pid ${process.ppid}\\)`));
    // No process has pid 2^22 + 1 (above Linux's pid_max): a stale claim.
    writeFileSync(`${data}.lock`, String(4_194_305));
    lockDataDir(data)();
  });

  it('picks four free consecutive ports below the ephemeral range, none of the shared ones', async () => {
    const ports = await pickInfraPorts();
    expect(ports.redis).toBe(ports.postgres + 1);
    expect(ports.kafkaController).toBe(ports.postgres + 3);
    expect(ports.kafkaController).toBeLessThan(32_768);
    expect(portProblems(ports)).toEqual([]);
    expect(Object.values(ports)).not.toContain(SHARED_PORTS.postgres);
  });
});
