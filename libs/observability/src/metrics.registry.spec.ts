import { MetricsRegistry } from './metrics.registry';

function value(text: string, name: string): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`));
  expect(lines).toHaveLength(1);
  return Number(lines[0]?.split(' ').pop());
}

describe('MetricsRegistry', () => {
  it('reports the event-loop lag beyond the sampling interval, once per statistic', async () => {
    const metrics = new MetricsRegistry({ service: 'spec', logLevel: 'silent' });
    // Several turns of the 250 ms sampling timer on an otherwise idle loop.
    await new Promise((resolve) => setTimeout(resolve, 900));
    const text = await metrics.registry.metrics();
    expect(value(text, 'sluice_nodejs_eventloop_lag_samples')).toBeGreaterThanOrEqual(2);
    // Node records the time between the timer's turns (≥ 250 ms each); the lag is what is left.
    expect(value(text, 'sluice_nodejs_eventloop_lag_min_seconds')).toBeLessThan(0.1);
    for (const name of ['max', 'mean', 'p50', 'p90', 'p99']) expect(value(text, `sluice_nodejs_eventloop_lag_${name}_seconds`)).toBeGreaterThanOrEqual(0);
  });
});
