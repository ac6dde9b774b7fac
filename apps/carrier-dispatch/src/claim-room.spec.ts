import { claimRoom, RECORDING_WINDOWS } from './claim-room';

describe('claimRoom', () => {
  it('fills the window with jobs the carrier has not answered', () => {
    expect(claimRoom({ window: 100, awaitingCarrier: 0, total: 0 })).toBe(100);
    expect(claimRoom({ window: 100, awaitingCarrier: 60, total: 60 })).toBe(40);
    expect(claimRoom({ window: 100, awaitingCarrier: 100, total: 100 })).toBe(0);
  });

  it('does not count jobs whose records are being written against the window', () => {
    expect(claimRoom({ window: 100, awaitingCarrier: 10, total: 150 })).toBe(90);
  });

  it('bounds the jobs being recorded at RECORDING_WINDOWS windows', () => {
    const bound = (1 + RECORDING_WINDOWS) * 100;
    expect(claimRoom({ window: 100, awaitingCarrier: 0, total: bound - 30 })).toBe(30);
    expect(claimRoom({ window: 100, awaitingCarrier: 0, total: bound })).toBe(0);
  });

  it('is never below zero', () => {
    expect(claimRoom({ window: 100, awaitingCarrier: 120, total: 120 })).toBe(0);
    expect(claimRoom({ window: 100, awaitingCarrier: 0, total: 500 })).toBe(0);
  });
});
