import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { CarrierRoutingAndDailyUsage1763850000000 } from './1763850000000-carrier-routing-and-daily-usage';
import { MessageParts1764100000000 } from './1764100000000-message-parts';
import { CallbackDelivery1764000000000 } from './1764000000000-callback-delivery';
import { Gateway1763900000000 } from './1763900000000-gateway';
import { EarlyReceipts1764200000000 } from './1764200000000-early-receipts';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1763800000000, CarrierRoutingAndDailyUsage1763850000000, CallbackDelivery1764000000000, Gateway1763900000000, MessageParts1764100000000, EarlyReceipts1764200000000];
