import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CarrierId } from '@sluice/contracts';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_DOC_SCHEMAS, parseBody, prefixPathSchema, putPrefixSchema, putRateSchema, ratePathSchema } from './admin.dto';
import { PricingAdminService } from './pricing.admin.service';

@ApiTags('Admin: rate card')
@ApiBearerAuth()
@Controller('admin/v1/rate-cards')
@UseGuards(AdminAuthGuard)
export class RateCardsAdminController {
  constructor(private readonly pricing: PricingAdminService) {}

  @Get()
  list() {
    return this.pricing.listRates();
  }

  @Put(':country/:messageType')
  @ApiOperation({ summary: 'Set the price per unit for a destination country and message type (a destination without one is not routable)' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.putRate })
  put(@Param('country') country: string, @Param('messageType') messageType: string, @Body() body: unknown) {
    const path = parseBody(ratePathSchema, { country, messageType });
    return this.pricing.putRate(path.country, path.messageType, parseBody(putRateSchema, body).rate_per_unit);
  }

  @Delete(':country/:messageType')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('country') country: string, @Param('messageType') messageType: string): Promise<void> {
    const path = parseBody(ratePathSchema, { country, messageType });
    await this.pricing.removeRate(path.country, path.messageType);
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
