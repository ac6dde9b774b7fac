// Plivo's Application API (messaging applications: Message URL, method, logging of incoming messages), as the SDKs call it.
import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { ApiRateGuard } from '../auth/api-rate.guard';
import { AuthenticatedRequest, BasicAuthGuard, callerOf } from '../auth/basic-auth.guard';
import { parseApplicationListQuery, parseCreateApplication, parseUpdateApplication, toApplicationView } from './application.dto';
import { ApplicationsService } from './applications.service';
import { listMeta, pageOf } from './plivo-params';

@ApiTags('Application API (Plivo-compatible)')
@ApiBasicAuth()
@ApiParam({ name: 'authId', description: 'Your auth id (MA… or SA…), the HTTP Basic user name' })
@Controller('v1/Account/:authId/Application')
@UseGuards(BasicAuthGuard, ApiRateGuard)
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a messaging application (app_name, message_url, message_method, log_incoming_messages, …)' })
  @ApiBody({ schema: { type: 'object', example: { app_name: 'replies', message_url: 'https://example.com/inbound', message_method: 'POST', log_incoming_messages: true } } })
  @ApiResponse({ status: 201, description: '{"api_id","app_id","message":"created"}' })
  async create(@Req() request: AuthenticatedRequest, @Body() body: unknown) {
    const app = await this.applications.create(callerOf(request), parseCreateApplication(body));
    return { api_id: randomUUID(), app_id: app.appId, message: 'created' };
  }

  @Get()
  @ApiOperation({ summary: 'List applications, oldest first (limit 1–20, offset, subaccount, app_name)' })
  async list(@Req() request: AuthenticatedRequest, @Query() rawQuery: unknown) {
    const caller = callerOf(request);
    const query = parseApplicationListQuery(rawQuery);
    const page = pageOf(query.params);
    const { applications, total } = await this.applications.list(caller, query, page);
    const filters: Array<[string, string]> = [];
    if (query.subaccount) filters.push(['subaccount', query.subaccount]);
    if (query.appName) filters.push(['app_name', query.appName]);
    return {
      api_id: randomUUID(),
      meta: listMeta(`/v1/Account/${caller.authId}/Application/`, page, total, filters),
      objects: applications.map(toApplicationView),
    };
  }

  @Get(':appId')
  @ApiOperation({ summary: 'Get one application' })
  async get(@Req() request: AuthenticatedRequest, @Param('appId') appId: string) {
    return { api_id: randomUUID(), ...toApplicationView(await this.applications.get(callerOf(request), appId)) };
  }

  @Post(':appId')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Change an application: only the parameters given change' })
  @ApiResponse({ status: 202, description: '{"api_id","message":"changed"}' })
  async update(@Req() request: AuthenticatedRequest, @Param('appId') appId: string, @Body() body: unknown) {
    await this.applications.update(callerOf(request), appId, parseUpdateApplication(body));
    return { api_id: randomUUID(), message: 'changed' };
  }

  @Delete(':appId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete an application; its numbers are left without one' })
  async remove(@Req() request: AuthenticatedRequest, @Param('appId') appId: string): Promise<void> {
    await this.applications.remove(callerOf(request), appId);
  }
}
