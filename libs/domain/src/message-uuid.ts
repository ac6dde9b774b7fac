// The uuid a message is known by, outbound and inbound alike.
import { v7 } from 'uuid';

/**
 * A new message's uuid: UUID version 7 (RFC 9562). Its first 48 bits are the time of its
 * creation in ms, and the uuids made by one process within the same ms still increase, so a
 * message's key lands at the end of every index keyed by it (`messages`, its statuses, parts
 * and callback attempts) instead of at a random page of it. The remaining 74 bits are random:
 * a uuid cannot be guessed from another. Clients see a uuid like any other.
 */
export function newMessageUuid(): string {
  return v7();
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid in its canonical text form (any version, either case): what the API takes as a message's or a powerpack's uuid. */
export function isUuid(text: string): boolean {
  return CANONICAL_UUID.test(text);
}
