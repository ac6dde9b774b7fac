// Plivo's Number API for the account's own numbers: list, get, and update (application, subaccount, alias).
import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { listMeta, pageOf } from '../applications/plivo-params';
import { ApiRateGuard } from '../auth/api-rate.guard';
import { AuthenticatedRequest, BasicAuthGuard, callerOf } from '../auth/basic-auth.guard';
import { parseNumberListQuery, parseUpdateNumber, toNumberView } from './number.dto';
import { NumbersService } from './numbers.service';

@ApiTags('Number API (Plivo-compatible)')
@ApiBasicAuth()
@ApiParam({ name: 'authId', description: 'Your auth id (MA… or SA…), the HTTP Basic user name' })
@Controller('v1/Account/:authId/Number')
@UseGuards(BasicAuthGuard, ApiRateGuard)
export class NumbersController {
  constructor(private readonly numbers: NumbersService) {}

  @Get()
  @ApiOperation({ summary: "List the account's numbers (limit 1–20, offset, type, number_startswith, subaccount, alias, services)" })
  async list(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown) {
    const caller = callerOf(request);
    const query = parseNumberListQuery(rawQuery);
    const page = pageOf(query.params);
    const { numbers, total } = await this.numbers.list(caller, query, page);
    return { api_id: randomUUID(), meta: listMeta(`/v1/Account/${caller.authId}/Number/`, page, total, query.echo), objects: numbers.map(toNumberView) };
  }

  @Get(':number')
  @ApiOperation({ summary: 'Get one of your numbers' })
  async get(@Req() request: AuthenticatedRequest, @Param('number') number: string) {
    return { api_id: randomUUID(), ...toNumberView(await this.numbers.get(callerOf(request), number)) };
  }

  @Post(':number')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Assign the number to an application (app_id; empty unassigns), move it to a subaccount, set its alias' })
  @ApiBody({ schema: { type: 'object', example: { app_id: '24578963145678901' } } })
  @ApiResponse({ status: 202, description: '{"api_id","message":"changed"}' })
  async update(@Req() request: AuthenticatedRequest, @Param('number') number: string, @Body() body: unknown) {
    await this.numbers.update(callerOf(request), number, parseUpdateNumber(body));
    return { api_id: randomUUID(), message: 'changed' };
  }
}
