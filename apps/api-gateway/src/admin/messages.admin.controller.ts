import { Controller, Get, Header, Param, Query, StreamableFile, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { parseExportQuery } from '../messages/list-messages.dto';
import { MessageExportService } from '../messages/message-export.service';
import { AdminAuthGuard } from './admin-auth.guard';

@ApiTags('Admin: messages')
@ApiBearerAuth()
@Controller('admin/v1/accounts/:authId/messages')
@UseGuards(AdminAuthGuard)
export class MessagesAdminController {
  constructor(private readonly exports: MessageExportService) {}

  @Get('export')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: "MDR export of an account (with its subaccounts' messages for a main account), as the account would get it: CSV, the list filters" })
  @ApiProduces('text/csv')
  export(@Param('authId') authId: string, @Query() rawQuery: unknown): Promise<StreamableFile> {
    return this.exports.exportForAccount(authId, parseExportQuery(rawQuery));
  }
}
