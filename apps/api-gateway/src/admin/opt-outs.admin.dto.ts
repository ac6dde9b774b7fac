// Admin API queries and bodies of the opt-out list, and the JSON schema /docs shows.
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { z } from '@sluice/config';
import { normalizeE164 } from '@sluice/domain';
import { pageSchema } from './admin.dto';

const authId = z.string({ required_error: 'is required' }).regex(/^(MA|SA)[A-Z0-9]{18}$/, 'must be an auth id (MA… or SA…, 20 characters)');

/** A number of the account: E.164 (with or without the plus) or a short code's digits. */
const sender = z
  .string({ invalid_type_error: 'must be a number', required_error: 'is required' })
  .transform((v) => v.trim().replace(/^\+/, ''))
  .refine((v) => /^\d{3,15}$/.test(v), 'must be a number of the account (E.164 digits or a short code)');

const recipient = z
  .string({ invalid_type_error: 'must be a phone number', required_error: 'is required' })
  .transform((v, ctx) => {
    const e164 = normalizeE164(v);
    if (e164 === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an E.164 phone number such as 12025550123' });
      return z.NEVER;
    }
    return e164;
  });

export const listOptOutsSchema = pageSchema.extend({ account_id: authId, sender: sender.optional(), recipient: recipient.optional() }).strict();

/** The entry to add (POST body) or to remove (DELETE query). */
export const optOutEntrySchema = z.object({ account_id: authId, sender, recipient }).strict();

export const OPT_OUT_DOC_SCHEMA = {
  type: 'object',
  required: ['account_id', 'sender', 'recipient'],
  properties: {
    account_id: { type: 'string', description: "the account (a subaccount's entries are its main account's)" },
    sender: { type: 'string', example: '14155550100', description: 'a number of the account' },
    recipient: { type: 'string', example: '12025550123', description: 'the mobile number that must not get messages from it' },
  },
} satisfies SchemaObject;
