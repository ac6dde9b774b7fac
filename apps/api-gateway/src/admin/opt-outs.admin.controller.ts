import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './admin-auth.guard';
import { parseBody } from './admin.dto';
import { listOptOutsSchema, OPT_OUT_DOC_SCHEMA, optOutEntrySchema } from './opt-outs.admin.dto';
import { OptOutsAdminService } from './opt-outs.admin.service';

@ApiTags('Admin: opt-outs')
@ApiBearerAuth()
@Controller('admin/v1/opt-outs')
@UseGuards(AdminAuthGuard)
export class OptOutsAdminController {
  constructor(private readonly optOuts: OptOutsAdminService) {}

  @Get()
  @ApiOperation({ summary: "An account's opt-out list (STOP / START and operators keep it): sends from `sender` to `recipient` fail with error 200" })
  @ApiQuery({ name: 'account_id', required: true })
  @ApiQuery({ name: 'sender', required: false })
  @ApiQuery({ name: 'recipient', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  list(@Query() query: unknown) {
    return this.optOuts.list(parseBody(listOptOutsSchema, query));
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Add a (sender, recipient) pair to the opt-out list (an entry already there is kept)' })
  @ApiBody({ schema: OPT_OUT_DOC_SCHEMA })
  add(@Body() body: unknown) {
    return this.optOuts.add(parseBody(optOutEntrySchema, body));
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Remove a pair from the opt-out list: sends to the recipient from that number work again' })
  @ApiQuery({ name: 'account_id', required: true })
  @ApiQuery({ name: 'sender', required: true })
  @ApiQuery({ name: 'recipient', required: true })
  async remove(@Query() query: unknown): Promise<void> {
    await this.optOuts.remove(parseBody(optOutEntrySchema, query));
  }
}
