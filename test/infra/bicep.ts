import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small reader for the parts of our Bicep files the tests check (no Bicep compiler runs on this machine). */
export interface BicepFile {
  path: string;
  text: string;
}

export const INFRA = join(import.meta.dirname, '..', '..', 'infra');

export function bicepFiles(): BicepFile[] {
  const files = ['main.bicep', ...readdirSync(join(INFRA, 'modules')).filter((f) => f.endsWith('.bicep')).map((f) => `modules/${f}`)];
  return files.map((f) => ({ path: f, text: readFileSync(join(INFRA, f), 'utf8') }));
}

/** Same length as the text, with // comments and the contents of '…' strings blanked, so braces in them do not count. */
function code(text: string): string {
  let out = '';
  let state: 'code' | 'string' | 'comment' = 'code';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (state === 'comment') {
      if (ch === '\n') state = 'code';
      out += ch === '\n' ? ch : ' ';
    } else if (state === 'string') {
      if (ch === '\\') {
        out += '  ';
        i++;
      } else if (ch === "'") {
        state = 'code';
        out += ch;
      } else out += ch === '\n' ? ch : ' ';
    } else if (ch === '/' && text[i + 1] === '/') {
      state = 'comment';
      out += ' ';
    } else {
      if (ch === "'") state = 'string';
      out += ch;
    }
  }
  return out;
}

/** The `{ … }` block that starts at or after `from`, as text (string contents kept). */
export function blockAfter(text: string, from: number): string {
  const masked = code(text);
  const start = masked.indexOf('{', from);
  if (start < 0) throw new Error('no block found');
  let depth = 0;
  for (let i = start; i < masked.length; i++) {
    if (masked[i] === '{') depth++;
    else if (masked[i] === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error(`unbalanced block from offset ${start}`);
}

export function balanced(text: string): string | null {
  const masked = code(text);
  const stack: string[] = [];
  const pairs: Record<string, string> = { '}': '{', ']': '[', ')': '(' };
  for (const ch of masked) {
    if (ch === '{' || ch === '[' || ch === '(') stack.push(ch);
    else if (ch in pairs) {
      if (stack.pop() !== pairs[ch]) return `unexpected ${ch}`;
    }
  }
  return stack.length === 0 ? null : `unclosed ${stack.join('')}`;
}

export interface ResourceDecl {
  file: string;
  symbol: string;
  type: string;
  apiVersion: string;
  body: string;
  existing: boolean;
}

export function resources(files: BicepFile[]): ResourceDecl[] {
  const out: ResourceDecl[] = [];
  for (const f of files) {
    for (const m of f.text.matchAll(/^resource\s+(\w+)\s+'([^'@]+)@([^']+)'\s*(existing\s*)?=\s*(?:\[\s*for[^:]+:\s*)?(?:if\s*\([^)]*\)\s*)?/gm)) {
      out.push({ file: f.path, symbol: m[1]!, type: m[2]!, apiVersion: m[3]!, body: blockAfter(f.text, m.index + m[0].length - 1), existing: Boolean(m[4]) });
    }
  }
  return out;
}

/** Top-level keys of an object block `{ a: 1, b: { … } }` (one per line or comma separated). */
export function topLevelKeys(block: string): string[] {
  const inner = block.slice(1, -1);
  const masked = code(inner);
  const keys: string[] = [];
  let depth = 0;
  let segmentStart = 0;
  const take = (end: number) => {
    const seg = inner.slice(segmentStart, end);
    const m = /^\s*(?:'([^']+)'|([A-Za-z_][\w]*))\s*:/.exec(seg.replace(/^\s*\/\/[^\n]*\n/gm, ''));
    if (m) keys.push((m[1] ?? m[2])!);
  };
  for (let i = 0; i < masked.length; i++) {
    const ch = masked[i];
    if (ch === '{' || ch === '[' || ch === '(') depth++;
    else if (ch === '}' || ch === ']' || ch === ')') depth--;
    else if (depth === 0 && (ch === ',' || ch === '\n')) {
      take(i);
      segmentStart = i + 1;
    }
  }
  take(inner.length);
  return keys;
}

/** `key: value` of a top-level entry, as raw text. */
export function valueOf(block: string, key: string): string | undefined {
  const m = new RegExp(`^\\s*'?${key}'?\\s*:\\s*(.+)$`, 'm').exec(block);
  return m?.[1]?.trim();
}

export interface ModuleCall {
  file: string;
  symbol: string;
  target: string;
  params: string[];
}

export function moduleCalls(files: BicepFile[]): ModuleCall[] {
  const out: ModuleCall[] = [];
  for (const f of files) {
    for (const m of f.text.matchAll(/^module\s+(\w+)\s+'([^']+)'\s*=\s*/gm)) {
      const body = blockAfter(f.text, m.index + m[0].length - 1);
      const at = body.search(/\bparams\s*:/);
      const params = at < 0 ? [] : topLevelKeys(blockAfter(body, at));
      const dir = f.path.includes('/') ? f.path.slice(0, f.path.lastIndexOf('/') + 1) : '';
      out.push({ file: f.path, symbol: m[1]!, target: `${dir}${m[2]!}`.replace(/^modules\/modules\//, 'modules/'), params });
    }
  }
  return out;
}

/** Declared params of a file: name → has a default. */
export function paramsOf(file: BicepFile): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const m of file.text.matchAll(/^param\s+(\w+)\s+[\w.]+(\s*=)?/gm)) out.set(m[1]!, Boolean(m[2]));
  return out;
}
