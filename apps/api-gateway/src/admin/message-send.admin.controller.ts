// Sends for an account on an operator's (or callback-service's) behalf: Message XML replies to
// inbound messages go through here, so they take the Message API's one send path with every
// rule it applies (validation, ownership of src, pricing, `log`, pacing downstream).
import { Body, Controller, HttpCode, HttpStatus, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { AccountDirectory } from '../auth/account-directory';
import type { Caller } from '../auth/basic-auth.guard';
import { ApiError } from '../errors/api-error';
import { MessagesService } from '../messages/messages.service';
import { parseSendMessage } from '../messages/send-message.dto';
import { AdminAuthGuard } from './admin-auth.guard';

const AUTH_ID = /^(MA|SA)[A-Z0-9]{18}$/;

@ApiTags('Admin: messages')
@ApiBearerAuth()
@Controller('admin/v1/accounts/:authId/messages')
@UseGuards(AdminAuthGuard)
export class MessageSendAdminController {
  constructor(
    private readonly messages: MessagesService,
    private readonly directory: AccountDirectory,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: "Send as the account: the Message API's parameters and answer, without the account's credentials" })
  @ApiBody({ schema: { type: 'object', example: { src: '+14155550100', dst: '+12025550123', text: 'Thanks, we got it', url: 'https://example.com/status' } } })
  @ApiResponse({ status: 202, description: '{"api_id","message":"message(s) queued","message_uuid":[…],"invalid_number":[…]}' })
  async send(@Param('authId') authId: string, @Body() body: unknown) {
    const account = AUTH_ID.test(authId) ? await this.directory.lookup(authId) : null;
    if (!account) throw ApiError.notFound('account');
    if (!account.enabled) throw new ApiError('Forbidden', 'the account (or its parent) is disabled');
    const caller: Caller = {
      authId: account.authId,
      parentAuthId: account.parentAuthId,
      rootAuthId: account.parentAuthId ?? account.authId,
      isSubaccount: account.parentAuthId !== null,
      apiRequestRate: account.apiRequestRate,
    };
    const result = await this.messages.send(caller, parseSendMessage(body));
    return {
      api_id: randomUUID(),
      message: 'message(s) queued',
      message_uuid: result.messageUuids,
      ...(result.invalidNumbers.length > 0 ? { invalid_number: result.invalidNumbers } : {}),
    };
  }
}
