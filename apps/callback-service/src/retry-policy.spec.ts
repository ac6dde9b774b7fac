import { AttemptKind, nextAfter } from './retry-policy';

const PLIVO = [60_000, 120_000, 240_000];

describe('nextAfter', () => {
  it("follows Plivo's schedule: three retries after 60, 120 and 240 s", () => {
    expect(nextAfter(AttemptKind.HttpError, 1, PLIVO)).toEqual({ state: 'pending', delayMs: 60_000 });
    expect(nextAfter(AttemptKind.Timeout, 2, PLIVO)).toEqual({ state: 'pending', delayMs: 120_000 });
    expect(nextAfter(AttemptKind.NetworkError, 3, PLIVO)).toEqual({ state: 'pending', delayMs: 240_000 });
    expect(nextAfter(AttemptKind.CircuitOpen, 4, PLIVO)).toEqual({ state: 'exhausted' });
  });

  it('ends on success and on refusal', () => {
    expect(nextAfter(AttemptKind.Success, 3, PLIVO)).toEqual({ state: 'delivered' });
    expect(nextAfter(AttemptKind.Refused, 1, PLIVO)).toEqual({ state: 'refused' });
  });

  it('gives up after the first attempt with an empty schedule', () => {
    expect(nextAfter(AttemptKind.HttpError, 1, [])).toEqual({ state: 'exhausted' });
  });

  it('ends an inbound delivery at a 4xx answer, but retries 408, 429 and 5xx', () => {
    const inbound = (httpStatus: number) => nextAfter(AttemptKind.HttpError, 1, PLIVO, { clientErrorsFinal: true, httpStatus });
    expect(inbound(404)).toEqual({ state: 'refused' });
    expect(inbound(400)).toEqual({ state: 'refused' });
    expect(inbound(408)).toEqual({ state: 'pending', delayMs: 60_000 });
    expect(inbound(429)).toEqual({ state: 'pending', delayMs: 60_000 });
    expect(inbound(503)).toEqual({ state: 'pending', delayMs: 60_000 });
    // Status callbacks keep retrying a 4xx, as Plivo's do.
    expect(nextAfter(AttemptKind.HttpError, 1, PLIVO, { httpStatus: 404 })).toEqual({ state: 'pending', delayMs: 60_000 });
  });
});
