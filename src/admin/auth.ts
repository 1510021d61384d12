/**
 * Bearer token authentication for every `/api/` route: an `onRequest` hook registered in the
 * `/api` plugin (so `/healthz`, `/metrics` and `/docs` stay open). The caller found is put on the
 * request (`request.caller`) for the service's audit log. Read-only tokens may only read.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MeridianError } from '../errors.js';
import type { TokenSet } from './tokens.js';

export const REALM = 'meridian';
const READ_METHODS = new Set(['GET', 'HEAD']);
const BEARER = /^Bearer[ \t]+([^\s]+)[ \t]*$/i;

/** The token in an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  return BEARER.exec(header)?.[1] ?? null;
}

export function authHook(tokens: TokenSet) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const presented = bearerToken(request.headers.authorization);
    const caller = presented === null ? null : tokens.authenticate(presented);
    if (!caller) {
      const why = presented === null ? 'missing Authorization: Bearer token' : 'invalid token';
      void reply.header('www-authenticate', `Bearer realm="${REALM}"${presented === null ? '' : ', error="invalid_token"'}`);
      throw new MeridianError('UNAUTHORIZED', why);
    }
    request.caller = caller;
    if (caller.readOnly && !READ_METHODS.has(request.method)) {
      throw new MeridianError('FORBIDDEN', `token "${caller.name}" is read-only: ${request.method} is not allowed`);
    }
  };
}
