// Lua scripts run by their digest: ioredis's defineCommand sends EVALSHA, and the body only when
// Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH). Sent with EVAL, a script's whole text
// travels on every call and Redis hashes it again to find its compiled form.
//
// Define a connection's scripts before its first command (in constructors): ioredis copies them
// into each pipeline as it creates it, and with auto-pipelining a pipeline opened earlier in the
// same tick would not have a script defined after it.
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

export type LuaArg = string | number | Buffer;
/** Runs the script: the number of keys, the keys, then the arguments (as EVAL takes them). */
export type LuaScript = (numKeys: number, ...args: LuaArg[]) => Promise<unknown>;

/** ioredis adds each defined command as a method of the connection under its name. */
type WithCommands = Record<string, (...args: LuaArg[]) => Promise<unknown>>;

const defined = new WeakMap<Redis, Map<string, LuaScript>>();

/** The script on this connection, defined on the first call for it (the number of keys is given per call). */
export function luaScript(redis: Redis, lua: string): LuaScript {
  let scripts = defined.get(redis);
  if (!scripts) {
    scripts = new Map();
    defined.set(redis, scripts);
  }
  const known = scripts.get(lua);
  if (known) return known;
  const name = `sluice_${createHash('sha1').update(lua).digest('hex')}`;
  redis.defineCommand(name, { lua });
  const command = (redis as unknown as WithCommands)[name];
  if (!command) throw new Error(`ioredis did not define the script command ${name}`);
  const script: LuaScript = (numKeys, ...args) => command.call(redis, numKeys, ...args);
  scripts.set(lua, script);
  return script;
}
