import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { CarrierId } from '@sluice/contracts';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_DOC_SCHEMAS, parseBody, prefixPathSchema, putPrefixSchema, putRateSchema, RATE_DIRECTIONS, rateDeleteQuerySchema, rateListQuerySchema, ratePathSchema } from './admin.dto';
import { PricingAdminService } from './pricing.admin.service';

@ApiTags('Admin: rate card')
@ApiBearerAuth()
@Controller('admin/v1/rate-cards')
@UseGuards(AdminAuthGuard)
export class RateCardsAdminController {
  constructor(private readonly pricing: PricingAdminService) {}

  @Get()
  @ApiQuery({ name: 'direction', required: false, enum: RATE_DIRECTIONS, description: 'only the outbound or only the inbound prices' })
  list(@Query() query: unknown) {
    return this.pricing.listRates(parseBody(rateListQuerySchema, query).direction);
  }

  @Put(':country/:messageType')
  @ApiOperation({
    summary:
      'Set the price per unit for a country and message type: outbound (sending there; a destination without one is not routable) or inbound (receiving on a number there; none means free)',
  })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.putRate })
  put(@Param('country') country: string, @Param('messageType') messageType: string, @Body() body: unknown) {
    const path = parseBody(ratePathSchema, { country, messageType });
    const rate = parseBody(putRateSchema, body);
    return this.pricing.putRate(path.country, path.messageType, rate.rate_per_unit, rate.direction);
  }

  @Delete(':country/:messageType')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiQuery({ name: 'direction', required: false, enum: RATE_DIRECTIONS, description: 'which price (outbound unless given)' })
  async remove(@Param('country') country: string, @Param('messageType') messageType: string, @Query() query: unknown): Promise<void> {
    const path = parseBody(ratePathSchema, { country, messageType });
    await this.pricing.removeRate(path.country, path.messageType, parseBody(rateDeleteQuerySchema, query).direction);
  }
}

@ApiTags('Admin: carrier prefixes')
@ApiBearerAuth()
@Controller('admin/v1/carrier-prefixes')
@UseGuards(AdminAuthGuard)
export class CarrierPrefixesAdminController {
  constructor(private readonly pricing: PricingAdminService) {}

  @Get()
  list() {
    return this.pricing.listPrefixes();
  }

  @Put(':prefix')
  @ApiOperation({ summary: 'Map a destination prefix to a carrier (longest prefix wins)' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.putPrefix })
  put(@Param('prefix') prefix: string, @Body() body: unknown) {
    return this.pricing.putPrefix(parseBody(prefixPathSchema, prefix, 'prefix'), parseBody(putPrefixSchema, body).carrier as CarrierId);
  }

  @Delete(':prefix')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('prefix') prefix: string): Promise<void> {
    await this.pricing.removePrefix(parseBody(prefixPathSchema, prefix, 'prefix'));
  }
}
