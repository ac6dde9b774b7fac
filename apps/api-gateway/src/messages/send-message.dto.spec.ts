import { CallbackMethod, LogMode, MessageType } from '@sluice/contracts';
import { ApiError } from '../errors/api-error';
import { MAX_DESTINATIONS, parseSendMessage } from './send-message.dto';

const valid = { src: '+14155550100', dst: '+12025550123', text: 'Hello' };

function problem(body: unknown): string {
  try {
    parseSendMessage(body);
  } catch (error: unknown) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).getStatus()).toBe(400);
    return (error as ApiError).message;
  }
  throw new Error('expected a 400');
}

describe('parseSendMessage', () => {
  it('parses a minimal send with Plivo defaults', () => {
    expect(parseSendMessage(valid)).toEqual({
      src: '14155550100',
      powerpackUuid: null,
      destinations: ['12025550123'],
      invalidNumbers: [],
      text: 'Hello',
      type: MessageType.Sms,
      mediaUrls: [],
      url: null,
      method: CallbackMethod.Post,
      messageExpiry: 10_800,
      log: LogMode.All,
      trackable: false,
    });
  });

  it('dedupes destinations, keeps their order and lists the invalid ones as given', () => {
    const command = parseSendMessage({ ...valid, dst: '12025550123<+12025550124< 12025550123 <bad<+44 20<14155550100<12025550123' });
    expect(command.destinations).toEqual(['12025550123', '12025550124']);
    // src itself is not a destination (loop).
    expect(command.invalidNumbers).toEqual(['bad', '+44 20', '14155550100']);
  });

  it('keeps a valid number of another country for geo permissions to decide, and lists malformed ones as invalid', () => {
    const command = parseSendMessage({ ...valid, dst: '+442071838750<+4420718<+33612345678<+11235550123' });
    expect(command.destinations).toEqual(['442071838750', '33612345678']);
    expect(command.invalidNumbers).toEqual(['+4420718', '+11235550123']);
  });

  it('takes form-encoded strings for every field', () => {
    const command = parseSendMessage({
      src: '14155550100',
      dst: '12025550123',
      text: 'x',
      type: 'MMS',
      media_urls: 'https://a.example/1.png, https://a.example/2.png',
      method: 'get',
      message_expiry: '60',
      log: 'FALSE',
      trackable: 'true',
      url: 'https://example.com/cb',
    });
    expect(command).toMatchObject({
      type: MessageType.Mms,
      mediaUrls: ['https://a.example/1.png', 'https://a.example/2.png'],
      method: CallbackMethod.Get,
      messageExpiry: 60,
      log: LogMode.None,
      trackable: true,
      url: 'https://example.com/cb',
    });
  });

  it.each([
    [true, LogMode.All],
    [false, LogMode.None],
    ['true', LogMode.All],
    ['false', LogMode.None],
    ['number_only', LogMode.NumberOnly],
    ['content_only', LogMode.ContentOnly],
  ])('takes log %p', (log, mode) => {
    expect(parseSendMessage({ ...valid, log }).log).toBe(mode);
  });

  it('takes dst as an array and numbers as JSON numbers (Python and form clients)', () => {
    expect(parseSendMessage({ ...valid, src: 14155550100, dst: [12025550123, '+12025550124'] }).destinations).toEqual(['12025550123', '12025550124']);
  });

  it('accepts a powerpack instead of src, and a short code as src', () => {
    expect(parseSendMessage({ dst: valid.dst, text: 'x', powerpack_uuid: 'D2C9B7A6-1B2C-4D3E-8F90-1A2B3C4D5E6F' })).toMatchObject({
      src: null,
      powerpackUuid: 'd2c9b7a6-1b2c-4d3e-8f90-1a2b3c4d5e6f',
    });
    expect(parseSendMessage({ ...valid, src: '55555' }).src).toBe('55555');
  });

  // Every 400 the send can give, each naming its parameter.
  it.each<[string, unknown, RegExp]>([
    ['a body that is not an object', 'text', /^request body must be a JSON object/],
    ['an array body', [valid], /^request body must be a JSON object/],
    ['a null body', null, /^request body must be a JSON object/],
    ['no src and no powerpack', { dst: valid.dst, text: 'x' }, /^src: is required \(or powerpack_uuid\)/],
    ['both src and powerpack', { ...valid, powerpack_uuid: '1b2c3d4e-1b2c-4d3e-8f90-1a2b3c4d5e6f' }, /^powerpack_uuid: give either src or powerpack_uuid/],
    ['a malformed powerpack uuid', { dst: valid.dst, text: 'x', powerpack_uuid: 'pp-1' }, /^powerpack_uuid: must be a powerpack uuid/],
    ['src that is not a string', { ...valid, src: { n: 1 } }, /^src: must be a string/],
    ['src that is no number', { ...valid, src: 'ACME' }, /^src: must be a US or Canadian number/],
    ['src outside the US and Canada', { ...valid, src: '+442071234567' }, /^src: must be a US or Canadian number/],
    ['src with NUL', { ...valid, src: '1415\u0000' }, /^src: contains a NUL character/],
    ['no dst', { src: valid.src, text: 'x' }, /^dst: is required/],
    ['empty dst', { ...valid, dst: ' < < ' }, /^dst: is required/],
    ['dst of the wrong type', { ...valid, dst: { to: '1' } }, /^dst: must be a string of numbers joined by </],
    ['dst array with an object', { ...valid, dst: ['12025550123', {}] }, /^dst: must be a string of numbers joined by </],
    ['dst with NUL', { ...valid, dst: '1202555\u00000123' }, /^dst: contains a NUL character/],
    ['too many destinations', { ...valid, dst: Array.from({ length: MAX_DESTINATIONS + 1 }, (_, i) => `1202555${String(i).padStart(4, '0')}`).join('<') }, /^dst: takes at most 1000 numbers/],
    ['no valid destination', { ...valid, dst: 'abc<123' }, /^dst: has no valid destination/],
    ['only src as destination', { ...valid, dst: '+14155550100' }, /^dst: has no valid destination/],
    ['no text', { src: valid.src, dst: valid.dst }, /^text: is required$/],
    ['empty text', { ...valid, text: '' }, /^text: is required$/],
    ['text of the wrong type', { ...valid, text: 42 }, /^text: must be a string/],
    ['text with NUL', { ...valid, text: 'a\u0000b' }, /^text: contains a NUL character/],
    ['text with an unpaired surrogate', { ...valid, text: 'a\ud800b' }, /^text: contains a NUL character or an unpaired UTF-16 surrogate/],
    ['an MMS with neither media nor text', { src: valid.src, dst: valid.dst, type: 'mms' }, /^text: is required when an MMS has no media_urls/],
    ['an unknown type', { ...valid, type: 'fax' }, /^type: must be sms or mms/],
    ['WhatsApp', { ...valid, type: 'whatsapp' }, /^type: must be sms or mms/],
    ['a WhatsApp template', { ...valid, template: { name: 't' } }, /^template: is for WhatsApp messages/],
    ['a WhatsApp location', { ...valid, location: { latitude: 1 } }, /^location: is for WhatsApp messages/],
    ['uploaded media ids', { ...valid, media_ids: ['m1'] }, /^media_ids: uploaded media is not supported/],
    ['media on an SMS', { ...valid, media_urls: ['https://a.example/1.png'] }, /^media_urls: is only allowed when type is mms/],
    ['media_urls of the wrong type', { ...valid, type: 'mms', media_urls: { a: 1 } }, /^media_urls: must be a list of URLs/],
    ['eleven media', { ...valid, type: 'mms', media_urls: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}.png`) }, /^media_urls: takes at most 10 URLs/],
    ['a media URL that is not http', { ...valid, type: 'mms', media_urls: ['ftp://a.example/1.png'] }, /^media_urls\[0\]: must be an http or https URL/],
    ['a media URL that is not a string', { ...valid, type: 'mms', media_urls: ['https://a.example/1.png', 7] }, /^media_urls\[1\]: must be an http or https URL/],
    ['a callback url that is not a URL', { ...valid, url: 'not a url' }, /^url: must be an http or https URL/],
    ['a callback url with another scheme', { ...valid, url: 'javascript:alert(1)' }, /^url: must be an http or https URL/],
    ['a callback url too long', { ...valid, url: `https://example.com/${'a'.repeat(2_100)}` }, /^url: must be an http or https URL/],
    ['a callback method other than GET and POST', { ...valid, method: 'PUT' }, /^method: must be GET or POST/],
    ['message_expiry below 5', { ...valid, message_expiry: 4 }, /^message_expiry: must be a whole number of seconds from 5 to 10799/],
    ['message_expiry of 10800 (the default is not a value one may give)', { ...valid, message_expiry: 10_800 }, /^message_expiry: must be a whole number/],
    ['message_expiry with a fraction', { ...valid, message_expiry: 60.5 }, /^message_expiry: must be a whole number/],
    ['message_expiry as text', { ...valid, message_expiry: 'soon' }, /^message_expiry: must be a whole number/],
    ['an unknown log mode', { ...valid, log: 'sometimes' }, /^log: must be true, false, "number_only" or "content_only"/],
    ['log as a number', { ...valid, log: 1 }, /^log: must be true, false/],
    ['trackable that is not a boolean', { ...valid, trackable: 'yes' }, /^trackable: must be true or false/],
    ['a DLT entity id too long', { ...valid, dlt_entity_id: 'x'.repeat(101) }, /^dlt_entity_id: must be at most 100 characters/],
    ['an unknown DLT template category', { ...valid, dlt_template_category: 'marketing' }, /^dlt_template_category: must be one of/],
  ])('answers 400 for %s', (_case, body, expected) => {
    expect(problem(body)).toMatch(expected);
  });
});
