// MDR export: every message a viewer may see that matches the list filters, streamed as CSV.
import { Inject, Injectable, Logger, StreamableFile } from '@nestjs/common';
import { AccountAdminRepository, MessageListFilters, MessageQueryRepository, MessageViewer } from '@sluice/persistence';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { ApiError } from '../errors/api-error';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { MdrCsvEncoder } from './mdr-csv';
import { MessagesService } from './messages.service';

@Injectable()
export class MessageExportService {
  private readonly logger = new Logger(MessageExportService.name);
  /** Exports holding a database connection on this replica. */
  private running = 0;

  constructor(
    private readonly messages: MessagesService,
    private readonly query: MessageQueryRepository,
    private readonly accounts: AccountAdminRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** For an operator: the account's export as the account itself would get it. */
  async exportForAccount(authId: string, filters: MessageListFilters): Promise<StreamableFile> {
    const account = await this.accounts.get(authId);
    if (!account) throw ApiError.notFound('account');
    return this.export({ authId: account.authId, isSubaccount: account.parentAuthId !== null }, filters);
  }

  /**
   * The CSV stream; it reads the cursor only as fast as the client takes the bytes, and a
   * client that goes away destroys it, which closes the cursor and frees the connection.
   */
  async export(viewer: MessageViewer, filters: MessageListFilters): Promise<StreamableFile> {
    await this.messages.checkSubaccountFilter(viewer, filters);
    if (this.running >= this.config.EXPORT_CONCURRENCY) {
      throw new ApiError('TooManyRequests', `${this.config.EXPORT_CONCURRENCY} exports are already running; try again when one has finished`, { 'Retry-After': '30' });
    }
    this.running += 1;
    let rows: Readable;
    try {
      rows = await this.query.stream(viewer, filters);
    } catch (error: unknown) {
      this.running -= 1;
      throw error;
    }
    // The slot is the connection: it is given back when the cursor's stream has closed.
    rows.once('close', () => (this.running -= 1));
    const csv = new MdrCsvEncoder();
    pipeline(rows, csv, (error) => {
      // A client that hangs up early is no fault; a database error cuts the body short (the client sees an incomplete transfer).
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') {
        this.logger.warn(`MDR export for ${viewer.authId} stopped: ${error.message}`);
      }
    });
    const stamp = new Date().toISOString().replace(/[-:]|\.\d+/g, '');
    return new StreamableFile(csv, { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="mdr-${viewer.authId}-${stamp}.csv"` });
  }
}
