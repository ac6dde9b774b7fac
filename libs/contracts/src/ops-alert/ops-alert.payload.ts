// An operator alert: a fraud or traffic control noticed something about an account.

export const OpsAlertKind = {
  /** A country's messages-per-hour threshold was passed (geo permissions, action alert or block). */
  CountryThreshold: 'country_threshold',
  /** The account's monthly spend reached 80 % or 100 % of its limit. */
  SpendLimit: 'spend_limit',
  /** The send rate is at least k times the account's trailing baseline. */
  RateSpike: 'rate_spike',
  /** A burst of traffic to a country or prefix the account has not sent to before. */
  NewDestination: 'new_destination',
  /** Many distinct destinations with short OTP-like texts (SMS pumping). */
  SmsPumping: 'sms_pumping',
} as const;
export type OpsAlertKind = (typeof OpsAlertKind)[keyof typeof OpsAlertKind];

export interface OpsAlertPayload {
  /** Unique per alert: receivers use it to drop repeats. */
  readonly alertId: string;
  readonly kind: OpsAlertKind;
  /** Auth id of the (sub)account the alert is about (the topic key). */
  readonly accountId: string;
  /** Epoch milliseconds when the condition was detected. */
  readonly detectedAt: number;
  /** One sentence for a person; never message text or a whole phone number. */
  readonly summary: string;
  /** Figures behind the detection (rates, thresholds, country, percent of limit...). */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}
