import { AccountEntity } from './account.entity';
import { ApplicationEntity } from './application.entity';
import { BrandEntity } from './brand.entity';
import { CallbackAttemptEntity } from './callback-attempt.entity';
import { CarrierPrefixEntity } from './carrier-prefix.entity';
import { DailyUsageEntity } from './daily-usage.entity';
import { MessageEntity } from './message.entity';
import { OutboxEntity } from './outbox.entity';
import { PhoneNumberEntity } from './phone-number.entity';
import { RateCardEntity } from './rate-card.entity';
import { StatusEventEntity } from './status-event.entity';
import { CallbackDeliveryEntity } from './callback-delivery.entity';
import { MessageMediaEntity } from './message-media.entity';
import { PowerpackEntity } from './powerpack.entity';

export {
  AccountEntity,
  BrandEntity,
  CallbackAttemptEntity,
  CarrierPrefixEntity,
  DailyUsageEntity,
  MessageEntity,
  OutboxEntity,
  PhoneNumberEntity,
  RateCardEntity,
  StatusEventEntity,
};
export * from './phone-number.entity';

export const ENTITIES = [
  AccountEntity,
  BrandEntity,
  PhoneNumberEntity,
  MessageEntity,
  StatusEventEntity,
  CallbackAttemptEntity,
  OutboxEntity,
  RateCardEntity,
  CarrierPrefixEntity,
  DailyUsageEntity,
  CallbackDeliveryEntity,
  PowerpackEntity,
  MessageMediaEntity,
  ApplicationEntity,
];
export * from './callback-delivery.entity';
export * from './powerpack.entity';
export * from './message-media.entity';
export * from './application.entity';
export * from './rate-card.entity';
