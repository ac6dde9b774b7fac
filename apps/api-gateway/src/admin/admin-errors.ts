// Postgres constraint violations from admin writes, turned into the 400 / 409 the operator can act on.
import { ApiError } from '../errors/api-error';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Runs a write; a foreign-key or unique violation becomes an ApiError naming the field. */
export async function explainConstraints<T>(write: () => Promise<T>, fields: Readonly<Record<string, string>> = {}): Promise<T> {
  try {
    return await write();
  } catch (error: unknown) {
    const pg = ((error as { driverError?: PgError }).driverError ?? error) as PgError;
    if (pg.code === '23503') {
      // A referenced row is missing (insert/update) or still referenced (delete).
      const field = Object.entries(fields).find(([constraint]) => pg.constraint?.includes(constraint))?.[1];
      if (field) throw ApiError.invalid(field, 'refers to something that does not exist');
      throw new ApiError('Conflict', 'still in use by other records; remove those first');
    }
    if (pg.code === '23505') throw new ApiError('Conflict', 'already exists');
    if (pg.code === '23514') throw new ApiError('InvalidParameter', `rejected by a database check (${pg.constraint ?? 'constraint'})`);
    throw error;
  }
}
