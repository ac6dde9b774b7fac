import { MessageIntent, TextEncoding } from '@sluice/contracts';
import { openContent } from '@sluice/domain';
import { inboundMessageRow, withOptOutActions } from './inbound-messages';

const at = new Date('2025-01-31T12:00:00Z');
const row = (text: string, from = '12025550123', to = '14155550100', parts = 1) => inboundMessageRow({ from, to, text, parts, receivedAt: at });

describe('inboundMessageRow', () => {
  it('counts units by the GSM-7 / UCS-2 rules, never fewer than the parts delivered', () => {
    expect(row('hi')).toMatchObject({ units: 1, encoding: TextEncoding.Gsm7 });
    expect(row('a'.repeat(161))).toMatchObject({ units: 2, encoding: TextEncoding.Gsm7 });
    expect(row('ж'.repeat(71))).toMatchObject({ units: 2, encoding: TextEncoding.Ucs2 });
    expect(row('short, but sent in three parts', undefined, undefined, 3)).toMatchObject({ units: 3 });
  });

  it('classifies keywords and seals the text under a key of its own', () => {
    const stop = row(' Stop ');
    expect(stop).toMatchObject({ intent: MessageIntent.OptOut, optOutAction: null, messageType: 'sms', fromNumber: '12025550123', toNumber: '14155550100', receivedAt: at });
    expect(openContent(stop.sealedContent, stop.contentKey)).toEqual({ text: ' Stop ', mediaUrls: [] });
    expect(row('hello').intent).toBeNull();
    expect(row('HELP').intent).toBe(MessageIntent.Help);
    expect(row('a').messageUuid).not.toBe(row('a').messageUuid);
  });
});

describe('withOptOutActions', () => {
  it('adds for STOP and removes for START', () => {
    expect(withOptOutActions([row('STOP'), row('hello'), row('HELP')]).map((r) => r.optOutAction)).toEqual(['add', null, null]);
    expect(withOptOutActions([row('unstop')]).map((r) => r.optOutAction)).toEqual(['remove']);
  });

  it('lets only the last keyword of a pair in one batch act', () => {
    const actions = withOptOutActions([row('STOP'), row('START'), row('QUIT', '12025550999'), row('stop all'), row('START', '12025550123', '14155550999')]).map((r) => r.optOutAction);
    expect(actions).toEqual([null, null, 'add', 'add', 'remove']);
    expect(withOptOutActions([row('STOP'), row('START')]).map((r) => r.optOutAction)).toEqual([null, 'remove']);
  });
});
