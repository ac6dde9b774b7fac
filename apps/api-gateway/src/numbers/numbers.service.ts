// The caller's numbers: listed and read as Plivo does, and assigned to an application of the number's own account.
import { Injectable } from '@nestjs/common';
import { AccountAdminRepository, AccountNumber, ApplicationRepository } from '@sluice/persistence';
import type { Caller } from '../auth/basic-auth.guard';
import type { Page } from '../applications/plivo-params';
import { ApiError } from '../errors/api-error';
import { viewerOf } from '../messages/messages.service';
import { NumberListQuery, parseNumberPath, UpdateNumberCommand } from './number.dto';

@Injectable()
export class NumbersService {
  constructor(
    private readonly applications: ApplicationRepository,
    private readonly accounts: AccountAdminRepository,
  ) {}

  async list(caller: Caller, query: NumberListQuery, page: Page): Promise<{ numbers: AccountNumber[]; total: number }> {
    const subaccount = query.filters.subaccount;
    if (subaccount !== undefined && (caller.isSubaccount || !(await this.accounts.isSubaccountOf(subaccount, caller.authId)))) {
      throw ApiError.invalid('subaccount', 'is not a subaccount of this account');
    }
    if (query.matchesNothing) return { numbers: [], total: 0 };
    return this.applications.listNumbers(viewerOf(caller), query.filters, page.limit, page.offset);
  }

  /** Another account's number is as unknown as a missing one. */
  async get(caller: Caller, rawNumber: string): Promise<AccountNumber> {
    const number = parseNumberPath(rawNumber);
    const found = number ? await this.applications.findVisibleNumber(viewerOf(caller), number) : null;
    if (!found) throw ApiError.notFound('number');
    return found;
  }

  /**
   * `subaccount` moves a main account's number to one of its subaccounts (or back);
   * `app_id` must name an application of the account that owns the number afterwards.
   */
  async update(caller: Caller, rawNumber: string, command: UpdateNumberCommand): Promise<void> {
    const number = await this.get(caller, rawNumber);
    let owner = number.accountId;
    if (command.subaccount !== undefined && command.subaccount !== owner) {
      const allowed = !caller.isSubaccount && (command.subaccount === caller.authId || (await this.accounts.isSubaccountOf(command.subaccount, caller.authId)));
      if (!allowed) throw ApiError.invalid('subaccount', 'is not this account or one of its subaccounts');
      owner = command.subaccount;
    }
    if (command.appId) {
      const app = await this.applications.findVisible(viewerOf(caller), command.appId);
      if (!app) throw ApiError.notFound('application');
      if (app.accountId !== owner) throw ApiError.invalid('app_id', `the application belongs to another account than the number (${owner})`);
    }
    await this.applications.updateNumber(number.number, {
      ...(command.appId !== undefined ? { appId: command.appId } : {}),
      ...(owner !== number.accountId ? { accountId: owner } : {}),
      ...(command.alias !== undefined ? { alias: command.alias } : {}),
    });
  }
}
