import { analyseTwoWay, InboundRow, InjectedMo, ReplyAtCarrier } from './two-way-analysis';
import type { InboundRequest } from './message-url-receiver';

const mo = (mobile: string, injectedAt: number, sent = true): InjectedMo => ({ mobile, number: '18335550100', injectedAt, sent });
const request = (uuid: string, from: string, receivedAt: number, replied = true, signed = true): InboundRequest => ({
  messageUuid: uuid,
  from,
  to: '18335550100',
  text: 'x',
  receivedAt,
  signed,
  replied,
});
const row = (uuid: string, state = 'delivered'): InboundRow => ({ messageUuid: uuid, state, errorCode: '000' });
const reply = (destination: string, receivedAt: number): ReplyAtCarrier => ({ source: '18335550100', destination, receivedAt });

describe('analyseTwoWay', () => {
  it('passes a clean run and measures each leg', () => {
    const result = analyseTwoWay(
      [mo('12025550001', 1_000), mo('12025550002', 1_100)],
      [request('a', '12025550001', 1_050), request('b', '12025550002', 1_180, false)],
      [row('a'), row('b')],
      [reply('12025550001', 1_250)],
    );
    expect(result.failures).toEqual([]);
    expect(result).toMatchObject({ lost: 0, repliesExpected: 1, repliesMissing: 0, notDelivered: 0, records: { delivered: 2 } });
    expect(result.moToUrl.count).toBe(2);
    expect(result.urlToReply.max).toBeCloseTo(200, 0);
    expect(result.roundTrip.max).toBeCloseTo(250, 0);
  });

  it('names a lost MO, a message stored twice, a record left received, a missing and a doubled reply, an unsigned request', () => {
    const result = analyseTwoWay(
      [mo('12025550001', 0), mo('12025550002', 0), mo('12025550003', 0), mo('12025550004', 0), mo('12025550009', 0, false)],
      [request('a', '12025550001', 10), request('a', '12025550001', 20), request('b1', '12025550002', 10), request('b2', '12025550002', 11), request('c', '12025550003', 10, true, false)],
      [row('a'), row('b1'), row('b2', 'received'), row('c')],
      [reply('12025550001', 30), reply('12025550001', 40), reply('12025550002', 30)],
    );
    expect(result).toMatchObject({ injected: 5, notSentBySimulator: 1, lost: 1, duplicateRequests: 1, duplicateMessages: 1, unsigned: 1, notDelivered: 1, repliesMissing: 1, repliesDuplicated: 1 });
    expect(result.failures).toEqual([
      '1 MO sent by the carrier never reached a Message URL',
      '1 MO became more than one message',
      '1 inbound records are not delivered',
      '1 Message URL requests carried no X-Plivo-Signature-V3',
      '1 Message XML replies never reached the carrier',
      '1 Message XML replies reached the carrier more than once',
    ]);
  });
});
