// Validates an app's environment once at start-up and returns it typed.
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(
    readonly app: string,
    readonly problems: readonly string[],
  ) {
    super(`${app} cannot start: its configuration is invalid.\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with the app's schema. Every problem is reported at once, one sentence
 * per key, naming the variable, what was expected and (for non-secrets) what was given.
 */
export function loadConfig<S extends z.ZodTypeAny>(
  app: string,
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data as z.output<S>;
  const problems = result.error.issues.map((issue) => {
    const key = issue.path.join('.');
    const given = env[key];
    const shown = given === undefined ? 'it is not set' : isSecret(key, given) ? 'the value given is not valid' : `got "${given}"`;
    return `${key}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(app, problems);
}

/** A value is not echoed when its name says it is secret, or it holds secrets itself (a JSON document with a password). */
function isSecret(key: string, value: string): boolean {
  return /PASSWORD|SECRET|TOKEN|KEY|URL/i.test(key) || /password|secret|token/i.test(value);
}

/** Runs an app's bootstrap, turning a ConfigError into one readable message and exit code 78 (EX_CONFIG). */
export async function runOrExplain(bootstrap: () => Promise<void>): Promise<void> {
  try {
    await bootstrap();
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}
