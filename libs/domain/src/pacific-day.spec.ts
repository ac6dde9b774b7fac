import fc from 'fast-check';
import { computePacificDay, pacificDay } from './pacific-day';

const HOUR = 3_600_000;

describe('pacificDay', () => {
  it('starts and ends at Pacific midnight on an ordinary day (UTC−8)', () => {
    const day = pacificDay(Date.parse('2026-11-22T20:00:00Z'));
    expect(day).toEqual({ day: '2026-11-22', start: Date.parse('2026-11-22T08:00:00Z'), end: Date.parse('2026-11-23T08:00:00Z') });
  });

  it('has 23 hours on the day DST starts (2026-03-08)', () => {
    const day = pacificDay(Date.parse('2026-03-08T12:00:00Z'));
    expect(day.day).toBe('2026-03-08');
    expect(day.start).toBe(Date.parse('2026-03-08T08:00:00Z'));
    expect(day.end - day.start).toBe(23 * HOUR);
  });

  it('has 25 hours on the day DST ends (2026-11-01)', () => {
    const day = pacificDay(Date.parse('2026-11-01T12:00:00Z'));
    expect(day.day).toBe('2026-11-01');
    expect(day.start).toBe(Date.parse('2026-11-01T07:00:00Z'));
    expect(day.end - day.start).toBe(25 * HOUR);
  });

  it('switches day exactly at midnight', () => {
    const midnight = Date.parse('2026-07-04T07:00:00Z'); // 00:00 PDT
    expect(pacificDay(midnight - 1).day).toBe('2026-07-03');
    expect(pacificDay(midnight).day).toBe('2026-07-04');
  });

  it('always contains the instant and chains day to day', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-12-31T00:00:00Z') }), (t) => {
        const day = pacificDay(t);
        expect(day.start).toBeLessThanOrEqual(t);
        expect(t).toBeLessThan(day.end);
        expect([23 * HOUR, 24 * HOUR, 25 * HOUR]).toContain(day.end - day.start);
        expect(pacificDay(day.end).start).toBe(day.end);
      }),
      { numRuns: 300 },
    );
  });

  it('answers from its cache exactly what it computes, whatever the order of the times asked', () => {
    const near = fc.integer({ min: Date.parse('2026-10-30T00:00:00Z'), max: Date.parse('2026-11-03T00:00:00Z') });
    fc.assert(
      fc.property(fc.array(near, { minLength: 1, maxLength: 50 }), (times) => {
        for (const t of times) expect(pacificDay(t)).toEqual(computePacificDay(t));
      }),
    );
  });

  it('keeps today and tomorrow both cached: asking for them in turn computes each once', () => {
    const today = pacificDay(Date.parse('2026-12-04T12:00:00Z'));
    const tomorrow = pacificDay(today.end);
    for (let i = 0; i < 3; i += 1) {
      expect(pacificDay(today.start + 1)).toBe(today);
      expect(pacificDay(tomorrow.start + 1)).toBe(tomorrow);
    }
  });
});
