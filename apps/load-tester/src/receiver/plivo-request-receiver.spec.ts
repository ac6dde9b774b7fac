import { MessageUrlReceiver } from '../two-way/message-url-receiver';
import { CallbackReceiver } from './callback-receiver';

describe('the harness receivers', () => {
  const form = (fields: Record<string, string>) => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });

  it('CallbackReceiver records POST and GET status callbacks and counts the rest as malformed', async () => {
    const receiver = new CallbackReceiver(() => 42);
    const port = await receiver.listen('127.0.0.1', 0);
    try {
      const posted = await fetch(`http://127.0.0.1:${port}/status`, {
        ...form({ MessageUUID: 'ABC', Status: 'delivered', Sequence: '3', ErrorCode: '000' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': 'sig' },
      });
      expect(posted.status).toBe(200);
      expect(await posted.text()).toBe('ok');
      await (await fetch(`http://127.0.0.1:${port}/status?MessageUUID=def&Status=sent`)).text();
      await (await fetch(`http://127.0.0.1:${port}/status`, form({ Status: 'sent' }))).text();
      expect(receiver.callbacks).toEqual([
        { messageUuid: 'abc', status: 'delivered', sequence: 3, errorCode: '000', receivedAt: 42, signed: true },
        { messageUuid: 'def', status: 'sent', sequence: NaN, errorCode: '', receivedAt: 42, signed: false },
      ]);
      expect(receiver.malformed).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('MessageUrlReceiver answers the messages it is told to with Message XML, the others with an empty 200', async () => {
    const receiver = new MessageUrlReceiver((text) => text.endsWith('1'), () => 7);
    const port = await receiver.listen('127.0.0.1', 0);
    try {
      const replied = await fetch(`http://127.0.0.1:${port}/inbound`, form({ MessageUUID: 'm1', From: '12025550100', To: '14155550100', Text: 'hi <1' }));
      expect(replied.headers.get('content-type')).toBe('application/xml');
      expect(await replied.text()).toBe('<Response><Message src="14155550100" dst="12025550100">re: hi &#60;1</Message></Response>');
      const quiet = await fetch(`http://127.0.0.1:${port}/inbound?MessageUUID=m2&From=12025550100&To=14155550100&Text=hi%202`);
      expect(await quiet.text()).toBe('');
      await (await fetch(`http://127.0.0.1:${port}/inbound`, form({ Text: 'no uuid' }))).text();
      expect(receiver.requests.map((r) => [r.messageUuid, r.text, r.replied, r.receivedAt])).toEqual([
        ['m1', 'hi <1', true, 7],
        ['m2', 'hi 2', false, 7],
      ]);
      expect(receiver.malformed).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});
