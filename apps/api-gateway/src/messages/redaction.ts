// What `log` lets Postgres keep of a message: the number, partially redacted, and the content, or nothing.
import { LogMode } from '@sluice/contracts';
import { redactNumber } from '@sluice/domain';

export interface StoredForm {
  /** The destination as stored: whole, or `12025550***`. */
  readonly toNumber: string;
  /** The text as stored, or null (shown as `***Text Content Redacted***`). */
  readonly text: string | null;
  /** Whether MMS media URLs (content too) may be stored. */
  readonly keepsMedia: boolean;
}

export const keepsNumber = (log: LogMode): boolean => log === LogMode.All || log === LogMode.NumberOnly;
export const keepsContent = (log: LogMode): boolean => log === LogMode.All || log === LogMode.ContentOnly;

/** Applied before anything is written: what is not kept never reaches the database. */
export function storedForm(log: LogMode, destination: string, text: string): StoredForm {
  const content = keepsContent(log);
  return { toNumber: keepsNumber(log) ? destination : redactNumber(destination), text: content ? text : null, keepsMedia: content };
}
