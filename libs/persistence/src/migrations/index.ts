import { InitialSchema1763800000000 } from './1763800000000-initial-schema';
import { CarrierRoutingAndDailyUsage1763850000000 } from './1763850000000-carrier-routing-and-daily-usage';
import { MessageParts1764100000000 } from './1764100000000-message-parts';
import { CallbackDelivery1764000000000 } from './1764000000000-callback-delivery';
import { Gateway1763900000000 } from './1763900000000-gateway';
import { EarlyReceipts1764200000000 } from './1764200000000-early-receipts';
import { DailyCapCodesAndContentKeys1764290000000 } from './1764290000000-daily-cap-codes-and-content-keys';
import { Inbound1764400000000 } from './1764400000000-inbound';
import { InboundPartsAndPrices1764400000001 } from './1764400000001-inbound-parts-and-prices';
import { InboundDelivery1764400000002 } from './1764400000002-inbound-delivery';
import { DropMessageCarrierIdIndex1764400000003 } from './1764400000003-drop-message-carrier-id-index';
import { DropMessageChildForeignKeys1764400000004 } from './1764400000004-drop-message-child-foreign-keys';
import { ReceiptsInOneCall1764400000006 } from './1764400000006-receipts-in-one-call';
import { DropMessageAccountForeignKey1764400000007 } from './1764400000007-drop-message-account-foreign-key';
import { ReceiptFunctionGenericPlans1764400000008 } from './1764400000008-receipt-function-generic-plans';
import { StatisticsForFilteredColumns1764400000009 } from './1764400000009-statistics-for-filtered-columns';
import { StatusOutbox1764400000010 } from './1764400000010-status-outbox';
import { StatusEventsKeyedByMessage1764400000005 } from './1764400000005-status-events-keyed-by-message';
import { FraudControls1764300000000 } from './1764300000000-fraud-controls';
import { OpsAlerts1764310000000 } from './1764310000000-ops-alerts';
import { SelfHealing1764320000000 } from './1764320000000-self-healing';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1763800000000, CarrierRoutingAndDailyUsage1763850000000, CallbackDelivery1764000000000, Gateway1763900000000, MessageParts1764100000000, EarlyReceipts1764200000000, DailyCapCodesAndContentKeys1764290000000, FraudControls1764300000000, OpsAlerts1764310000000, SelfHealing1764320000000, Inbound1764400000000, InboundPartsAndPrices1764400000001, InboundDelivery1764400000002, DropMessageCarrierIdIndex1764400000003, DropMessageChildForeignKeys1764400000004, StatusEventsKeyedByMessage1764400000005, ReceiptsInOneCall1764400000006, DropMessageAccountForeignKey1764400000007, ReceiptFunctionGenericPlans1764400000008, StatisticsForFilteredColumns1764400000009, StatusOutbox1764400000010];
