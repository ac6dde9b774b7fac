// Run-time control of the SMPP side, for tests: drop the binds, simulate an outage, inject mobile-originated messages.
import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { z } from '@sluice/config';
import { describeIssues } from './carrier-profiles';
import { MO_DATA_CODINGS, MoRequestError } from './mobile-originated';
import type { OutageState } from './outage';
import { SmscService } from './smsc.service';

/** SMPP 3.4 addresses are at most 20 characters; a text at most what the platform sends in one message. */
const address = (name: string) =>
  z
    .string({ required_error: `is required (the ${name} number, e.g. 12015550123)`, invalid_type_error: 'must be a string' })
    .trim()
    .min(1, `must not be empty (the ${name} number, e.g. 12015550123)`)
    .max(20, 'must be at most 20 characters (SMPP 3.4 address)');

const systemId = z
  .string({ invalid_type_error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(15, 'must be at most 15 characters (SMPP 3.4 system_id)');

const strict = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape, { invalid_type_error: 'must be a JSON object', required_error: 'is required' })
    .strict(`is not a known field (known: ${Object.keys(shape).join(', ')})`);

const moBody = strict({
  source: address('handset'),
  destination: address('Sluice'),
  text: z
    .string({ required_error: 'is required', invalid_type_error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(1_600, 'must be at most 1600 characters'),
  systemId: systemId.optional(),
  dataCoding: z.union([z.literal(MO_DATA_CODINGS[0]), z.literal(MO_DATA_CODINGS[1]), z.literal(MO_DATA_CODINGS[2])], { errorMap: () => ({ message: 'must be 0 (GSM-7), 3 (Latin-1) or 8 (UCS-2)' }) }).optional(),
  parts: z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be 1 to 255').max(255, 'must be 1 to 255').optional(),
  concatenation: z.enum(['udh', 'sar'], { errorMap: () => ({ message: 'must be udh or sar' }) }).optional(),
  reference: z.number({ invalid_type_error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').optional(),
  referenceBits: z.union([z.literal(8), z.literal(16)], { errorMap: () => ({ message: 'must be 8 or 16' }) }).optional(),
  order: z.array(z.number({ invalid_type_error: 'must be part numbers' }), { invalid_type_error: 'must be a list of part numbers' }).optional(),
  intervalMs: z.number({ invalid_type_error: 'must be a number of milliseconds' }).int('must be a whole number of milliseconds').min(0, 'must be 0 to 60000').max(60_000, 'must be 0 to 60000').optional(),
});

const dropBody = strict({ systemId: systemId.optional() });

const outageBody = strict({
  seconds: z
    .number({ required_error: 'is required (how long the carrier stays gone)', invalid_type_error: 'must be a number' })
    .positive('must be more than 0')
    .max(86_400, 'must be at most 86400 (a day)'),
});

function parse<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {});
  if (!result.success) throw new BadRequestException({ error: describeIssues(result.error.issues, 'body').join('; ') });
  return result.data as z.output<T>;
}

@Controller('simulator')
export class SessionsController {
  constructor(private readonly smsc: SmscService) {}

  /** Closes every SMPP connection, or those bound with `systemId`, without an unbind: `{ "dropped": n }`. */
  @Post('binds/drop')
  @HttpCode(200)
  async drop(@Body() body: unknown): Promise<{ dropped: number }> {
    const { systemId: only } = parse(dropBody, body);
    return { dropped: await this.smsc.dropSessions(only) };
  }

  /** The carrier goes away for `seconds`: every connection closed, binds refused until then. */
  @Post('outage')
  @HttpCode(200)
  async startOutage(@Body() body: unknown): Promise<OutageState & { dropped: number }> {
    const { seconds } = parse(outageBody, body);
    return this.smsc.startOutage(seconds);
  }

  /** Ends the outage now: binds are accepted again. */
  @Delete('outage')
  endOutage(): OutageState {
    return this.smsc.endOutage();
  }

  @Get('outage')
  outage(): OutageState {
    return this.smsc.outageState();
  }

  /** Sends a mobile-originated message (one deliver_sm, or its parts) to a bound receiver or transceiver: 202 `{ id, systemId, parts }`, or 409. */
  @Post('mo')
  @HttpCode(202)
  mobileOriginated(@Body() body: unknown): { id: string; systemId: string; parts: number } {
    const mo = parse(moBody, body);
    let sent;
    try {
      sent = this.smsc.sendMobileOriginated(mo);
    } catch (error: unknown) {
      if (error instanceof MoRequestError) throw new BadRequestException({ error: `body.${error.field} ${error.message}` });
      throw error;
    }
    if (!sent) {
      const whose = mo.systemId === undefined ? '' : ` with system_id ${mo.systemId}`;
      throw new ConflictException({ error: `no receiver or transceiver session${whose} is bound` });
    }
    return sent;
  }
}
