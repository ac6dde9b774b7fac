// HTTP view of what the simulator received, for tests and the load-tester to assert pacing, loss and duplicates.
import { Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CarrierBehaviour } from './carrier-behaviour';
import { DuplicateReport, Submission, SubmissionCount, SubmissionStore } from './submission.store';
import { parseCountQuery, parseDuplicatesQuery, parseListQuery } from './submissions.query';

@Controller('simulator')
export class SubmissionsController {
  constructor(
    private readonly store: SubmissionStore,
    private readonly behaviour: CarrierBehaviour,
  ) {}

  /** Matching submissions, oldest first; `X-Total-Count` says how many matched before the limit. */
  @Get('submissions')
  list(@Query() query: unknown, @Res({ passthrough: true }) reply: FastifyReply): Submission[] {
    const { filter, limit } = parseListQuery(query);
    const { total, items } = this.store.list(filter, limit);
    reply.header('X-Total-Count', String(total));
    return items;
  }

  @Get('submissions/count')
  count(@Query() query: unknown): SubmissionCount {
    const { filter, windowMs } = parseCountQuery(query);
    return this.store.count(filter, windowMs);
  }

  @Get('duplicates')
  duplicates(@Query() query: unknown): DuplicateReport {
    return this.store.duplicates(parseDuplicatesQuery(query).limit);
  }

  /** Forgets every submission and starts the carriers' ordinals and throughput windows afresh (profiles stay). */
  @Post('reset')
  @HttpCode(204)
  reset(): void {
    this.store.clear();
    this.behaviour.reset();
  }
}
