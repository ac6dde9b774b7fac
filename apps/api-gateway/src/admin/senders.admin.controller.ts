import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from '@sluice/config';
import { AdminAuthGuard } from './admin-auth.guard';
import {
  ADMIN_DOC_SCHEMAS,
  createBrandSchema,
  createPowerpackSchema,
  numberPathSchema,
  pageSchema,
  parseBody,
  putNumberSchema,
  updateBrandSchema,
  updatePowerpackSchema,
} from './admin.dto';
import { SendersAdminService } from './senders.admin.service';

const listFilter = pageSchema.extend({
  account_id: z.string().max(20).optional(),
  powerpack_uuid: z.string().uuid('must be a uuid').optional(),
});

@ApiTags('Admin: sender numbers')
@ApiBearerAuth()
@Controller('admin/v1/numbers')
@UseGuards(AdminAuthGuard)
export class NumbersAdminController {
  constructor(private readonly senders: SendersAdminService) {}

  @Put(':number')
  @ApiOperation({ summary: 'Register or replace a sender number (type, country, verified, brand, powerpack)' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.putNumber })
  put(@Param('number') number: string, @Body() body: unknown) {
    return this.senders.putNumber(parseBody(numberPathSchema, number, 'number'), parseBody(putNumberSchema, body));
  }

  @Get()
  @ApiOperation({ summary: 'List numbers (account_id, powerpack_uuid, limit, offset)' })
  list(@Query() query: unknown) {
    const q = parseBody(listFilter, query);
    return this.senders.listNumbers({ ...(q.account_id ? { accountId: q.account_id } : {}), ...(q.powerpack_uuid ? { powerpackUuid: q.powerpack_uuid } : {}) }, q.limit, q.offset);
  }

  @Get(':number')
  get(@Param('number') number: string) {
    return this.senders.getNumber(parseBody(numberPathSchema, number, 'number'));
  }

  @Delete(':number')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('number') number: string): Promise<void> {
    await this.senders.removeNumber(parseBody(numberPathSchema, number, 'number'));
  }
}

@ApiTags('Admin: 10DLC brands')
@ApiBearerAuth()
@Controller('admin/v1/brands')
@UseGuards(AdminAuthGuard)
export class BrandsAdminController {
  constructor(private readonly senders: SendersAdminService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a brand: use case and vetting score set its TPM per carrier and T-Mobile TPD' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.createBrand })
  create(@Body() body: unknown) {
    return this.senders.createBrand(parseBody(createBrandSchema, body));
  }

  @Get()
  list(@Query() query: unknown) {
    const q = parseBody(listFilter, query);
    return this.senders.listBrands(q.account_id, q.limit, q.offset);
  }

  @Get(':brandId')
  get(@Param('brandId') brandId: string) {
    return this.senders.getBrand(parseBody(z.string().uuid('must be a uuid'), brandId, 'brand_id'));
  }

  @Patch(':brandId')
  @ApiOperation({ summary: 'Change use case, vetting score or the T-Mobile daily cap override (special business review)' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.updateBrand })
  update(@Param('brandId') brandId: string, @Body() body: unknown) {
    return this.senders.updateBrand(parseBody(z.string().uuid('must be a uuid'), brandId, 'brand_id'), parseBody(updateBrandSchema, body));
  }

  @Delete(':brandId')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('brandId') brandId: string): Promise<void> {
    await this.senders.removeBrand(parseBody(z.string().uuid('must be a uuid'), brandId, 'brand_id'));
  }
}

@ApiTags('Admin: powerpacks')
@ApiBearerAuth()
@Controller('admin/v1/powerpacks')
@UseGuards(AdminAuthGuard)
export class PowerpacksAdminController {
  constructor(private readonly senders: SendersAdminService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a powerpack; add numbers to it with PUT /admin/v1/numbers/{number} (powerpack_uuid)' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.createPowerpack })
  create(@Body() body: unknown) {
    return this.senders.createPowerpack(parseBody(createPowerpackSchema, body));
  }

  @Get()
  list(@Query() query: unknown) {
    const q = parseBody(listFilter, query);
    return this.senders.listPowerpacks(q.account_id, q.limit, q.offset);
  }

  @Get(':powerpackUuid')
  get(@Param('powerpackUuid') powerpackUuid: string) {
    return this.senders.getPowerpack(parseBody(z.string().uuid('must be a uuid'), powerpackUuid, 'powerpack_uuid'));
  }

  @Patch(':powerpackUuid')
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.updatePowerpack })
  update(@Param('powerpackUuid') powerpackUuid: string, @Body() body: unknown) {
    return this.senders.updatePowerpack(parseBody(z.string().uuid('must be a uuid'), powerpackUuid, 'powerpack_uuid'), parseBody(updatePowerpackSchema, body));
  }

  @Delete(':powerpackUuid')
  @HttpCode(HttpStatus.NO_CONTENT)
  async remove(@Param('powerpackUuid') powerpackUuid: string): Promise<void> {
    await this.senders.removePowerpack(parseBody(z.string().uuid('must be a uuid'), powerpackUuid, 'powerpack_uuid'));
  }
}
