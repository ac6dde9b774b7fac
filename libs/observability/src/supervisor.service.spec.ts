import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff';
import { MetricsRegistry } from './metrics.registry';
import { ReadinessRegistry } from './readiness.registry';
import { Supervisor, SUPERVISOR_EXIT_CODE } from './supervisor.service';

describe('backoffDelayMs', () => {
  const middle = () => 0.5;

  it('starts at 1 s, doubles, and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelayMs(n, DEFAULT_BACKOFF, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });

  it('moves each wait by at most the jitter fraction, and never above the cap', () => {
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0)).toBe(800);
    expect(backoffDelayMs(1, DEFAULT_BACKOFF, () => 0.999_999)).toBe(1_200);
    expect(backoffDelayMs(9, DEFAULT_BACKOFF, () => 0)).toBe(24_000);
    expect(backoffDelayMs(9, DEFAULT_BACKOFF, () => 0.999_999)).toBe(30_000);
  });

  it('treats an attempt below 1 as the first', () => {
    expect(backoffDelayMs(0, { initialMs: 500, maxMs: 5_000, jitter: 0 })).toBe(500);
  });
});

describe('Supervisor', () => {
  let clock: number;
  let readiness: ReadinessRegistry;
  let metrics: MetricsRegistry;
  let exits: number[];
  let logger: { log: jest.Mock; warn: jest.Mock; error: jest.Mock; fatal: jest.Mock };
  let supervisor: Supervisor;

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 1_000_000;
    readiness = new ReadinessRegistry();
    metrics = new MetricsRegistry({ service: 'test', logLevel: 'silent' });
    exits = [];
    logger = { log: jest.fn(), warn: jest.fn(), error: jest.fn(), fatal: jest.fn() };
    supervisor = new Supervisor(
      readiness,
      metrics,
      { consumerMaxDownMs: 60_000, loopMaxDownMs: 30_000, downAfterMs: 10_000 },
      { now: () => clock, exit: (code) => exits.push(code), random: () => 0.5, logger },
    );
  });

  afterEach(() => {
    supervisor.beforeApplicationShutdown();
    jest.useRealTimers();
  });

  const check = async (name: string): Promise<string | null> => {
    const entry = readiness.entries().find(([n]) => n === name);
    if (!entry) throw new Error(`no readiness check ${name}`);
    try {
      await entry[1]();
      return null;
    } catch (error: unknown) {
      return (error as Error).message;
    }
  };
  const metric = async (name: string, labels: string): Promise<number | undefined> => {
    const text = await metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('reports a consumer out of its group as down at once, and up again once it is back', async () => {
    const unit = supervisor.watchConsumer('sms.status.v1', 'g1');
    expect(await check('consumer:g1/sms.status.v1')).toBeNull();
    expect(await metric('sluice_consumer_up', 'topic="sms.status.v1"')).toBe(1);

    unit.out('crashed');
    expect(unit.failed(new Error('The coordinator is not aware of this member'))).toBe(1_000);
    unit.restarted();
    expect(await check('consumer:g1/sms.status.v1')).toMatch(/^crashed for 0 s; failing for 0 s \(1 in a row, last: Error: The coordinator is not aware of this member\)$/);
    expect(await metric('sluice_consumer_up', 'topic="sms.status.v1"')).toBe(0);
    expect(await metric('sluice_consumer_restarts_total', 'topic="sms.status.v1"')).toBe(1);

    supervisor.check();
    expect(logger.error).not.toHaveBeenCalled(); // a quick restart is no error line
    clock += 10_000;
    supervisor.check();
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ unit: 'consumer sms.status.v1 (group g1)' }), expect.stringMatching(/is down: crashed for 10 s/));

    unit.resumed();
    unit.progressed();
    expect(await check('consumer:g1/sms.status.v1')).toBeNull();
    expect(await metric('sluice_consumer_up', 'topic="sms.status.v1"')).toBe(1);
    supervisor.check();
    expect(logger.log).toHaveBeenCalledWith({ unit: 'consumer sms.status.v1 (group g1)' }, 'consumer sms.status.v1 (group g1) is working again');
  });

  it('backs off further with each failure in a row and starts again from 1 s after progress', () => {
    const unit = supervisor.watchLoop('outbox-sweep');
    expect([1, 2, 3, 4, 5, 6, 7].map(() => unit.failed(new Error('db down')))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    unit.progressed();
    expect(unit.failed(new Error('db down'))).toBe(1_000);
  });

  it('keeps a failing loop up during the grace period, then reports it down in readiness and sluice_loop_up', async () => {
    const unit = supervisor.watchLoop('receipt-sweep');
    unit.failed(new Error('connection refused'));
    clock += 9_999;
    expect(await check('loop:receipt-sweep')).toBeNull();
    expect(await metric('sluice_loop_up', 'loop="receipt-sweep"')).toBe(1);
    clock += 1;
    expect(await check('loop:receipt-sweep')).toMatch(/^failing for 10 s \(1 in a row, last: Error: connection refused\)$/);
    expect(await metric('sluice_loop_up', 'loop="receipt-sweep"')).toBe(0);
    expect(await metric('sluice_loop_failures_total', 'loop="receipt-sweep"')).toBe(1);
    unit.progressed();
    expect(await check('loop:receipt-sweep')).toBeNull();
  });

  it('exits with a fatal line once a unit has been down past its bound, counting from its first failure', () => {
    const unit = supervisor.watchLoop('retention');
    unit.failed(new Error('boom'));
    clock += 29_999;
    supervisor.check();
    expect(exits).toEqual([]);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ unit: 'loop retention' }), expect.stringMatching(/^loop retention is down: failing for 30 s/));
    clock += 1;
    supervisor.check();
    expect(exits).toEqual([SUPERVISOR_EXIT_CODE]);
    expect(logger.fatal).toHaveBeenCalledWith(expect.objectContaining({ unit: 'loop retention', downForMs: 30_000 }), expect.stringContaining('has not recovered within 30000 ms'));
    supervisor.check();
    expect(exits).toHaveLength(1);
  });

  it('exits for a consumer that keeps rejoining and crashing without progress', () => {
    const unit = supervisor.watchConsumer('sms.submitted.v1', 'g2');
    for (let cycle = 0; cycle < 6; cycle += 1) {
      unit.out('crashed');
      unit.failed(new Error('handler crashed'));
      clock += 5_000;
      unit.resumed();
      clock += 5_000;
      supervisor.check();
    }
    expect(exits).toEqual([SUPERVISOR_EXIT_CODE]);
  });

  it('checks the clock every second on its own, and never exits once shutdown has begun', async () => {
    const unit = supervisor.watchConsumer('sms.status.v1', 'g3');
    unit.out('not in its group yet');
    readiness.markShuttingDown();
    clock += 120_000;
    await jest.advanceTimersByTimeAsync(2_000);
    expect(exits).toEqual([]);
  });

  it('exits from its timer when nothing calls check()', async () => {
    const unit = supervisor.watchConsumer('sms.status.v1', 'g4');
    unit.out('not in its group yet');
    clock += 60_000;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(exits).toEqual([SUPERVISOR_EXIT_CODE]);
  });

  it('forgets a unit stopped gracefully', async () => {
    const unit = supervisor.watchLoop('callback-claims');
    unit.failed(new Error('boom'));
    unit.stopped();
    clock += 600_000;
    supervisor.check();
    expect(exits).toEqual([]);
    expect(await check('loop:callback-claims')).toBeNull();
  });

  it('never exits when the bound is 0', () => {
    const lenient = new Supervisor(new ReadinessRegistry(), new MetricsRegistry({ service: 'test', logLevel: 'silent' }), { consumerMaxDownMs: 0, loopMaxDownMs: 0 }, {
      now: () => clock,
      exit: (code) => exits.push(code),
      logger,
    });
    lenient.watchConsumer('sms.status.v1', 'g5').out('crashed');
    clock += 3_600_000;
    lenient.check();
    lenient.beforeApplicationShutdown();
    expect(exits).toEqual([]);
  });
});

