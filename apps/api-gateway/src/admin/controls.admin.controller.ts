import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './admin-auth.guard';
import { parseBody } from './admin.dto';
import { CONTROLS_DOC_SCHEMAS, putGeoPermissionsSchema, putSpendLimitSchema } from './controls.admin.dto';
import { ControlsAdminService } from './controls.admin.service';

@ApiTags('Admin: fraud controls')
@ApiBearerAuth()
@Controller('admin/v1/accounts/:authId')
@UseGuards(AdminAuthGuard)
export class ControlsAdminController {
  constructor(private readonly controls: ControlsAdminService) {}

  @Get('geo-permissions')
  @ApiOperation({ summary: "Geo permissions in force: the account's own, else its parent's, else US and CA (`source` says which)" })
  getGeo(@Param('authId') authId: string) {
    return this.controls.getGeo(authId);
  }

  @Put('geo-permissions')
  @ApiOperation({ summary: 'Replace the account’s own geo permissions: allowed destination countries (others fail with 450) and per-country hourly thresholds' })
  @ApiBody({ schema: CONTROLS_DOC_SCHEMAS.putGeoPermissions })
  putGeo(@Param('authId') authId: string, @Body() body: unknown) {
    return this.controls.putGeo(authId, parseBody(putGeoPermissionsSchema, body));
  }

  @Delete('geo-permissions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Drop the account’s own geo permissions: its parent’s (or US and CA) apply again' })
  async removeGeo(@Param('authId') authId: string): Promise<void> {
    await this.controls.removeGeo(authId);
  }

  @Get('spend-limit')
  @ApiOperation({ summary: 'Monthly spending limit and this calendar month’s (UTC) spend under it' })
  getSpend(@Param('authId') authId: string) {
    return this.controls.getSpend(authId);
  }

  @Put('spend-limit')
  @ApiOperation({ summary: 'Set the monthly spending limit: sends that would pass it fail with 490; alerts at 80 % and 100 %' })
  @ApiBody({ schema: CONTROLS_DOC_SCHEMAS.putSpendLimit })
  putSpend(@Param('authId') authId: string, @Body() body: unknown) {
    return this.controls.putSpend(authId, parseBody(putSpendLimitSchema, body));
  }

  @Delete('spend-limit')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Clear the monthly spending limit' })
  async removeSpend(@Param('authId') authId: string): Promise<void> {
    await this.controls.removeSpend(authId);
  }
}
