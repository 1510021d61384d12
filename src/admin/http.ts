/**
 * What every route shares: the Fastify type augmentation (the service decorator and the caller on
 * the request), If-Match parsing, ETag headers and the write options handed to the service.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MeridianError } from '../errors.js';
import type { AdminService, Caller, WriteOptions } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** the admin service every route talks to */
    meridian: AdminService;
  }
  interface FastifyRequest {
    /** who sent the request: set by the auth hook on /api routes */
    caller: Caller | null;
  }
}

/**
 * The ETag in an If-Match header, without W/ and quotes; "*" (the zone must exist) as is.
 * A list of several ETags is refused: a write is checked against one version.
 */
export function parseIfMatch(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const text = (Array.isArray(header) ? header.join(',') : header).trim();
  if (text === '') return undefined;
  if (text === '*') return '*';
  const tags = text.split(',').map((t) => t.trim()).filter(Boolean);
  if (tags.length !== 1) {
    throw new MeridianError('REQUEST_INVALID', 'If-Match: give exactly one ETag', [
      { field: 'headers.if-match', message: 'must be one ETag ("<etag>") or *' },
    ]);
  }
  return tags[0].replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

export function writeOptions(request: FastifyRequest): WriteOptions {
  if (!request.caller) throw new MeridianError('UNAUTHORIZED', 'no caller: the request was not authenticated');
  return { caller: request.caller, ifMatch: parseIfMatch(request.headers['if-match']) };
}

/** Set the ETag header of a zone version: `"<etag>"`. */
export function setEtag(reply: FastifyReply, etag: string): void {
  void reply.header('etag', `"${etag}"`);
}
