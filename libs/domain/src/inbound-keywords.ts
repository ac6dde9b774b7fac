// Plivo's standard keywords: a whole inbound text that asks to stop, restart or get help.
import { MessageIntent } from '@sluice/contracts';

const KEYWORDS: ReadonlyMap<string, MessageIntent> = new Map([
  ...['STOP', 'STOPALL', 'STOP ALL', 'END', 'QUIT', 'CANCEL', 'UNSUBSCRIBE', 'UNSUB'].map((k) => [k, MessageIntent.OptOut] as const),
  ...['START', 'UNSTOP'].map((k) => [k, MessageIntent.OptIn] as const),
  ...['HELP', 'INFO'].map((k) => [k, MessageIntent.Help] as const),
]);

/**
 * The intent of an inbound text, or null. Only the whole text counts ("please stop" is no
 * opt-out); case, surrounding white space and the run of spaces in "STOP ALL" do not matter.
 */
export function classifyInboundText(text: string): MessageIntent | null {
  return KEYWORDS.get(text.trim().replace(/\s+/g, ' ').toUpperCase()) ?? null;
}
