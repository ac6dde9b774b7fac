// Run-time control of the carrier profiles, for tests: read them, replace one layer, put them back.
import { BadRequestException, Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Put } from '@nestjs/common';
import { CarrierBehaviour, ProfilesView, ProfileTarget } from './carrier-behaviour';
import { CarrierProfile, DEFAULT_PROFILE, parseProfileOverride } from './carrier-profiles';
import { CARRIERS, isCarrierId } from './carriers';

const TARGETS = [DEFAULT_PROFILE, ...Object.keys(CARRIERS)];

@Controller('simulator/profiles')
export class ProfilesController {
  constructor(private readonly behaviour: CarrierBehaviour) {}

  /** The seed, the effective default and per-carrier profiles, and the overrides in force. */
  @Get()
  list(): ProfilesView {
    return this.behaviour.view();
  }

  /** Replaces the carrier's override (or the default layer) with the body; answers the effective profile. */
  @Put(':carrier')
  replace(@Param('carrier') carrier: string, @Body() body: unknown): CarrierProfile {
    const target = targetOf(carrier);
    const parsed = parseProfileOverride(body);
    if (!parsed.ok) throw new BadRequestException({ error: parsed.problems.join('; ') });
    this.behaviour.setOverride(target, parsed.value);
    return this.profileOf(target);
  }

  /** Back to what CARRIER_PROFILES said at start-up, for one layer or for all. */
  @Delete(':carrier')
  restore(@Param('carrier') carrier: string): CarrierProfile {
    const target = targetOf(carrier);
    this.behaviour.restore(target);
    return this.profileOf(target);
  }

  @Delete()
  @HttpCode(204)
  restoreAll(): void {
    this.behaviour.restore();
  }

  private profileOf(target: ProfileTarget): CarrierProfile {
    return target === DEFAULT_PROFILE ? this.behaviour.defaultProfile() : this.behaviour.profile(target);
  }
}

function targetOf(carrier: string): ProfileTarget {
  if (carrier === DEFAULT_PROFILE || isCarrierId(carrier)) return carrier;
  throw new NotFoundException({ error: `no profile named ${carrier} (known: ${TARGETS.join(', ')})` });
}
