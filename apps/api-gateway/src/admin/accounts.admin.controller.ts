import { Body, Controller, Get, HttpCode, HttpStatus, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_DOC_SCHEMAS, createAccountSchema, pageSchema, parseBody, updateAccountSchema } from './admin.dto';
import { AccountsAdminService } from './accounts.admin.service';

@ApiTags('Admin: accounts')
@ApiBearerAuth()
@Controller('admin/v1/accounts')
@UseGuards(AdminAuthGuard)
export class AccountsAdminController {
  constructor(private readonly accounts: AccountsAdminService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a main account; the answer carries its auth token, shown once' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.createAccount })
  create(@Body() body: unknown) {
    return this.accounts.create(parseBody(createAccountSchema, body));
  }

  @Get()
  @ApiOperation({ summary: 'List main accounts (limit, offset)' })
  list(@Query() query: unknown) {
    const { limit, offset } = parseBody(pageSchema, query);
    return this.accounts.list(null, limit, offset);
  }

  @Get(':authId')
  @ApiOperation({ summary: 'Get an account or subaccount' })
  get(@Param('authId') authId: string) {
    return this.accounts.get(authId);
  }

  @Patch(':authId')
  @ApiOperation({ summary: 'Change name, enabled, SMS/MMS MPS or API request rate; applies at once on every replica' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.updateAccount })
  update(@Param('authId') authId: string, @Body() body: unknown) {
    return this.accounts.update(authId, parseBody(updateAccountSchema, body));
  }

  @Post(':authId/token')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rotate the auth token: a new one is returned once, the old one stops working at once' })
  rotate(@Param('authId') authId: string) {
    return this.accounts.rotateToken(authId);
  }

  @Post(':authId/subaccounts')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a subaccount (SA…) under a main account' })
  @ApiBody({ schema: ADMIN_DOC_SCHEMAS.createAccount })
  createSubaccount(@Param('authId') authId: string, @Body() body: unknown) {
    return this.accounts.create(parseBody(createAccountSchema, body), authId);
  }

  @Get(':authId/subaccounts')
  @ApiOperation({ summary: "List a main account's subaccounts" })
  subaccounts(@Param('authId') authId: string, @Query() query: unknown) {
    const { limit, offset } = parseBody(pageSchema, query);
    return this.accounts.list(authId, limit, offset);
  }
}
