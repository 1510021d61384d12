/**
 * Where zone documents persist. The store is dumb on purpose (ROADMAP): it keeps texts under
 * their origin, gives each version a revision, and refuses a write whose expected revision is not
 * the current one. Validation, serial bumps, ETags and the audit log live above it, in the admin
 * service. Files today (file-store.ts); etcd, with its mod revisions, implements the same interface.
 */

export interface StoredZone {
  /** absolute origin, e.g. "lb.example.test." */
  origin: string;
  text: string;
  /** opaque version tag: changes whenever the text does */
  revision: string;
  /** where it lives, for messages (a file path) */
  location: string;
}

/**
 * `expected` on writes: a revision (write only if the stored text still has it), `null` (write
 * only if the zone does not exist yet) or `undefined` (write whatever is there).
 */
export type Expected = string | null | undefined;

export interface ZoneStore {
  read(origin: string): Promise<StoredZone | undefined>;
  /** where a zone that does not exist yet would be kept (file-backed stores: its path; zone files name their problems by it) */
  locate(origin: string): string;
  /** Durable once it resolves. Throws EDIT_CONFLICT when `expected` does not hold, STORE_FAILED when it cannot write. */
  write(origin: string, text: string, expected: Expected): Promise<StoredZone>;
  /** Throws NOT_FOUND when absent, EDIT_CONFLICT when `expected` does not hold. */
  remove(origin: string, expected: Expected): Promise<void>;
}
