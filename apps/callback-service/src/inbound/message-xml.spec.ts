import { looksLikeXml, MAX_REPLY_MESSAGES, parseMessageXml } from './message-xml';

describe('Message XML replies', () => {
  it('reads each Message with its attributes and text, entities decoded and surrounding space trimmed', () => {
    const parsed = parseMessageXml(`<?xml version="1.0" encoding="UTF-8"?>
      <Response>
        <!-- two replies -->
        <Message src="14155550100" dst="12025550123" type="sms" callbackUrl="https://example.com/status" callbackMethod="GET">
          Thanks &amp; see you &lt;soon&gt;
        </Message>
        <Message src="+14155550100" dst="12025550123&lt;12025550124">Second</Message>
      </Response>`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.messages).toEqual([
      { src: '14155550100', dst: '12025550123', text: 'Thanks & see you <soon>', type: 'sms', url: 'https://example.com/status', method: 'GET' },
      { src: '+14155550100', dst: '12025550123<12025550124', text: 'Second', type: 'sms' },
    ]);
  });

  it('asks for nothing with an empty Response', () => {
    expect(parseMessageXml('<Response/>')).toEqual({ messages: [], errors: [] });
    expect(parseMessageXml('<Response>\n</Response>')).toEqual({ messages: [], errors: [] });
  });

  it.each([
    ['<Response><Message src="1">hi</Response>', /^invalid Message XML: line 1: /],
    ['<Response><Message src="1" dst="2">a</Message></Response><Response/>', /^invalid Message XML: /],
    ['<Reply><Message src="1" dst="2">a</Message></Reply>', /one <Response> root element/],
    ['<!DOCTYPE r [<!ENTITY a "aaaa">]><Response><Message src="1" dst="2">&a;</Message></Response>', /a DOCTYPE is not allowed/],
  ])('reports %s as invalid, sending nothing', (body, error) => {
    const parsed = parseMessageXml(body);
    expect(parsed.messages).toEqual([]);
    expect(parsed.errors).toHaveLength(1);
    expect(parsed.errors[0]).toMatch(error);
  });

  it('sends the valid Messages and names each element it cannot send', () => {
    const parsed = parseMessageXml(
      '<Response><Speak>hello</Speak><Message dst="2">no src</Message><Message src="1">no dst</Message><Message src="1" dst="2">  </Message><Message src="1" dst="2" TYPE="MMS">ok</Message></Response>',
    );
    expect(parsed.messages).toEqual([{ src: '1', dst: '2', text: 'ok', type: 'mms' }]);
    expect(parsed.errors).toEqual([
      '<Speak> is not a messaging element; it was ignored',
      'Message 1: the src attribute is required',
      'Message 2: the dst attribute is required',
      'Message 3: the message text is empty',
    ]);
  });

  it(`sends at most ${MAX_REPLY_MESSAGES} Messages from one answer`, () => {
    const body = `<Response>${'<Message src="1" dst="2">x</Message>'.repeat(MAX_REPLY_MESSAGES + 2)}</Response>`;
    const parsed = parseMessageXml(body);
    expect(parsed.messages).toHaveLength(MAX_REPLY_MESSAGES);
    expect(parsed.errors).toEqual([
      `Message ${MAX_REPLY_MESSAGES + 1}: not sent, at most ${MAX_REPLY_MESSAGES} Message elements are sent per answer`,
      `Message ${MAX_REPLY_MESSAGES + 2}: not sent, at most ${MAX_REPLY_MESSAGES} Message elements are sent per answer`,
    ]);
  });

  it('treats a body that does not start with < as no reply at all', () => {
    expect(looksLikeXml('OK')).toBe(false);
    expect(looksLikeXml('')).toBe(false);
    expect(looksLikeXml('  \n<Response/>')).toBe(true);
  });
});
