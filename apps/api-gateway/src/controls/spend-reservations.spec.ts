import { SpendReservations } from './spend-reservations';

describe('SpendReservations', () => {
  it('adds in-flight reservations of the account and of its family to a read of the counter', () => {
    const ledger = new SpendReservations();
    ledger.reserve('MA1', 'MA1', 100, 1_000);
    ledger.reserve('MA1', 'SA1', 40, 1_000);
    ledger.reserve('MA2', 'MA2', 7, 1_000);
    expect(ledger.pending('MA1', 'SA1', 1_000)).toEqual({ own: 40, family: 140 });
    expect(ledger.pending('MA1', 'MA1', 1_000)).toEqual({ own: 100, family: 140 });
  });

  it('counts a committed reservation only for reads that began before its commit (the counter may not have it yet)', () => {
    const ledger = new SpendReservations();
    const r = ledger.reserve('MA1', 'MA1', 100, 1_000);
    ledger.committed(r, 2_000);
    expect(ledger.pending('MA1', 'MA1', 1_500).own).toBe(100);
    expect(ledger.pending('MA1', 'MA1', 2_500).own).toBe(0);
  });

  it('forgets a released reservation: nothing was spent', () => {
    const ledger = new SpendReservations();
    const r = ledger.reserve('MA1', 'MA1', 100, 1_000);
    ledger.released(r);
    expect(ledger.pending('MA1', 'MA1', 0)).toEqual({ own: 0, family: 0 });
  });
});
