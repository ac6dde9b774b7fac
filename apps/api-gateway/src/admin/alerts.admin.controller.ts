import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from '@sluice/config';
import { OpsAlertKind } from '@sluice/contracts';
import { AdminAuthGuard } from './admin-auth.guard';
import { pageSchema, parseBody } from './admin.dto';
import { AlertsAdminService } from './alerts.admin.service';

const KINDS = Object.values(OpsAlertKind) as [OpsAlertKind, ...OpsAlertKind[]];

const alertFilter = pageSchema.extend({
  account_id: z.string().regex(/^(MA|SA)[A-Z0-9]{18}$/, 'must be an auth id (MA… or SA…, 20 characters)').optional(),
  kind: z.enum(KINDS, { errorMap: () => ({ message: `must be one of ${KINDS.join(', ')}` }) }).optional(),
});

@ApiTags('Admin: alerts')
@ApiBearerAuth()
@Controller('admin/v1/alerts')
@UseGuards(AdminAuthGuard)
export class AlertsAdminController {
  constructor(private readonly alerts: AlertsAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'Operator alerts (unusual traffic, country thresholds, spending limits), newest first, with their webhook delivery state',
  })
  @ApiQuery({ name: 'account_id', required: false, description: 'only this (sub)account' })
  @ApiQuery({ name: 'kind', required: false, enum: KINDS })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'offset', required: false, schema: { type: 'integer', minimum: 0, default: 0 } })
  list(@Query() query: unknown) {
    const q = parseBody(alertFilter, query);
    return this.alerts.list({ accountId: q.account_id, kind: q.kind, limit: q.limit, offset: q.offset });
  }
}
