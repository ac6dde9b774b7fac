// The gateway's Redis clients for checks on the request path: a command fails at once while Redis
// is unreachable (no offline queue, no retries) or slower than `commandTimeoutMs`, and the client
// reconnects in the background, so a Redis outage degrades a check instead of holding requests.
import Redis from 'ioredis';

export function failFastRedis(url: string, connectionName: string, commandTimeoutMs: number, onError: (error: Error) => void): Redis {
  const redis = new Redis(url, {
    connectionName,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
  });
  redis.on('error', onError);
  return redis;
}
