import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * A small, strict reader of the Bicep we write (no Bicep compiler can be installed on this machine): it tokenizes a
 * file, parses every top-level declaration and keeps object/array literals as trees. Expressions other than
 * literals are kept as their source text (plus any object/array literals inside them, e.g. both arms of a ternary).
 * It throws, with the line, on what it does not understand: unbalanced brackets, unterminated strings, a missing
 * `:` or separator, an unknown keyword. test/infra/bicep.test.ts shows it rejecting broken templates.
 */

export type Node =
  | { kind: 'object'; props: Record<string, Node>; line: number }
  | { kind: 'array'; items: Node[]; line: number }
  | { kind: 'for'; item: string; source: string; body: Node; line: number }
  | { kind: 'if'; condition: string; body: Node; line: number }
  | { kind: 'string'; value: string; interpolated: boolean; line: number }
  | { kind: 'expr'; text: string; nested: Node[]; line: number };

export interface Decl {
  keyword: 'param' | 'var' | 'resource' | 'module' | 'output' | 'targetScope';
  name: string;
  /** param/output type; resource type without the API version; module path. */
  type: string;
  apiVersion?: string;
  existing?: boolean;
  value?: Node;
  decorators: string[];
  line: number;
}

export interface BicepFile {
  /** Path relative to infra/, with forward slashes. */
  path: string;
  text: string;
  decls: Decl[];
}

class BicepSyntaxError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'BicepSyntaxError';
  }
}

type TokKind = 'ident' | 'string' | 'number' | 'punct' | 'newline' | 'eof';
interface Tok {
  kind: TokKind;
  value: string;
  line: number;
  /** For strings: the raw source between the quotes, interpolations kept as ${…}. */
  raw?: string;
  interpolated?: boolean;
}

const PUNCT = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '=>',
  '.?',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ':',
  ',',
  '.',
  '?',
  '!',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '|',
];

function tokenize(file: string, text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  let line = 1;
  const fail = (msg: string): never => {
    throw new BicepSyntaxError(file, line, msg);
  };
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      toks.push({ kind: 'newline', value: '\n', line });
      line++;
      i++;
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated /* comment');
      for (const c of text.slice(i, end)) if (c === '\n') line++;
      i = end + 2;
    } else if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) fail("unterminated ''' string");
      const value = text.slice(i + 3, end);
      toks.push({ kind: 'string', value, raw: value, interpolated: false, line });
      for (const c of value) if (c === '\n') line++;
      i = end + 3;
    } else if (ch === "'") {
      const start = line;
      let value = '';
      let interpolated = false;
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') throw new BicepSyntaxError(file, start, 'unterminated string');
        const c = text[i] as string;
        if (c === '\\') {
          const n = text[i + 1];
          const esc: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
          if (n === undefined || !(n in esc)) fail(`bad escape \\${n ?? ''} in string`);
          value += esc[n as string];
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else if (c === '$' && text[i + 1] === '{') {
          // interpolation: copy through the matching }, minding nested braces and strings
          interpolated = true;
          let depth = 0;
          let j = i + 1;
          let inStr = false;
          for (; j < text.length; j++) {
            const d = text[j];
            if (d === '\n') throw new BicepSyntaxError(file, start, 'unterminated ${…} in string');
            if (inStr) {
              if (d === '\\') j++;
              else if (d === "'") inStr = false;
            } else if (d === "'") inStr = true;
            else if (d === '{') depth++;
            else if (d === '}' && --depth === 0) break;
          }
          if (j >= text.length) throw new BicepSyntaxError(file, start, 'unterminated ${…} in string');
          value += text.slice(i, j + 1);
          i = j + 1;
        } else {
          value += c;
          i++;
        }
      }
      toks.push({ kind: 'string', value, raw: value, interpolated, line: start });
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][\w]*/.exec(text.slice(i)) as RegExpExecArray;
      toks.push({ kind: 'ident', value: m[0], line });
      i += m[0].length;
    } else if (/\d/.test(ch)) {
      const m = /^\d+(\.\d+)?/.exec(text.slice(i)) as RegExpExecArray;
      toks.push({ kind: 'number', value: m[0], line });
      i += m[0].length;
    } else {
      const p = PUNCT.find((x) => text.startsWith(x, i));
      if (!p) fail(`unexpected character ${JSON.stringify(ch)}`);
      toks.push({ kind: 'punct', value: p as string, line });
      i += (p as string).length;
    }
  }
  toks.push({ kind: 'eof', value: '', line });
  return toks;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

