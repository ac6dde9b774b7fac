import { openContent, sealContent, sealContentWith } from './content-seal';

describe('content sealing', () => {
  const content = { text: 'Your code is 123456 — ünïcödé 🙂', mediaUrls: ['https://media.example.com/a.jpg'] };

  it('opens with its own key and keeps text and media exactly', () => {
    const { key, sealed } = sealContent(content);
    expect(openContent(sealed, key)).toEqual(content);
  });

  it('never shows the text, and a new key and iv every time', () => {
    const a = sealContent(content);
    const b = sealContent(content);
    expect(a.sealed).not.toContain('123456');
    expect(Buffer.from(a.sealed.slice(3), 'base64').toString('latin1')).not.toContain('123456');
    expect(a.sealed).not.toEqual(b.sealed);
    expect(a.key.equals(b.key)).toBe(false);
  });

  it('gives null for another key, a tampered body or an unknown format', () => {
    const { key, sealed } = sealContent(content);
    expect(openContent(sealed, sealContent(content).key)).toBeNull();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(openContent(`v1.${raw.toString('base64')}`, key)).toBeNull();
    expect(openContent(sealed.replace('v1.', 'v9.'), key)).toBeNull();
    expect(openContent('v1.AAAA', key)).toBeNull();
  });

  it('seals more content under a message key it already has, each copy with its own iv', () => {
    const { key } = sealContent(content);
    const from = { text: '12025550123', mediaUrls: [] };
    const once = sealContentWith(key, from);
    expect(openContent(once, key)).toEqual(from);
    expect(sealContentWith(key, from)).not.toEqual(once);
    expect(openContent(once, sealContent(content).key)).toBeNull();
  });
});
