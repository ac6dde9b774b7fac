// The opt-out list of an account for operators: read it, add a pair, remove a pair.
import { Injectable } from '@nestjs/common';
import type { z } from '@sluice/config';
import { AccountAdminRepository, OptOutEntry, OptOutRepository, OptOutSource } from '@sluice/persistence';
import { ApiError } from '../errors/api-error';
import { page } from './admin.views';
import type { listOptOutsSchema, optOutEntrySchema } from './opt-outs.admin.dto';

export const optOutView = (e: OptOutEntry) => ({
  account_id: e.rootAccountId,
  sender: e.sender,
  recipient: e.recipient,
  source: e.source,
  created_at: e.createdAt.toISOString(),
});

/**
 * The list belongs to a main account: its subaccounts' numbers share it, so an account id
 * of a subaccount stands for its main account's list.
 */
@Injectable()
export class OptOutsAdminService {
  constructor(
    private readonly accounts: AccountAdminRepository,
    private readonly optOuts: OptOutRepository,
  ) {}

  async list(query: z.output<typeof listOptOutsSchema>) {
    const root = await this.rootOf(query.account_id);
    const { entries, total } = await this.optOuts.list(root, { sender: query.sender, recipient: query.recipient }, query.limit, query.offset);
    return page(entries.map(optOutView), total, query.limit, query.offset);
  }

  async add(entry: z.output<typeof optOutEntrySchema>) {
    await this.rootOf(entry.account_id);
    const root = await this.optOuts.rootOwning(entry.account_id, entry.sender);
    if (!root) throw ApiError.invalid('sender', 'is not a number of this account or of its main account and subaccounts');
    return optOutView(await this.optOuts.add(root, entry.sender, entry.recipient, OptOutSource.Admin));
  }

  async remove(entry: z.output<typeof optOutEntrySchema>): Promise<void> {
    const root = await this.rootOf(entry.account_id);
    if (!(await this.optOuts.remove(root, entry.sender, entry.recipient))) throw ApiError.notFound('opt-out entry');
  }

  private async rootOf(authId: string): Promise<string> {
    const account = await this.accounts.get(authId);
    if (!account) throw ApiError.invalid('account_id', 'no such account');
    return account.parentAuthId ?? account.authId;
  }
}
