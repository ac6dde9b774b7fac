import { RecordedStatuses } from './recorded-statuses';

describe('RecordedStatuses', () => {
  it('remembers a destination with nothing recorded, then how far the statuses are recorded', () => {
    const known = new RecordedStatuses();
    expect(known.get('m1')).toBeUndefined();
    known.learnDestination('m1', 'example.com');
    expect(known.get('m1')).toEqual({ destination: 'example.com', recordedThrough: 0 });
    known.recorded('m1', 2, false);
    expect(known.get('m1')).toEqual({ destination: 'example.com', recordedThrough: 2 });
  });

  it('never moves the recorded sequence back, nor relearns a destination', () => {
    const known = new RecordedStatuses();
    known.learnDestination('m1', 'a.example');
    known.recorded('m1', 3, false);
    known.recorded('m1', 1, false);
    known.learnDestination('m1', 'b.example');
    expect(known.get('m1')).toEqual({ destination: 'a.example', recordedThrough: 3 });
  });

  it('forgets a message once its final status is recorded', () => {
    const known = new RecordedStatuses();
    known.learnDestination('m1', null);
    known.recorded('m1', 3, true);
    expect(known.get('m1')).toBeUndefined();
    expect(known.size).toBe(0);
  });

  it('records nothing for a message it does not know', () => {
    const known = new RecordedStatuses();
    known.recorded('m1', 2, false);
    expect(known.get('m1')).toBeUndefined();
  });

  it('forgets the message learned first when full', () => {
    const known = new RecordedStatuses(2);
    known.learnDestination('m1', 'a');
    known.learnDestination('m2', 'b');
    known.recorded('m1', 2, false);
    known.learnDestination('m3', 'c');
    expect(known.size).toBe(2);
    expect(known.get('m1')).toBeUndefined();
    expect(known.get('m2')).toEqual({ destination: 'b', recordedThrough: 0 });
    expect(known.get('m3')).toEqual({ destination: 'c', recordedThrough: 0 });
  });

  describe('clear messages', () => {
    const clear = (epoch: number) => ({ epoch, template: { messageUuid: 'm1' } as never });

    it('keeps a message clear with the status leased last, and drops it when a record comes without', () => {
      const known = new RecordedStatuses();
      known.learnDestination('m1', 'a');
      known.recorded('m1', 1, false, clear(known.epoch));
      expect(known.clearNow('m1')?.epoch).toBe(0);
      known.recorded('m1', 2, false);
      expect(known.clearNow('m1')).toBeUndefined();
      expect(known.get('m1')).toEqual({ destination: 'a', recordedThrough: 2 });
    });

    it('drops what it knew clear when a status already recorded turns out not to be', () => {
      const known = new RecordedStatuses();
      known.learnDestination('m1', 'a');
      known.recorded('m1', 2, false, clear(known.epoch));
      known.recorded('m1', 2, false);
      expect(known.clearNow('m1')).toBeUndefined();
      expect(known.get('m1')?.recordedThrough).toBe(2);
    });

    it('forgets that a message is clear when told, and keeps its records', () => {
      const known = new RecordedStatuses();
      known.learnDestination('m1', 'a');
      known.recorded('m1', 2, false, clear(known.epoch));
      known.notClear('m1');
      expect(known.clearNow('m1')).toBeUndefined();
      expect(known.get('m1')).toEqual({ destination: 'a', recordedThrough: 2 });
    });

    it('tells nothing clear that was learned before the group membership changed, but keeps the records', () => {
      const known = new RecordedStatuses();
      known.learnDestination('m1', 'a');
      known.recorded('m1', 1, false, clear(known.epoch));
      known.newMembership();
      expect(known.clearNow('m1')).toBeUndefined();
      expect(known.get('m1')?.recordedThrough).toBe(1);
      known.recorded('m1', 2, false, clear(known.epoch));
      expect(known.clearNow('m1')?.epoch).toBe(1);
    });
  });
});