class Parser {
  private pos = 0;
  constructor(
    private readonly file: string,
    private readonly toks: Tok[],
  ) {}

  private get tok(): Tok {
    return this.toks[this.pos] as Tok;
  }
  private peek(n = 1): Tok {
    return this.toks[Math.min(this.pos + n, this.toks.length - 1)] as Tok;
  }
  private fail(msg: string, line = this.tok.line): never {
    throw new BicepSyntaxError(this.file, line, msg);
  }
  private is(value: string, kind: TokKind = 'punct'): boolean {
    return this.tok.kind === kind && this.tok.value === value;
  }
  private expect(value: string, kind: TokKind = 'punct'): Tok {
    if (!this.is(value, kind))
      this.fail(`expected ${JSON.stringify(value)}, found ${JSON.stringify(this.tok.value || this.tok.kind)}`);
    return this.toks[this.pos++] as Tok;
  }
  /** A new line, a comma or the closing bracket: what may follow an entry of an object or array literal. */
  private atSeparator(close: string): boolean {
    const t = this.tok;
    return t.kind === 'newline' || (t.kind === 'punct' && (t.value === ',' || t.value === close));
  }
  private skipNewlines(): void {
    while (this.tok.kind === 'newline') this.pos++;
  }
  private endOfStatement(): void {
    if (this.tok.kind !== 'newline' && this.tok.kind !== 'eof')
      this.fail(`expected end of line, found ${JSON.stringify(this.tok.value)}`);
  }