describe('SupervisedLoop', () => {
  let clock: number;
  let supervisor: Supervisor;
  let readiness: ReadinessRegistry;

  beforeEach(() => {
    jest.useFakeTimers();
    clock = 0;
    readiness = new ReadinessRegistry();
    supervisor = new Supervisor(
      readiness,
      new MetricsRegistry({ service: 'test', logLevel: 'silent' }),
      { consumerMaxDownMs: 0, loopMaxDownMs: 0 },
      { now: () => clock, random: () => 0.5, logger: { log: jest.fn(), warn: jest.fn(), error: jest.fn(), fatal: jest.fn() } },
    );
  });

  afterEach(() => {
    supervisor.beforeApplicationShutdown();
    jest.useRealTimers();
  });

  const advance = async (ms: number) => {
    clock += ms;
    await jest.advanceTimersByTimeAsync(ms);
  };

  it('keeps a throwing pass going with back-off, and returns to its interval after a success', async () => {
    const starts: number[] = [];
    let failuresLeft = 3;
    const loop = supervisor.loop(
      'sweep',
      async () => {
        starts.push(clock);
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('postgres down');
        }
      },
      { everyMs: 100 },
    );
    loop.start();
    await advance(100); // first pass after one interval: fails
    await advance(1_000); // then 1 s: fails
    await advance(2_000); // then 2 s: fails
    await advance(4_000); // then 4 s: succeeds
    await advance(100); // back to the interval
    await advance(100);
    expect(starts).toEqual([100, 1_100, 3_100, 7_100, 7_200, 7_300]);
    await loop.stop();
  });

  it('runs passes back to back with no interval, and stop() waits for the pass under way', async () => {
    let passes = 0;
    let release: () => void = () => undefined;
    const loop = supervisor.loop('claims', async () => {
      passes += 1;
      if (passes === 3) await new Promise<void>((resolve) => (release = resolve));
    });
    loop.start();
    await advance(0);
    expect(passes).toBe(3);
    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await advance(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(passes).toBe(3);
  });

  it('interrupts a back-off wait when stopped', async () => {
    const loop = supervisor.loop('claims', async () => {
      throw new Error('redis down');
    });
    loop.start();
    await advance(0);
    const stopping = loop.stop();
    await advance(0);
    await expect(stopping).resolves.toBeUndefined();
  });
});
