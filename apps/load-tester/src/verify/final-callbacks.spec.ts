import type { SentMessage } from '../load/open-model';
import type { ReceivedCallback } from '../receiver/callback-receiver';
import { awaitingFinalCallback } from './final-callbacks';

const sent = (uuid: string, callback = true): SentMessage =>
  ({ uuid, group: 0, authId: 'A', src: '1', dst: '2', carrier: 'att', units: 1, expirySeconds: null, callback, phase: 0, scheduledAt: 0, acceptedAt: 0 }) as SentMessage;
const called = (messageUuid: string, status: string): ReceivedCallback => ({ messageUuid, status, sequence: 1, errorCode: '000', receivedAt: 0, signed: true });

describe('awaitingFinalCallback', () => {
  it('counts messages with a callback url until their final status is called back', () => {
    const messages = [sent('a'), sent('b'), sent('c'), sent('d'), sent('e', false)];
    const callbacks = [
      called('a', 'queued'),
      called('a', 'sent'),
      called('a', 'delivered'),
      called('b', 'queued'),
      called('b', 'sent'),
      called('c', 'undelivered'),
      called('d', 'failed'),
      // A repeated final callback counts once.
      called('d', 'failed'),
    ];
    // b has not had its final status; e asked for no callback.
    expect(awaitingFinalCallback(messages, callbacks)).toBe(1);
  });

  it('counts every message with a callback url when none has been called back', () => {
    expect(awaitingFinalCallback([sent('a'), sent('b')], [])).toBe(2);
  });
});
