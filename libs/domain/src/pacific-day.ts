// The US Pacific day (America/Los_Angeles, DST-aware) that T-Mobile's daily caps count in.

const ZONE = 'America/Los_Angeles';
const HOUR_MS = 3_600_000;

const formatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

export interface PacificDay {
  /** `YYYY-MM-DD` of the Pacific calendar day. */
  readonly day: string;
  /** Epoch ms of the Pacific midnight that starts the day. */
  readonly start: number;
  /** Epoch ms of the next Pacific midnight (23, 24 or 25 hours after `start`). */
  readonly end: number;
}

function parts(epochMs: number): { day: string; msIntoDay: number } {
  const p = Object.fromEntries(formatter.formatToParts(new Date(epochMs)).map((x) => [x.type, x.value]));
  const msIntoDay = ((Number(p['hour']) * 60 + Number(p['minute'])) * 60 + Number(p['second'])) * 1000 + (epochMs % 1000 + 1000) % 1000;
  return { day: `${p['year']}-${p['month']}-${p['day']}`, msIntoDay };
}

/** The Pacific midnight at or before `epochMs` (local wall-clock 00:00, which DST never skips in this zone). */
function midnightBefore(epochMs: number): number {
  const { day, msIntoDay } = parts(epochMs);
  let guess = epochMs - msIntoDay;
  // If a DST change happened since midnight, the wall clock moved by an hour: correct for it.
  for (const shift of [0, HOUR_MS, -HOUR_MS]) {
    const candidate = guess + shift;
    const at = parts(candidate);
    if (at.day === day && at.msIntoDay === 0) return candidate;
  }
  guess -= parts(guess).msIntoDay;
  return guess;
}

/**
 * The days computed last, newest first: nearly every call falls in one of them (a booking
 * asks for today and tomorrow), and formatting a date is slow (several ICU calls each).
 */
const recentDays: PacificDay[] = [];
const RECENT_DAYS = 4;

export function pacificDay(epochMs: number): PacificDay {
  const known = recentDays.find((d) => epochMs >= d.start && epochMs < d.end);
  if (known) return known;
  const computed = computePacificDay(epochMs);
  recentDays.unshift(computed);
  if (recentDays.length > RECENT_DAYS) recentDays.pop();
  return computed;
}

/** `pacificDay` without the one-day cache. */
export function computePacificDay(epochMs: number): PacificDay {
  const start = midnightBefore(epochMs);
  const end = midnightBefore(start + 26 * HOUR_MS);
  return { day: parts(epochMs).day, start, end };
}
