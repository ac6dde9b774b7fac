// Routes kafkajs log entries to pino, without payloads.
import { logLevel, LogEntry } from 'kafkajs';
import pino from 'pino';

const logger = pino({ base: { component: 'kafkajs' } });

export const kafkaLogCreator = () => ({ level, log }: LogEntry) => {
  const { message, ...extra } = log;
  const fields = { broker: extra['broker'], groupId: extra['groupId'], error: extra['error'] };
  if (level === logLevel.ERROR) logger.error(fields, message);
  else if (level === logLevel.WARN) logger.warn(fields, message);
  else logger.debug(fields, message);
};
