/**
 * Every error the admin API answers has one body shape:
 *
 *     { statusCode, code: "MERIDIAN_ERR_…", error: "Bad Request", message, problems: [{ field?, message, line?, column? }] }
 *
 * MeridianError → its catalogue status; schema validation failures → 400 REQUEST_INVALID naming
 * each failing field as a path ("body.pools.web.members[0].address"); Fastify's own client errors
 * (malformed JSON, wrong content type, body too large) keep their 4xx status with code
 * REQUEST_INVALID; anything else is a 500 with a generic message, logged with the error.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorObject } from 'ajv';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { MeridianError, type ErrorCode, type Problem } from '../errors.js';

export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
  problems: Problem[];
}

export function errorBody(status: number, kind: ErrorCode, message: string, problems: Problem[] = []): ErrorBody {
  return { statusCode: status, code: `MERIDIAN_ERR_${kind}`, error: STATUS_CODES[status] ?? 'Error', message, problems };
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

/** "body" + ["pools", "web", "members", 0, "address"] → "body.pools.web.members[0].address" */
export function fieldPath(part: string, path: ReadonlyArray<string | number>): string {
  let out = part;
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Ajv's JSON pointer → path segments; a segment is an index only where the data holds a list. */
function pathOf(pointer: string, data: unknown): Array<string | number> {
  const path: Array<string | number> = [];
  let node: unknown = data;
  if (!pointer) return path;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = Array.isArray(node) && /^\d+$/.test(seg);
    path.push(index ? Number(seg) : seg);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  }
  return path;
}

function describe(e: ErrorObject): string {
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  if (typeof schema.errorMessage === 'string' && e.keyword !== 'required' && e.keyword !== 'additionalProperties') {
    return schema.errorMessage;
  }
  const json = e.data === undefined ? undefined : JSON.stringify(e.data);
  // a value shown in a message stays short, whatever was sent
  const shown = json !== undefined && json.length > 60 ? `${json.slice(0, 57)}...` : json;
  switch (e.keyword) {
    case 'type': {
      const types = ([] as unknown[]).concat(e.params.type).map((t) => TYPE_WORDS[String(t)] ?? String(t));
      return `${shown ?? 'value'} is not ${types.join(' or ')}`;
    }
    case 'minimum':
    case 'maximum':
      return `${shown} is out of range (${String(schema.minimum ?? '')}..${String(schema.maximum ?? '')})`;
    case 'enum':
      return `${shown ?? 'value'} is not one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'minItems':
      return e.params.limit === 1 ? 'must not be empty' : `must list at least ${String(e.params.limit)} items`;
    case 'minLength':
      return e.params.limit === 1 ? 'must not be empty' : `must be at least ${String(e.params.limit)} characters`;
    case 'minProperties':
      return `must set at least ${String(e.params.limit)} key(s)`;
    case 'pattern':
      return `${shown} does not match ${String(e.params.pattern)}`;
    default:
      return e.message ?? 'is invalid';
  }
}

/** One problem per failing field; inside a failed anyOf only the anyOf's own message is kept. */
export function validationProblems(part: string, errors: ErrorObject[], data: unknown): Problem[] {
  const anyOf = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const e of errors) {
    if (anyOf.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
    const path = pathOf(e.instancePath, data);
    let p: Problem;
    if (e.keyword === 'required') {
      p = { field: fieldPath(part, [...path, e.params.missingProperty as string]), message: 'missing (required)' };
    } else if (e.keyword === 'additionalProperties') {
      p = { field: fieldPath(part, [...path, e.params.additionalProperty as string]), message: 'unknown key' };
    } else if (path.length === 0 && data == null) {
      p = { field: part, message: `missing: a JSON ${part} is required` };
    } else {
      p = { field: fieldPath(part, path), message: describe(e) };
    }
    const id = `${p.field}\u0000${p.message}`;
    if (!seen.has(id)) out.push(p);
    seen.add(id);
  }
  return out;
}

/** Problems as the API shows them: the field, message and position, never a server file path. */
function publicProblems(problems: Problem[]): Problem[] {
  return problems.map(({ field, message, line, column }) => ({ field, message, line, column }));
}

type RequestPart = 'body' | 'params' | 'querystring' | 'headers';

export function adminErrorHandler(error: FastifyError | MeridianError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let body: ErrorBody;
  if (error instanceof MeridianError) {
    body = errorBody(error.httpStatus, error.kind, error.message, publicProblems(error.problems));
    if (error.httpStatus >= 500) request.log.error({ err: error }, `admin: ${error.message}`);
  } else if ('validation' in error && Array.isArray(error.validation)) {
    const part = ((error as FastifyError).validationContext ?? 'body') as RequestPart;
    const data = (request as unknown as Record<RequestPart, unknown>)[part];
    const problems = validationProblems(part, error.validation as ErrorObject[], data);
    const summary = problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ');
    body = errorBody(400, 'REQUEST_INVALID', `invalid request: ${summary}`, problems);
  } else {
    const status = (error as FastifyError).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Fastify's client errors: malformed JSON (400), wrong content type (415), body too large (413)…
      body = errorBody(status, 'REQUEST_INVALID', error.message);
    } else {
      request.log.error({ err: error }, 'admin: unexpected error');
      body = errorBody(500, 'INTERNAL', 'internal error: see the server log');
    }
  }
  void reply.code(body.statusCode).type('application/json; charset=utf-8').send(body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply.code(404).send(errorBody(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
}
