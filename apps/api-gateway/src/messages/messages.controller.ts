import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Req, UseGuards } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuthenticatedRequest, BasicAuthGuard } from '../auth/basic-auth.guard';
import { MessagesService } from './messages.service';
import { toMessageView } from './message.view';
import { parseSendMessage } from './send-message.dto';

@Controller('v1/Account/:authId/Message')
@UseGuards(BasicAuthGuard)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async send(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    const result = await this.messages.send(request.account!.authId, parseSendMessage(body));
    return {
      api_id: randomUUID(),
      message: 'message(s) queued',
      message_uuid: result.messageUuids,
      ...(result.invalidNumbers.length > 0 ? { invalid_number: result.invalidNumbers } : {}),
    };
  }

  @Get(':messageUuid')
  async get(@Req() request: AuthenticatedRequest, @Param('messageUuid') messageUuid: string) {
    return toMessageView(await this.messages.findVisible(request.account!.authId, messageUuid), randomUUID());
  }
}
