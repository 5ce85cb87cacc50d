// Emoticons → emoji: a small table, applied to whole tokens only (never inside a word, a URL or a code span).

export const EMOTICONS: Readonly<Record<string, string>> = {
  ':)': '🙂',
  ':-)': '🙂',
  ':(': '🙁',
  ':-(': '🙁',
  ':D': '😀',
  ':-D': '😀',
  ';)': '😉',
  ';-)': '😉',
  ':P': '😛',
  ':-P': '😛',
  ':p': '😛',
  ':O': '😮',
  ':o': '😮',
  ":'(": '😢',
  ':|': '😐',
  'B-)': '😎',
  '<3': '❤️',
  XD: '😆',
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternatives = Object.keys(EMOTICONS)
  .sort((a, b) => b.length - a.length)
  .map(escape)
  .join('|');
// a token: after the start or whitespace, before the end, whitespace or a closing punctuation mark
const TOKEN = new RegExp(`(?<=^|\\s)(${alternatives})(?=$|\\s|[.,!?])`, 'gu');

/** The text with each emoticon token replaced by its emoji; `code spans` and fenced code are left alone. */
export function replaceEmoticons(text: string): string {
  // odd parts of a split on backtick runs are inside code
  return text
    .split(/(`+[^`]*`+)/u)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(TOKEN, (m) => EMOTICONS[m] ?? m)))
    .join('');
}
