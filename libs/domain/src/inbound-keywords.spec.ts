import { MessageIntent } from '@sluice/contracts';
import { classifyInboundText } from './inbound-keywords';

describe('classifyInboundText', () => {
  it.each(['STOP', 'STOPALL', 'STOP ALL', 'END', 'QUIT', 'CANCEL', 'UNSUBSCRIBE', 'UNSUB'])('%s is an opt-out', (word) => {
    expect(classifyInboundText(word)).toBe(MessageIntent.OptOut);
  });

  it.each(['START', 'UNSTOP'])('%s is an opt-in', (word) => {
    expect(classifyInboundText(word)).toBe(MessageIntent.OptIn);
  });

  it.each(['HELP', 'INFO'])('%s asks for help', (word) => {
    expect(classifyInboundText(word)).toBe(MessageIntent.Help);
  });

  it('ignores case, surrounding white space and the spacing inside STOP ALL', () => {
    expect(classifyInboundText('  stop ')).toBe(MessageIntent.OptOut);
    expect(classifyInboundText('\tStop\n')).toBe(MessageIntent.OptOut);
    expect(classifyInboundText('stop   all')).toBe(MessageIntent.OptOut);
    expect(classifyInboundText('Start')).toBe(MessageIntent.OptIn);
    expect(classifyInboundText(' help ')).toBe(MessageIntent.Help);
  });

  it('takes only the whole text as a keyword', () => {
    for (const text of ['please stop', 'STOP.', 'STOPPED', 'stop it', 'HELPFUL', 'start now', 'S T O P', '', '   ']) {
      expect(classifyInboundText(text)).toBeNull();
    }
  });

  it('ignores any amount of surrounding white space', () => {
    expect(classifyInboundText(`${' '.repeat(40)}STOP\r\n`)).toBe(MessageIntent.OptOut);
  });
});
