import { isSupportedContentType, MEDIA_LIMITS, mediaTooLarge } from './media-inspector';

describe('media rules', () => {
  it.each(['image/jpeg', 'image/png; charset=binary', 'IMAGE/GIF', 'video/mp4', 'audio/amr', 'text/vcard', 'application/pdf'])('takes %s', (type) => {
    expect(isSupportedContentType(type)).toBe(true);
  });

  it.each(['text/html', 'application/octet-stream', 'application/json', 'image/', ''])('refuses %p', (type) => {
    expect(isSupportedContentType(type)).toBe(false);
  });

  it('fails a message with an attachment over 2 MB or text and media of 5 MB or more', () => {
    const media = (size: number) => ({ url: 'https://a.example/x', contentType: 'image/png', size });
    expect(mediaTooLarge([media(MEDIA_LIMITS.maxBytes)], 100)).toBe(false);
    expect(mediaTooLarge([media(MEDIA_LIMITS.maxBytes + 1)], 0)).toBe(true);
    expect(mediaTooLarge([media(2_000_000), media(2_000_000), media(1_000_000)], 100)).toBe(false);
    expect(mediaTooLarge([media(2_000_000), media(2_000_000), media(1_242_880)], 0)).toBe(true);
  });
});
