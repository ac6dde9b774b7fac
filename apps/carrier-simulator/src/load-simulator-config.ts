// Validates the environment and the CARRIER_PROFILES document together, so every problem is told at once.
import { ConfigError, loadConfig } from '@sluice/config';
import { parseProfilesDocument } from './carrier-profiles';
import { SimulatorConfig, simulatorEnv } from './simulator.config';

export const APP_NAME = 'carrier-simulator';

/**
 * loadConfig for the simulator's variables, plus CARRIER_PROFILES checked field by field
 * (`CARRIER_PROFILES: carriers.att.throttle[0].limit must be ...`) rather than echoed whole.
 */
export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const problems: string[] = [];
  let config: SimulatorConfig | undefined;
  try {
    config = loadConfig(APP_NAME, simulatorEnv, env);
  } catch (error: unknown) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const profiles = parseProfilesDocument(env['CARRIER_PROFILES']);
  if (!profiles.ok) problems.push(...profiles.problems.map((problem) => `CARRIER_PROFILES: ${problem}`));
  if (problems.length > 0 || !config) throw new ConfigError(APP_NAME, problems);
  return config;
}
