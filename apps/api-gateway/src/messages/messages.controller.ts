// Plivo's Message API: send, get, list, media, and the MDR export. Each handler is its decorators and one call.
import { Body, Controller, Get, Header, HttpCode, HttpStatus, Inject, Param, Post, Query, Req, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ApiRateGuard } from '../auth/api-rate.guard';
import { AuthenticatedRequest, BasicAuthGuard, callerOf } from '../auth/basic-auth.guard';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { pagePath, parseExportQuery, parseListQuery } from './list-messages.dto';
import { MessageExportService } from './message-export.service';
import { MessagesService, viewerOf } from './messages.service';
import { toMediaView, toMessageView } from './message.view';
import { parseSendMessage } from './send-message.dto';

@ApiTags('Message API (Plivo-compatible)')
@ApiBasicAuth()
@ApiParam({ name: 'authId', description: 'Your auth id (MA… or SA…), the HTTP Basic user name' })
@Controller('v1/Account/:authId/Message')
@UseGuards(BasicAuthGuard, ApiRateGuard)
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly exports: MessageExportService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Send an SMS or MMS to one or more destinations (JSON or form-encoded body)' })
  @ApiBody({ schema: { type: 'object', example: { src: '+14155550100', dst: '+12025550123<+12025550124', text: 'Hello', url: 'https://example.com/status' } } })
  @ApiResponse({ status: 202, description: '{"api_id","message":"message(s) queued","message_uuid":[…],"invalid_number":[…]}' })
  async send(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    const result = await this.messages.send(callerOf(request), parseSendMessage(body));
    return {
      api_id: randomUUID(),
      message: 'message(s) queued',
      message_uuid: result.messageUuids,
      ...(result.invalidNumbers.length > 0 ? { invalid_number: result.invalidNumbers } : {}),
    };
  }

  @Get()
  @ApiOperation({ summary: 'List messages, newest first (limit 1–20, offset, filters)' })
  async list(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown) {
    const caller = callerOf(request);
    const query = parseListQuery(rawQuery);
    const page = await this.messages.list(caller, query, this.config.LIST_COUNT_CAP);
    return {
      api_id: randomUUID(),
      meta: {
        limit: query.limit,
        offset: query.offset,
        total_count: page.totalCount,
        previous: query.offset > 0 ? pagePath(caller.authId, query, Math.max(0, query.offset - query.limit)) : null,
        next: page.hasMore ? pagePath(caller.authId, query, query.offset + query.limit) : null,
      },
      objects: page.messages.map(toMessageView),
    };
  }

  @Get('export')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'MDR export: every message matching the list filters, as CSV (text/csv attachment); no limit or offset' })
  @ApiProduces('text/csv')
  @ApiResponse({ status: 200, description: 'CSV with a header row; the columns are the fields of the list objects, redacted as `log` asked' })
  async export(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown): Promise<StreamableFile> {
    return this.exports.export(viewerOf(callerOf(request)), parseExportQuery(rawQuery));
  }

  @Get(':messageUuid')
  @ApiOperation({ summary: 'Get one message record' })
  async get(@Req() request: AuthenticatedRequest, @Param('messageUuid') messageUuid: string) {
    return { api_id: randomUUID(), ...toMessageView(await this.messages.findVisible(callerOf(request), messageUuid)) };
  }

  @Get(':messageUuid/Media')
  @ApiOperation({ summary: "List an MMS message's media" })
  async media(@Req() request: AuthenticatedRequest, @Param('messageUuid') messageUuid: string) {
    const { media } = await this.messages.mediaOf(callerOf(request), messageUuid);
    return {
      api_id: randomUUID(),
      meta: { limit: 20, offset: 0, total_count: media.length, previous: null, next: null },
      objects: media.map(toMediaView),
    };
  }
}
