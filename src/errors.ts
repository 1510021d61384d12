/**
 * The error catalogue. Every error Meridian raises on purpose has a stable code here
 * (`MERIDIAN_ERR_<KIND>`), with the HTTP status the admin API will answer it with. DNS-level
 * failures are response codes, not errors: see docs/pipeline.md. Lower layers throw or return MeridianError; only the top
 * layer (transport, CLI, admin API) logs. docs/errors.md documents every code; a test keeps the
 * two in step.
 */
export const ERRORS = {
  NAME_INVALID: { http: 400, text: 'A domain name is malformed (empty label, too long, not absolute).' },
  ZONE_INVALID: { http: 400, text: 'A zone file failed to parse or validate; details list file, line and field.' },
  ZONE_CONFLICT: { http: 409, text: 'Two zone files define the same origin.' },
  RDATA_INVALID: { http: 400, text: 'Record data does not fit its type (bad address, missing field, value out of range).' },
  MASTERFILE_INVALID: { http: 400, text: 'An RFC 1035 master file given to `meridian import` could not be parsed.' },
  CONFIG_INVALID: { http: 400, text: 'A server flag or environment variable has an invalid value.' },
  LISTEN_FAILED: { http: 500, text: 'A listen address could not be bound (in use, not local, no permission).' },
  REQUEST_INVALID: { http: 400, text: 'An admin API request is malformed: a parameter or body field has the wrong type or value; `problems` names each field.' },
  NOT_FOUND: { http: 404, text: 'The zone, pool, member or RRset named in an admin API request does not exist.' },
  ALREADY_EXISTS: { http: 409, text: 'An admin API request would create something that exists already (a member name taken in the pool).' },
  EDIT_CONFLICT: { http: 409, text: 'The zone changed since the ETag given in If-Match: read it again and retry.' },
  UNAUTHORIZED: { http: 401, text: 'An admin API request came without a valid `Authorization: Bearer` token.' },
  FORBIDDEN: { http: 403, text: 'A read-only admin token was used for a change.' },
  STORE_FAILED: { http: 500, text: 'A change could not be written to the zone store (disk full, permissions); nothing was applied.' },
  STORE_UNAVAILABLE: { http: 503, text: 'The shared store (etcd) cannot be reached: DNS keeps answering from the last state seen, admin changes are refused until it is back.' },
  INTERNAL: { http: 500, text: 'An admin API request failed unexpectedly (a bug); the server log has the error, the response says nothing more.' },
} as const satisfies Record<string, { http: number; text: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface Problem {
  /** file the problem was found in, when it came from a file */
  file?: string;
  /** 1-based line and column, when known */
  line?: number;
  column?: number;
  /** path of the offending field, e.g. "records[3].data" */
  field?: string;
  message: string;
}

export class MeridianError extends Error {
  readonly code: `MERIDIAN_ERR_${ErrorCode}`;
  readonly kind: ErrorCode;
  readonly problems: Problem[];
  constructor(kind: ErrorCode, message: string, problems: Problem[] = []) {
    super(message);
    this.name = 'MeridianError';
    this.kind = kind;
    this.code = `MERIDIAN_ERR_${kind}`;
    this.problems = problems;
  }
  get httpStatus(): number {
    return ERRORS[this.kind].http;
  }
}

/** "zones/a.yaml:12:5 records[3].data: not an IPv4 address" */
export function formatProblem(p: Problem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
  const field = p.field ? `${p.field}: ` : '';
  return `${where ? where + ' ' : ''}${field}${p.message}`;
}
