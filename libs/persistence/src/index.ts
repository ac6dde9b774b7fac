export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './repositories/message.repository';
export * from './repositories/account.repository';
export * from './database.module';
export * from './repositories/message-part.repository';
