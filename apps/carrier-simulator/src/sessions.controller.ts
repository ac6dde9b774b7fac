// Run-time control of the SMPP side, for tests: drop the binds, inject mobile-originated messages.
import { BadRequestException, Body, ConflictException, Controller, HttpCode, Post } from '@nestjs/common';
import { z } from '@sluice/config';
import { describeIssues } from './carrier-profiles';
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
});

const dropBody = strict({ systemId: systemId.optional() });

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

  /** Sends a mobile-originated deliver_sm to a bound receiver or transceiver: 202 `{ id, systemId }`, or 409. */
  @Post('mo')
  @HttpCode(202)
  mobileOriginated(@Body() body: unknown): { id: string; systemId: string } {
    const mo = parse(moBody, body);
    const sent = this.smsc.sendMobileOriginated(mo);
    if (!sent) {
      const whose = mo.systemId === undefined ? '' : ` with system_id ${mo.systemId}`;
      throw new ConflictException({ error: `no receiver or transceiver session${whose} is bound` });
    }
    return sent;
  }
}