  parseFile(): Decl[] {
    const decls: Decl[] = [];
    let decorators: string[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.tok.kind === 'eof') break;
      const line = this.tok.line;
      if (this.is('@')) {
        this.pos++;
        const name = this.expect(this.tok.value, 'ident').value;
        decorators.push(this.is('(') ? `${name}${this.rawBalanced()}` : name);
        continue;
      }
      if (this.tok.kind !== 'ident') this.fail(`unexpected ${JSON.stringify(this.tok.value)} at top level`);
      const keyword = this.tok.value;
      this.pos++;
      let decl: Decl;
      switch (keyword) {
        case 'targetScope':
          this.expect('=');
          decl = { keyword, name: 'targetScope', type: '', value: this.parseValue(), decorators, line };
          break;
        case 'param': {
          const name = this.ident();
          const type = this.typeText();
          decl = {
            keyword,
            name,
            type,
            decorators,
            line,
            ...(this.is('=') ? (this.pos++, { value: this.parseValue() }) : {}),
          };
          break;
        }
        case 'var': {
          const name = this.ident();
          this.expect('=');
          decl = { keyword, name, type: '', value: this.parseValue(), decorators, line };
          break;
        }
        case 'output': {
          const name = this.ident();
          const type = this.typeText();
          this.expect('=');
          decl = { keyword, name, type, value: this.parseValue(), decorators, line };
          break;
        }
        case 'resource': {
          const name = this.ident();
          const typeTok = this.tok;
          if (typeTok.kind !== 'string' || typeTok.interpolated) this.fail('resource type must be a plain string');
          this.pos++;
          const at = typeTok.value.lastIndexOf('@');
          if (at < 0) this.fail(`resource type ${typeTok.value} has no @api-version`);
          const existing = this.is('existing', 'ident');
          if (existing) this.pos++;
          this.expect('=');
          decl = {
            keyword,
            name,
            type: typeTok.value.slice(0, at),
            apiVersion: typeTok.value.slice(at + 1),
            existing,
            value: this.parseDeclBody(),
            decorators,
            line,
          };
          break;
        }
        case 'module': {
          const name = this.ident();
          const pathTok = this.tok;
          if (pathTok.kind !== 'string' || pathTok.interpolated) this.fail('module path must be a plain string');
          this.pos++;
          this.expect('=');
          decl = { keyword, name, type: pathTok.value, value: this.parseDeclBody(), decorators, line };
          break;
        }
        default:
          this.fail(`unsupported top-level keyword ${JSON.stringify(keyword)}`, line);
      }
      this.endOfStatement();
      decls.push(decl);
      decorators = [];
    }
    if (decorators.length > 0) this.fail('decorator without a declaration');
    return decls;
  }

  private ident(): string {
    if (this.tok.kind !== 'ident') this.fail(`expected a name, found ${JSON.stringify(this.tok.value)}`);
    return (this.toks[this.pos++] as Tok).value;
  }

  /** A type up to `=` or the end of the line: `string`, `int[]`, `'a' | 'b'`, `object?`. */
  private typeText(): string {
    const parts: string[] = [];
    while (!this.is('=') && this.tok.kind !== 'newline' && this.tok.kind !== 'eof') {
      parts.push(this.tok.kind === 'string' ? `'${this.tok.value}'` : this.tok.value);
      this.pos++;
    }
    if (parts.length === 0) this.fail('missing type');
    return parts.join(' ');
  }

  /** `( … )` with balanced brackets, as source-ish text (newlines allowed inside). */
  private rawBalanced(): string {
    const stack: string[] = [];
    let out = '';
    do {
      const t = this.tok;
      if (t.kind === 'eof') this.fail(`unclosed ${stack.join('')}`);
      if (t.kind === 'punct' && t.value in OPEN) stack.push(OPEN[t.value] as string);
      else if (t.kind === 'punct' && (t.value === ')' || t.value === ']' || t.value === '}')) {
        if (stack.pop() !== t.value) this.fail(`unexpected ${t.value}`);
      }
      out += t.kind === 'string' ? `'${t.raw ?? t.value}'` : t.kind === 'newline' ? ' ' : t.value;
      this.pos++;
    } while (stack.length > 0);
    return out;
  }

  private parseDeclBody(): Node {
    if (this.is('if', 'ident')) {
      const line = this.tok.line;
      this.pos++;
      if (!this.is('(')) this.fail('expected ( after if');
      const condition = this.rawBalanced().slice(1, -1);
      if (!this.is('{')) this.fail('expected { after if (…)');
      return { kind: 'if', condition, body: this.parseObject(), line };
    }
    if (this.is('{')) return this.parseObject();
    if (this.is('[')) return this.parseArrayOrFor();
    this.fail('expected {, [for …] or if (…) {');
  }

  parseValue(): Node {
    if (this.is('{')) return this.parseExprFrom(this.parseObject());
    if (this.is('[')) return this.parseExprFrom(this.parseArrayOrFor());
    if (this.tok.kind === 'string' && this.continuesAfter(1) === false) {
      const t = this.toks[this.pos++] as Tok;
      return { kind: 'string', value: t.value, interpolated: Boolean(t.interpolated), line: t.line };
    }
    return this.parseExpr([], '', this.tok.line);
  }

  /** True if the token n ahead continues an expression (an operator), so a lone literal is not the whole value. */
  private continuesAfter(n: number): boolean {
    const t = this.peek(n);
    return t.kind === 'punct' && !['}', ']', ')', ','].includes(t.value);
  }

  /** A literal that may be the start of a longer expression (`{…}.x`, `[…][0]`). */
  private parseExprFrom(literal: Node): Node {
    if (!this.continuesAfter(0)) return literal;
    return this.parseExpr([literal], '{…}', literal.line);
  }

  /**
   * An expression to the end of its line (or the `,` / closing bracket of the enclosing literal). Inside ( ) and
   * index [ ] newlines are allowed; object and array literals inside are parsed and kept in `nested`.
   */
  private parseExpr(nested: Node[], text: string, line: number): Node {
    const stack: string[] = [];
    let prev: Tok | undefined;
    let ternaries = 0;
    // spacing by token: `a.b(c, d)[0] ? {…} : 'x'`; string contents are never touched
    const emit = (piece: string, t: Tok): void => {
      const tight =
        (t.kind === 'punct' && ['.', ')', ']', ','].includes(t.value)) ||
        (t.kind === 'punct' &&
          ['(', '['].includes(t.value) &&
          prev !== undefined &&
          !(prev.kind === 'punct' && !['}', ']', ')'].includes(prev.value)));
      const afterOpen = prev?.kind === 'punct' && ['.', '(', '[', '!'].includes(prev.value);
      text += text === '' || tight || afterOpen ? piece : ` ${piece}`;
    };
    for (;;) {
      const t = this.tok;
      if (t.kind === 'eof') {
        if (stack.length > 0) this.fail(`unclosed ${stack.join('')}`, line);
        break;
      }
      if (
        stack.length === 0 &&
        (t.kind === 'newline' || (t.kind === 'punct' && [',', '}', ']', ')'].includes(t.value)))
      )
        break;
      if (t.kind === 'newline') {
        this.pos++;
        continue;
      }
      const valueStart = !prev || (prev.kind === 'punct' && !['}', ']', ')'].includes(prev.value));
      const operand =
        t.kind === 'ident' || t.kind === 'number' || t.kind === 'string' || (t.kind === 'punct' && t.value === '{');
      if (operand && !valueStart && !(prev?.kind === 'punct' && prev.value === '.'))
        this.fail(`expected an operator or a new line before ${JSON.stringify(t.value)}`);
      if (t.kind === 'punct' && t.value === '?') ternaries++;
      if (t.kind === 'punct' && t.value === ':' && --ternaries < 0) this.fail('":" without "?" in an expression');
      if (t.kind === 'punct' && t.value === '{') {
        emit('{…}', t);
        nested.push(this.parseObject());
      } else if (t.kind === 'punct' && t.value === '[' && valueStart) {
        emit('[…]', t);
        nested.push(this.parseArrayOrFor());
      } else {
        if (t.kind === 'punct' && (t.value === '(' || t.value === '[')) stack.push(OPEN[t.value] as string);
        else if (t.kind === 'punct' && (t.value === ')' || t.value === ']')) {
          if (stack.pop() !== t.value) this.fail(`unexpected ${t.value}`);
        }
        emit(t.kind === 'string' ? `'${t.raw ?? t.value}'` : t.value, t);
        this.pos++;
      }
      prev = this.toks[this.pos - 1];
    }
    if (text === '') this.fail('expected a value');
    return { kind: 'expr', text, nested, line };
  }

  parseObject(): Node {
    const line = this.expect('{').line;
    const props: Record<string, Node> = {};
    for (;;) {
      while (this.tok.kind === 'newline' || this.is(',')) this.pos++;
      if (this.is('}')) {
        this.pos++;
        return { kind: 'object', props, line };
      }
      if (this.tok.kind === 'eof') this.fail('unclosed {', line);
      const keyTok = this.tok;
      if (keyTok.kind !== 'ident' && keyTok.kind !== 'string')
        this.fail(`expected a property name, found ${JSON.stringify(keyTok.value)}`);
      this.pos++;
      if (keyTok.value in props) this.fail(`duplicate property ${keyTok.value}`, keyTok.line);
      this.expect(':');
      props[keyTok.value] = this.parseValue();
      if (!this.atSeparator('}'))
        this.fail(`expected a new line, "," or "}" after ${keyTok.value}, found ${JSON.stringify(this.tok.value)}`);
    }
  }

  private parseArrayOrFor(): Node {
    const line = this.expect('[').line;
    this.skipNewlines();
    if (this.is('for', 'ident')) {
      this.pos++;
      const item = this.is('(') ? this.rawBalanced() : this.ident();
      this.expect('in', 'ident');
      let source = '';
      const stack: string[] = [];
      while (!(stack.length === 0 && this.is(':'))) {
        const t = this.tok;
        if (t.kind === 'eof' || t.kind === 'newline') this.fail('expected : in for expression');
        if (t.kind === 'punct' && t.value in OPEN) stack.push(OPEN[t.value] as string);
        else if (t.kind === 'punct' && [')', ']', '}'].includes(t.value) && stack.pop() !== t.value)
          this.fail(`unexpected ${t.value}`);
        source += t.kind === 'string' ? `'${t.value}'` : t.value;
        this.pos++;
      }
      this.expect(':');
      const loopBody = this.is('if', 'ident') || this.is('{') ? this.parseDeclBody() : this.parseValue();
      this.skipNewlines();
      this.expect(']');
      return { kind: 'for', item, source, body: loopBody, line };
    }
    const items: Node[] = [];
    for (;;) {
      while (this.tok.kind === 'newline' || this.is(',')) this.pos++;
      if (this.is(']')) {
        this.pos++;
        return { kind: 'array', items, line };
      }
      if (this.tok.kind === 'eof') this.fail('unclosed [', line);
      items.push(this.parseValue());
      if (!this.atSeparator(']'))
        this.fail(`expected a new line, "," or "]" in array, found ${JSON.stringify(this.tok.value)}`);
    }
  }
}

