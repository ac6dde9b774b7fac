import { sealContent, sealContentWith } from '@sluice/domain';
import type { InboundRequestFields } from '@sluice/persistence';
import { inboundParams } from './inbound-request';

const UUID = '0f1e2d3c-4b5a-4678-9abc-def012345678';
const plain: InboundRequestFields = {
  from: '12025550123',
  sealedFrom: null,
  to: '14155550100',
  type: 'sms',
  text: 'STOP',
  mediaUrls: [],
  sealedContent: null,
  units: 1,
  totalRate: '0.0',
  totalAmount: '0',
  intent: 'optout',
  powerpackUuid: null,
};

describe('inbound Message URL parameters', () => {
  it("carries Plivo's fields for an SMS", () => {
    expect(inboundParams(UUID, plain, null)).toEqual({
      params: {
        From: '12025550123',
        To: '14155550100',
        Text: 'STOP',
        Type: 'sms',
        MessageUUID: UUID,
        Units: '1',
        TotalRate: '0.00000',
        TotalAmount: '0.00000',
        MessageIntent: 'optout',
        PowerpackUUID: '',
      },
    });
  });

  it('numbers the media of an MMS and counts them', () => {
    const result = inboundParams(UUID, { ...plain, type: 'mms', text: 'look', intent: null, mediaUrls: ['https://m.example/a.jpg', 'https://m.example/b.png'] }, null);
    expect(result).toMatchObject({ params: { Type: 'mms', MediaCount: '2', Media0: 'https://m.example/a.jpg', Media1: 'https://m.example/b.png', MessageIntent: '' } });
  });

  it('opens sealed text, media and From with the message key, and sends nothing once the key is gone', () => {
    const { key, sealed } = sealContent({ text: 'secret', mediaUrls: ['https://m.example/c.gif'] });
    const fields: InboundRequestFields = {
      ...plain,
      type: 'mms',
      from: null,
      sealedFrom: sealContentWith(key, { text: '12025550199', mediaUrls: [] }),
      text: '',
      sealedContent: sealed,
      intent: null,
    };
    expect(inboundParams(UUID, fields, key)).toMatchObject({ params: { From: '12025550199', Text: 'secret', MediaCount: '1', Media0: 'https://m.example/c.gif' } });
    expect(inboundParams(UUID, fields, null)).toEqual({ unreadable: 'the sealed content cannot be opened: its key is erased' });
    expect(inboundParams(UUID, fields, sealContent({ text: '', mediaUrls: [] }).key)).toEqual({ unreadable: 'the sealed content does not open with the message key' });
  });
});
