// Provides the initialised DataSource and the repositories to an app.
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@sluice/observability';
import { DataSource } from 'typeorm';
import { DEFAULT_DATABASE_POOL_SIZE } from '@sluice/config';
import { createDataSource, DatabaseOptions, openPool } from './data-source';
import { AccountRepository } from './repositories/account.repository';
import { MessagePartRepository } from './repositories/message-part.repository';
import { MessageRepository } from './repositories/message.repository';

@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [
        {
          provide: DataSource,
          inject: [ReadinessRegistry],
          useFactory: async (readiness: ReadinessRegistry) => {
            const dataSource = await createDataSource(options).initialize();
            await openPool(dataSource, options.poolSize ?? DEFAULT_DATABASE_POOL_SIZE);
            readiness.register('postgres', async () => {
              await dataSource.query('SELECT 1');
            });
            return dataSource;
          },
        },
        { provide: MessageRepository, inject: [DataSource], useFactory: (ds: DataSource) => new MessageRepository(ds) },
        { provide: AccountRepository, inject: [DataSource], useFactory: (ds: DataSource) => new AccountRepository(ds) },
        { provide: MessagePartRepository, inject: [DataSource], useFactory: (ds: DataSource) => new MessagePartRepository(ds) },
      ],
      exports: [DataSource, MessageRepository, AccountRepository, MessagePartRepository],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
