/**
 * A zone file's YAML source: parse it with line tracking, check it against the schema, and turn
 * any path in the data (["records", 3, "data"]) back into file:line:column and a field name
 * ("records[3].data") for problems.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, isMap, isNode, isPair, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { Problem } from '../errors.js';
import { ZoneFileSchema, type ZoneFile } from './zone-schema.js';

export type Path = ReadonlyArray<string | number>;

const ajv = new Ajv({ allErrors: true, coerceTypes: true, verbose: true, allowUnionTypes: true, strict: true });
ajv.addKeyword('errorMessage');
const validate = ajv.compile<ZoneFile>(ZoneFileSchema);

/** "records[3].data", "pools.web.members[1].address", 'pools["a b"]' */
export function fieldName(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

export class ZoneSource {
  readonly lines = new LineCounter();
  readonly doc: Document;

  constructor(
    text: string,
    readonly file?: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, schema: 'failsafe', prettyErrors: false, uniqueKeys: true });
  }

  /** Line and column of an offset, both 1-based. */
  private at(offset: number): Pick<Problem, 'line' | 'column'> {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /** Position of the value at `path`, or of its nearest existing ancestor. */
  where(path: Path): Pick<Problem, 'line' | 'column'> {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return this.at(node.range[0]);
    }
    return { line: 1, column: 1 };
  }

  /** Position of the key `key` in the map at `path` (falls back to the map itself). */
  whereKey(path: Path, key: string): Pick<Problem, 'line' | 'column'> {
    const map = path.length ? this.doc.getIn(path, true) : this.doc.contents;
    if (isMap(map)) {
      const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (pair && isScalar(pair.key) && pair.key.range) return this.at(pair.key.range[0]);
    }
    return this.where(path);
  }

  /** A problem about the value at `path`. */
  problem(path: Path, message: string): Problem {
    return { file: this.file, ...this.where(path), field: fieldName(path) || undefined, message };
  }

  /** A problem about the key that ends `path` (missing value, unknown key, misplaced key). */
  keyProblem(path: Path, message: string): Problem {
    const key = path[path.length - 1];
    const pos = typeof key === 'string' ? this.whereKey(path.slice(0, -1), key) : this.where(path);
    return { file: this.file, ...pos, field: fieldName(path) || undefined, message };
  }

  /** YAML syntax errors, each with its line. */
  syntaxProblems(): Problem[] {
    return this.doc.errors.map((e) => {
      const hint = /reserved character [@`]/.test(e.message) ? ' (put the value in quotes, e.g. "@")' : '';
      return { file: this.file, ...this.at(e.pos[0]), message: `YAML: ${e.message}${hint}` };
    });
  }

  /** Parse to plain data and check it against the schema; `data` is set only when it passed. */
  check(): { data?: ZoneFile; problems: Problem[] } {
    const syntax = this.syntaxProblems();
    if (syntax.length) return { problems: syntax };
    const data: unknown = this.doc.toJS({ maxAliasCount: 1000 });
    if (data === null || data === undefined || data === '') {
      return { problems: [{ file: this.file, line: 1, column: 1, message: 'the zone file is empty' }] };
    }
    if (validate(data)) return { data, problems: [] };
    return { problems: this.schemaProblems(validate.errors ?? []) };
  }

  /** Ajv's JSON pointer "/pools/10/members/0" -> ["pools", "10", "members", 0]: indexes only in lists. */
  private pathOf(pointer: string): Array<string | number> {
    const path: Array<string | number> = [];
    if (!pointer) return path;
    for (const raw of pointer.slice(1).split('/')) {
      const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      const parent = path.length ? this.doc.getIn(path, true) : this.doc.contents;
      path.push(isSeq(parent) && /^\d+$/.test(seg) ? Number(seg) : seg);
    }
    return path;
  }

  private schemaProblems(errors: ErrorObject[]): Problem[] {
    // Inside a failed anyOf, the per-branch errors only add noise: keep the anyOf's own message.
    const anyOf = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
    const seen = new Set<string>();
    const out: Problem[] = [];
    for (const e of errors) {
      if (anyOf.some((prefix) => e.schemaPath.startsWith(prefix))) continue;
      const path = this.pathOf(e.instancePath);
      let p: Problem;
      if (e.keyword === 'required') {
        p = this.keyProblem([...path, e.params.missingProperty as string], 'missing (required)');
      } else if (e.keyword === 'additionalProperties') {
        const key = e.params.additionalProperty as string;
        p = this.keyProblem([...path, key], `unknown key${suggest(key, e.parentSchema)}`);
      } else p = this.problem(path, describe(e));
      const id = `${p.field}\u0000${p.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(p);
    }
    return out;
  }
}


const TYPE_WORDS: Record<string, string> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
};

function describe(e: ErrorObject): string {
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  if (typeof schema.errorMessage === 'string') return schema.errorMessage;
  const shown = typeof e.data === 'string' ? JSON.stringify(e.data) : undefined;
  switch (e.keyword) {
    case 'type': {
      const want = TYPE_WORDS[String(e.params.type)] ?? String(e.params.type);
      return shown ? `${shown} is not ${want}` : `must be ${want}`;
    }
    case 'minimum':
    case 'maximum':
      return `${String(e.data)} is out of range (${String(schema.minimum)}..${String(schema.maximum)})`;
    case 'enum':
      return `${shown ?? 'value'} is not one of: ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'minItems':
      return e.params.limit === 1 ? 'must not be empty' : `must list at least ${String(e.params.limit)} items`;
    case 'minLength':
      return 'must not be empty';
    default:
      return e.message ?? 'is invalid';
  }
}

/** ' (did you mean "type"?)' when an allowed key is within two edits of the unknown one. */
function suggest(key: string, parentSchema: unknown): string {
  const props = Object.keys(((parentSchema ?? {}) as { properties?: object }).properties ?? {});
  const close = props.find((p) => editDistance(p, key.toLowerCase()) <= 2);
  return close ? ` (did you mean "${close}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