/** Parses one file's text (path is only used in error messages). */
export function parseBicep(path: string, text: string): BicepFile {
  return { path, text, decls: new Parser(path, tokenize(path, text)).parseFile() };
}

export const INFRA = join(import.meta.dirname, '..', '..', 'infra');

export interface Infra {
  files: BicepFile[];
  file(path: string): BicepFile;
  /** Every `resource` declaration of every file, with the file it is in. */
  resources: (Decl & { file: BicepFile })[];
  /** Every `module` call, with the file it is in and the file it targets (relative to infra/). */
  modules: (Decl & { file: BicepFile; target: string })[];
}

/**
 * Reads main.bicep and every module it reaches, following module paths; every .bicep under infra/ must be reached.
 * `overrides` replaces a file's text (tests use it to check that broken templates are caught).
 */
export function loadInfra(root = INFRA, overrides: Record<string, string> = {}): Infra {
  const files = new Map<string, BicepFile>();
  const modules: Infra['modules'] = [];
  const visit = (path: string): void => {
    if (files.has(path)) return;
    const f = parseBicep(path, overrides[path] ?? readFileSync(join(root, path), 'utf8'));
    files.set(path, f);
    for (const d of f.decls.filter((x) => x.keyword === 'module')) {
      const target = relative(root, normalize(join(root, dirname(path), d.type)))
        .split('\\')
        .join('/');
      modules.push({ ...d, file: f, target });
      visit(target);
    }
  };
  visit('main.bicep');
  const all = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? all(join(dir, e.name))
        : e.name.endsWith('.bicep')
          ? [join(dir, e.name).split('\\').join('/')]
          : [],
    );
  const orphans = all('.')
    .map((p) => p.replace(/^\.\//, ''))
    .filter((p) => !files.has(p));
  if (orphans.length > 0) throw new Error(`Bicep files no module reaches: ${orphans.join(', ')}`);
  const list = [...files.values()];
  return {
    files: list,
    file: (path) =>
      files.get(path) ??
      (() => {
        throw new Error(`no Bicep file ${path}`);
      })(),
    resources: list.flatMap((f) => f.decls.filter((d) => d.keyword === 'resource').map((d) => ({ ...d, file: f }))),
    modules,
  };
}

// ---------------------------------------------------------------- reading the trees

/** Unwraps `if (…) {…}` and `[for … : {…}]` to the object inside. */
export function body(node: Node | undefined): Node | undefined {
  if (!node) return undefined;
  if (node.kind === 'if' || node.kind === 'for') return body(node.body);
  return node;
}

/** Follows a dotted path (`properties.upstream.templates.0.urlTemplate`) through objects, arrays, ifs and fors. */
export function at(node: Node | undefined, path: string): Node | undefined {
  let cur = node;
  for (const key of path.split('.').filter(Boolean)) {
    cur = body(cur);
    if (!cur) return undefined;
    if (cur.kind === 'object') cur = cur.props[key];
    else if (cur.kind === 'array' && /^\d+$/.test(key)) cur = cur.items[Number(key)];
    else return undefined;
  }
  return cur;
}

/** Source-like text of a node: a string's value (with ${…}), an expression's text, literals as JSON-ish. */
export function text(node: Node | undefined): string {
  if (!node) return '';
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'expr':
      return node.text;
    case 'if':
    case 'for':
      return text(node.body);
    case 'object':
      return `{ ${Object.entries(node.props)
        .map(([k, v]) => `${k}: ${text(v)}`)
        .join(', ')} }`;
    case 'array':
      return `[ ${node.items.map(text).join(', ')} ]`;
  }
}

