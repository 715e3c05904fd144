/**
 * Errors a domain service raises on purpose. The HTTP layer maps each to its status and the
 * JSON body `{"error": {"code", "message", "details"}}`; anything else is a 500 whose details
 * stay in the log.
 */
export type ErrorDetail = { field?: string; row?: number; message: string };

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: unknown) =>
  new AppError(404, 'not_found', `${what} ${String(id)} not found`);
export const conflict = (message: string, details: ErrorDetail[] = []) =>
  new AppError(409, 'conflict', message, details);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const badRequest = (message: string, details: ErrorDetail[] = []) =>
  new AppError(400, 'validation_failed', message, details);
export const unprocessable = (message: string, details: ErrorDetail[] = []) =>
  new AppError(422, 'unprocessable', message, details);

/** PostgreSQL unique_violation, raised by a concurrent insert the pre-check could not see. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
