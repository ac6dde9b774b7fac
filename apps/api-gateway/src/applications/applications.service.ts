// Applications of the caller's account family: a subaccount sees and edits its own, a main account also its subaccounts'.
import { Injectable } from '@nestjs/common';
import { AccountAdminRepository, ApplicationEntity, ApplicationRepository } from '@sluice/persistence';
import type { Caller } from '../auth/basic-auth.guard';
import { ApiError } from '../errors/api-error';
import { viewerOf } from '../messages/messages.service';
import type { CreateApplicationCommand, UpdateApplicationCommand } from './application.dto';
import type { Page } from './plivo-params';

const APP_ID = /^\d{1,20}$/;

@Injectable()
export class ApplicationsService {
  constructor(
    private readonly applications: ApplicationRepository,
    private readonly accounts: AccountAdminRepository,
  ) {}

  async create(caller: Caller, command: CreateApplicationCommand): Promise<ApplicationEntity> {
    return this.applications.create(await this.ownerFor(caller, command.subaccount), command.fields);
  }

  /** Another account's application is as unknown as a missing one. */
  async get(caller: Caller, appId: string): Promise<ApplicationEntity> {
    const app = APP_ID.test(appId) ? await this.applications.findVisible(viewerOf(caller), appId) : null;
    if (!app) throw ApiError.notFound('application');
    return app;
  }

  async list(caller: Caller, filters: { subaccount: string | undefined; appName: string | undefined }, page: Page) {
    if (filters.subaccount !== undefined) await this.ownerFor(caller, filters.subaccount);
    return this.applications.list(
      viewerOf(caller),
      { ...(filters.subaccount ? { subaccount: filters.subaccount } : {}), ...(filters.appName ? { appName: filters.appName } : {}) },
      page.limit,
      page.offset,
    );
  }

  async update(caller: Caller, appId: string, command: UpdateApplicationCommand): Promise<void> {
    const app = await this.get(caller, appId);
    if (command.subaccount !== undefined && command.subaccount !== app.accountId) {
      throw ApiError.invalid('subaccount', 'an application stays with the account it was created for');
    }
    await this.applications.update(app.appId, command.patch);
  }

  async remove(caller: Caller, appId: string): Promise<void> {
    const app = await this.get(caller, appId);
    await this.applications.remove(app.appId);
  }

  /** The caller, or the subaccount of the caller it names. */
  private async ownerFor(caller: Caller, subaccount: string | undefined): Promise<string> {
    if (subaccount === undefined || subaccount === caller.authId) return caller.authId;
    if (caller.isSubaccount || !(await this.accounts.isSubaccountOf(subaccount, caller.authId))) {
      throw ApiError.invalid('subaccount', 'is not a subaccount of this account');
    }
    return subaccount;
  }
}