/** The object's properties, or a failure naming what was expected. */
export function props(node: Node | undefined, what: string): Record<string, Node> {
  const b = body(node);
  if (b?.kind !== 'object') throw new Error(`${what} is not an object literal`);
  return b.props;
}

export function items(node: Node | undefined, what: string): Node[] {
  const b = body(node);
  if (b?.kind !== 'array') throw new Error(`${what} is not an array literal`);
  return b.items;
}

export function decl(file: BicepFile, keyword: Decl['keyword'], name: string): Decl {
  const d = file.decls.find((x) => x.keyword === keyword && x.name === name);
  if (!d) throw new Error(`${file.path}: no ${keyword} ${name}`);
  return d;
}

/** A plain literal's value (string, number, bool, null) or undefined for anything computed. */
export function literal(node: Node | undefined): string | number | boolean | null | undefined {
  if (!node) return undefined;
  if (node.kind === 'string') return node.interpolated ? undefined : node.value;
  if (node.kind !== 'expr' || node.nested.length > 0) return undefined;
  if (/^-?\d+$/.test(node.text.replace(/\s/g, ''))) return Number(node.text.replace(/\s/g, ''));
  if (node.text === 'true' || node.text === 'false') return node.text === 'true';
  if (node.text === 'null') return null;
  return undefined;
}
