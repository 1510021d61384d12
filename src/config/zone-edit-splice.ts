/**
 * In-place edits of a YAML text. The yaml library's Document.toString() re-lays out the whole
 * file (comment alignment, multi-line flow maps, long lines), so each edit here is made as a
 * small splice of the original text at the ranges the parsed Document gives: everything outside
 * the edited bytes stays as the operator wrote it.
 *
 * Every edit is also made on a copy of the Document, and the spliced text must read back to the
 * same data. When it does not, or the layout is one the splices do not handle (an alias or a
 * block scalar `|` `>` where the edit ends, a list entry whose "-" does not start its line, a
 * key with more than a comment after its value on the line …), the copy is written out by the
 * yaml library instead: comments kept, layout normalised, `reformatted` set.
 */
import { isDeepStrictEqual } from 'node:util';
import { isAlias, isCollection, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import { asYamlStrings, blockItemText, flowText, scalarText } from './zone-edit-render.js';
import type { Path } from './zone-yaml.js';

type Splice = [start: number, end: number, text: string];

const PARSE = { schema: 'failsafe', uniqueKeys: true } as const;

function parse(text: string): Document.Parsed {
  return parseDocument(text, PARSE);
}

function keyOf(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

export function findPair(map: YAMLMap, key: string): { pair: Pair<Node, Node | null>; index: number } | undefined {
  const index = map.items.findIndex((p) => keyOf(p) === key);
  return index < 0 ? undefined : { pair: map.items[index] as Pair<Node, Node | null>, index };
}

/** Where a node's own text ends (block collections: the end of their last value, not of trailing comments). */
function contentEnd(node: Node | null | undefined): number | undefined {
  if (!node?.range || isAlias(node)) return undefined;
  if (isScalar(node)) return node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED' ? undefined : node.range[1];
  if (!isCollection(node)) return undefined;
  if (node.flow) return node.range[1];
  const last = node.items[node.items.length - 1] as Node | Pair<Node, Node | null> | undefined;
  if (last === undefined) return undefined;
  return isMap(node) ? pairEnd(last as Pair<Node, Node | null>) : contentEnd(last as Node);
}

function pairEnd(pair: Pair<Node, Node | null>): number | undefined {
  return pair.value ? contentEnd(pair.value) : contentEnd(pair.key);
}

export class YamlText {
  text: string;
  doc: Document.Parsed;
  /** an edit could not be made in place: the whole text was written out again by the yaml library */
  reformatted = false;
  private readonly eol: string;

  constructor(text: string) {
    this.text = text;
    this.doc = parse(text);
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
  }

  node(path: Path): Node | undefined {
    const n = path.length ? this.doc.getIn(path, true) : this.doc.contents;
    return (n ?? undefined) as Node | undefined;
  }

  map(path: Path): YAMLMap | undefined {
    const n = this.node(path);
    return isMap(n) ? n : undefined;
  }

  seq(path: Path): YAMLSeq | undefined {
    const n = this.node(path);
    return isSeq(n) ? n : undefined;
  }

  // ---- positions in the text -------------------------------------------------------------

  private lineStart(off: number): number {
    return this.text.lastIndexOf('\n', off - 1) + 1;
  }

  private nextLine(off: number): number {
    const i = this.text.indexOf('\n', off);
    return i < 0 ? this.text.length : i + 1;
  }

  private column(off: number): number {
    return off - this.lineStart(off);
  }

  /** Only blanks before `off` on its line. */
  private startsLine(off: number): boolean {
    return this.text.slice(this.lineStart(off), off).trim() === '';
  }

  /** Only blanks and a comment after `off` on its line. */
  private endsLine(off: number | undefined): off is number {
    return off !== undefined && /^[ \t]*(#.*)?\r?\n?$/.test(this.text.slice(off, this.nextLine(off)));
  }

  /** Lines inserted at the start of a line (`off` from lineStart/nextLine). */
  private lines(off: number, lines: string[]): Splice {
    const lead = off === this.text.length && off > 0 && !this.text.endsWith('\n') ? this.eol : '';
    return [off, off, lead + lines.map((l) => l + this.eol).join('')];
  }

  /** The "-" of a block list entry, when it starts its line. */
  private dash(item: Node): number | undefined {
    if (!item.range) return undefined;
    let i = item.range[0] - 1;
    while (i >= 0 && (this.text[i] === ' ' || this.text[i] === '\t')) i--;
    return i >= 0 && this.text[i] === '-' && this.startsLine(i) ? i : undefined;
  }

  /** The ":" after a key. */
  private colon(pair: Pair<Node, Node | null>): number | undefined {
    const end = pair.key.range?.[1];
    if (end === undefined) return undefined;
    const m = /^[ \t]*:/.exec(this.text.slice(end));
    return m ? end + m[0].length - 1 : undefined;
  }

  /** The ":" of the key whose value is the collection at `path` (a key of a block map). */
  private parentColon(path: Path): number | undefined {
    const parent = this.map(path.slice(0, -1));
    const found = parent && !parent.flow ? findPair(parent, String(path[path.length - 1])) : undefined;
    return found && this.colon(found.pair);
  }

  // ---- edits ------------------------------------------------------------------------------

  /** Make an edit: splices if they give the same data as `ast` applied to the Document, else `ast` and re-serialise. */
  private edit(ast: (doc: Document) => void, splices: () => Splice[] | undefined): void {
    const want = this.doc.clone();
    ast(want);
    const wanted: unknown = want.toJS();
    const s = splices();
    if (s) {
      let text = this.text;
      for (const [start, end, insert] of [...s].sort((a, b) => b[0] - a[0])) text = text.slice(0, start) + insert + text.slice(end);
      const doc = parse(text);
      if (doc.errors.length === 0 && isDeepStrictEqual(doc.toJS(), wanted)) {
        this.text = text;
        this.doc = doc;
        return;
      }
    }
    this.text = want.toString({ lineWidth: 0 });
    this.doc = parse(this.text);
    this.reformatted = true;
  }

  private create(doc: Document, value: unknown, flow: boolean): Node {
    return doc.createNode(asYamlStrings(value), { flow }) as Node;
  }

  /** Set `key` of the map at `path` to a JSON value (replacing the old value, or appended as the last key). */
  setKey(path: Path, key: string, value: unknown): void {
    this.edit(
      (doc) => (doc.getIn(path, true) as YAMLMap).set(key, this.create(doc, value, true)),
      () => {
        const map = this.map(path)!;
        const found = findPair(map, key);
        const text = flowText(value);
        if (found) return this.replaceValue(found.pair, text);
        if (map.flow) return this.appendFlowPair(map, key, text);
        return this.appendPairLines(map, [`${scalarText(key)}: ${text}`]);
      },
    );
  }

  /** `, key: value` after the last pair of a flow map (`{}` becomes `{ key: value }`). */
  private appendFlowPair(map: YAMLMap, key: string, text: string): Splice[] | undefined {
    if (map.items.length === 0) return map.range ? [[map.range[0], map.range[1], `{ ${scalarText(key)}: ${text} }`]] : undefined;
    const end = pairEnd(map.items[map.items.length - 1] as Pair<Node, Node | null>);
    return end === undefined ? undefined : [[end, end, `, ${scalarText(key)}: ${text}`]];
  }

  private replaceValue(pair: Pair<Node, Node | null>, text: string): Splice[] | undefined {
    const v = pair.value;
    if (isCollection(v) && !v.flow) {
      // a block value becomes a flow value on the key's line (keeping that line's comment)
      const end = contentEnd(v);
      const colon = this.colon(pair);
      if (colon === undefined || !this.endsLine(colon + 1) || !this.endsLine(end)) return undefined;
      return [[colon + 1, colon + 1, ` ${text}`], [this.nextLine(colon), this.nextLine(end), '']];
    }
    const end = contentEnd(v);
    if (!v?.range || end === undefined) return undefined;
    const space = this.text[v.range[0] - 1] === ':' ? ' ' : '';
    return [[v.range[0], end, space + text]];
  }

  /** New `key: value` lines after the last pair of a block map, at its indentation. */
  private appendPairLines(map: YAMLMap, lines: string[], after?: Pair<Node, Node | null>): Splice[] | undefined {
    const first = map.items[0] as Pair<Node, Node | null> | undefined;
    const last = after ?? (map.items[map.items.length - 1] as Pair<Node, Node | null> | undefined);
    const start = first?.key.range?.[0];
    const end = last && pairEnd(last);
    if (start === undefined || !this.endsLine(end)) return undefined;
    const pad = ' '.repeat(this.column(start));
    return [this.lines(this.nextLine(end), lines.map((l) => pad + l))];
  }

  /** Remove `key` from the map at `path` with its value (and the comment on its line); no-op when absent. */
  deleteKey(path: Path, key: string): void {
    if (!findPair(this.map(path)!, key)) return;
    this.edit(
      (doc) => (doc.getIn(path, true) as YAMLMap).delete(key),
      () => {
        const map = this.map(path)!;
        const { pair, index } = findPair(map, key)!;
        const items = map.items as Array<Pair<Node, Node | null>>;
        const start = pair.key.range?.[0];
        const end = pairEnd(pair);
        if (start === undefined || end === undefined) return undefined;
        if (map.flow) {
          if (items.length === 1) return map.range ? [[map.range[0], map.range[1], '{}']] : undefined;
          const prevEnd = index > 0 ? pairEnd(items[index - 1]) : undefined;
          const nextStart = items[index + 1]?.key.range?.[0];
          if (index > 0) return prevEnd === undefined ? undefined : [[prevEnd, end, '']];
          return nextStart === undefined ? undefined : [[start, nextStart, '']];
        }
        if (this.startsLine(start) && this.endsLine(end)) {
          const cut: Splice = [this.lineStart(start), this.nextLine(end), ''];
          if (items.length > 1) return [cut];
          // the only key of a block map: `health:` alone would read as "", so it is written `health: {}`
          const colon = this.parentColon(path);
          return colon === undefined ? undefined : [cut, [colon + 1, colon + 1, ' {}']];
        }
        // the first key of a list entry (`- a: 1` then `  b: 2`): the next key takes its place
        const nextStart = items[index + 1]?.key.range?.[0];
        return index === 0 && nextStart !== undefined ? [[start, nextStart, '']] : undefined;
      },
    );
  }

  /**
   * Insert JSON values into the list `key` of the map at `path` before position `at` (default:
   * at the end), in the style of the entries there (flow maps, block maps, or a flow list). A
   * missing or empty list becomes a block list; a missing key goes after the key `after` when
   * given, else last.
   */
  insertItems(path: Path, key: string, values: unknown[], at?: number, after?: string): void {
    if (values.length === 0) return;
    this.edit(
      (doc) => {
        const map = doc.getIn(path, true) as YAMLMap;
        const seq = map.get(key, true);
        const nodes = values.map((v) => this.create(doc, v, true));
        if (isSeq(seq)) seq.items.splice(at ?? seq.items.length, 0, ...nodes);
        else map.set(key, doc.createNode(nodes, { flow: false }));
      },
      () => this.insertSplices(path, key, values, at, after),
    );
  }

  private insertSplices(path: Path, key: string, values: unknown[], at?: number, after?: string): Splice[] | undefined {
    const map = this.map(path)!;
    const found = findPair(map, key);
    const seq = found?.pair.value;
    if (map.flow && !found) return this.appendFlowPair(map, key, flowText(values));
    if (map.flow && !isSeq(seq)) return undefined;
    if (isSeq(seq) && seq.items.length > 0) return this.insertIntoList(seq, values, at ?? seq.items.length);
    if (isSeq(seq) && seq.flow && !map.flow) {
      // `key: []` becomes a block list: drop the brackets, entries on the following lines
      const colon = this.colon(found!.pair);
      const end = seq.range?.[1];
      if (colon === undefined || !this.endsLine(end)) return undefined;
      const pad = ' '.repeat(this.column(found!.pair.key.range![0]) + 2);
      return [[colon + 1, end, ''], this.lines(this.nextLine(end), values.map((v) => `${pad}- ${flowText(v)}`))];
    }
    if (isSeq(seq)) return seq.range ? [[seq.range[0], seq.range[1], `[${values.map(flowText).join(', ')}]`]] : undefined;
    if (found) {
      // `key:` with nothing after it
      if (!isScalar(seq) || seq.value !== '' || !seq.range || !this.endsLine(seq.range[0])) return undefined;
      const pad = ' '.repeat(this.column(found.pair.key.range![0]) + 2);
      return [this.lines(this.nextLine(seq.range[0]), values.map((v) => `${pad}- ${flowText(v)}`))];
    }
    const anchor = after === undefined ? undefined : findPair(map, after)?.pair;
    return this.appendPairLines(map, [`${scalarText(key)}:`, ...values.map((v) => `  - ${flowText(v)}`)], anchor);
  }

  private insertIntoList(seq: YAMLSeq, values: unknown[], at: number): Splice[] | undefined {
    const items = seq.items as Node[];
    const model = items[Math.min(at, items.length - 1)];
    if (seq.flow) {
      const text = values.map(flowText).join(', ');
      if (at > 0) {
        const end = contentEnd(items[at - 1]);
        return end === undefined ? undefined : [[end, end, `, ${text}`]];
      }
      return items[0].range ? [[items[0].range[0], items[0].range[0], `${text}, `]] : undefined;
    }
    const dash = this.dash(items[0]);
    if (dash === undefined) return undefined;
    const pad = ' '.repeat(this.column(dash));
    const lines = values.map((v) => `${pad}- ${this.itemText(model, v, this.column(dash) + 2)}`);
    if (at === 0) return [this.lines(this.lineStart(dash), lines)];
    const end = contentEnd(items[at - 1]);
    return this.endsLine(end) ? [this.lines(this.nextLine(end), lines)] : undefined;
  }

  /** A JSON value as a list entry in the style of `model`: a block map stays a block map. */
  private itemText(model: Node, value: unknown, indent: number): string {
    if (isMap(model) && !model.flow && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return blockItemText(value as Record<string, unknown>, indent, this.eol);
    }
    return flowText(value);
  }

  /** Remove entry `index` of the list at `path` with the comment on its line(s); an emptied list becomes `[]`. */
  removeItem(path: Path, index: number): void {
    this.edit(
      (doc) => (doc.getIn(path, true) as YAMLSeq).delete(index),
      () => {
        const seq = this.seq(path)!;
        const items = seq.items as Node[];
        const item = items[index];
        const end = contentEnd(item);
        if (!item.range || end === undefined) return undefined;
        if (seq.flow) {
          if (index > 0) {
            const prevEnd = contentEnd(items[index - 1]);
            return prevEnd === undefined ? undefined : [[prevEnd, end, '']];
          }
          const next = items[1]?.range?.[0];
          return [[item.range[0], next ?? end, '']];
        }
        const dash = this.dash(item);
        if (dash === undefined || !this.endsLine(end)) return undefined;
        const cut: Splice = [this.lineStart(dash), this.nextLine(end), ''];
        if (items.length > 1) return [cut];
        // the last entry: `key:` alone would read as "", so the list is written `key: []`
        const colon = this.parentColon(path);
        return colon === undefined ? undefined : [cut, [colon + 1, colon + 1, ' []']];
      },
    );
  }

  /** Replace entry `index` of the list at `path`, keeping the comment on its line. */
  replaceItem(path: Path, index: number, value: unknown): void {
    this.edit(
      (doc) => (doc.getIn(path, true) as YAMLSeq).set(index, this.create(doc, value, true)),
      () => {
        const item = (this.seq(path)!.items as Node[])[index];
        const end = contentEnd(item);
        if (!item.range || end === undefined) return undefined;
        return [[item.range[0], end, this.itemText(item, value, this.column(item.range[0]))]];
      },
    );
  }
}
