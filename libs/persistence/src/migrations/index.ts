import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { CarrierRoutingAndDailyUsage1763850000000 } from './1763850000000-carrier-routing-and-daily-usage';
import { MessageParts1764100000000 } from './1764100000000-message-parts';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1763800000000, CarrierRoutingAndDailyUsage1763850000000, MessageParts1764100000000];
