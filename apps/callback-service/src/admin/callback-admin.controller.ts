import { Controller, Get, Param, ParseUUIDPipe, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { CallbackHistoryService, CallbackHistoryView } from './callback-history.service';

@Controller('admin/callbacks')
@UseGuards(AdminTokenGuard)
export class CallbackAdminController {
  constructor(private readonly history: CallbackHistoryService) {}

  /** Every status callback owed for the message, with each attempt's time, status code, latency and error. */
  @Get(':messageUuid')
  forMessage(@Param('messageUuid', new ParseUUIDPipe()) messageUuid: string): Promise<CallbackHistoryView> {
    return this.history.forMessage(messageUuid);
  }
}
