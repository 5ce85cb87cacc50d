// ProfanityScanner on `obscenity`: its maintained English word list and transformers (case, lookalike and
// leetspeak letters, repeated letters), its whitelist for innocent words that contain a listed one, plus one pass of
// our own for spaced-out words ("f u c k", "s.h.i.t") that the library leaves alone on purpose.
import {
  DataSet,
  englishDataset,
  englishRecommendedTransformers,
  type MatchPayload,
  parseRawPattern,
  RegExpMatcher,
} from 'obscenity';
import type { ProfaneSpan } from '../../domain/content/profanity.js';
import type { ProfanityScanner } from '../../ports/content.js';

/** Place names, surnames and words the list flags by accident (the Scunthorpe problem), found by testing the list. */
export const DEFAULT_ALLOWED_WORDS = [
  'penistone',
  'shitterton',
  'bitchfield',
  'cockpit',
  'dickinson',
  'pussycat',
  'pussywillow',
  'cumming',
  'cummings',
  'cummins',
  'cum laude',
  'shiitake',
  'mishit',
  'rapeseed',
  'dikshit',
];

export interface ProfanityOptions {
  /** Words added to the list (PROFANITY_EXTRA_WORDS). */
  extraWords?: readonly string[];
  /** Words never flagged, on top of DEFAULT_ALLOWED_WORDS (PROFANITY_ALLOWED_WORDS). */
  allowedWords?: readonly string[];
}

// single letters or digits separated by spaces, dots, dashes, underscores or asterisks: at least three of them
const SPACED = /(?<![\p{L}\p{N}])(?:[\p{L}\p{N}$@!][\s._*-]+){2,}[\p{L}\p{N}$@!](?![\p{L}\p{N}])/gu;

/** A raw obscenity pattern for a plain word: letters only, so user input cannot inject pattern syntax. */
const patternOf = (word: string): string => word.toLowerCase().replace(/[^\p{L}\p{N} ]/gu, '');

export class ObscenityProfanityScanner implements ProfanityScanner {
  private readonly matcher: RegExpMatcher;

  constructor(options: ProfanityOptions = {}) {
    const dataset = new DataSet<{ originalWord?: string }>().addAll(englishDataset);
    for (const word of options.extraWords ?? []) {
      const p = patternOf(word);
      if (p !== '')
        dataset.addPhrase((phrase) => phrase.setMetadata({ originalWord: p }).addPattern(parseRawPattern(p)));
    }
    const built = dataset.build();
    this.matcher = new RegExpMatcher({
      ...built,
      ...englishRecommendedTransformers,
      whitelistedTerms: [
        ...(built.whitelistedTerms ?? []),
        ...DEFAULT_ALLOWED_WORDS,
        ...(options.allowedWords ?? []).map((w) => w.toLowerCase()),
      ],
    });
  }

  scan(text: string): ProfaneSpan[] {
    const spans = this.matcher.getAllMatches(text, true).map(toSpan);
    for (const run of text.matchAll(SPACED)) {
      // the run without its separators, with each letter's offset in the text
      const offsets: number[] = [];
      let collapsed = '';
      for (const m of run[0].matchAll(/[\p{L}\p{N}$@!]/gu)) {
        offsets.push(run.index + m.index);
        collapsed += m[0];
      }
      for (const hit of this.matcher.getAllMatches(collapsed, true)) {
        const start = offsets[hit.startIndex];
        const last = offsets[hit.endIndex];
        if (start !== undefined && last !== undefined) spans.push({ start, end: last + 1 });
      }
    }
    return merge(spans);
  }
}

const toSpan = (m: MatchPayload): ProfaneSpan => ({ start: m.startIndex, end: m.endIndex + 1 });

/** Sorted, overlapping spans joined. */
function merge(spans: ProfaneSpan[]): ProfaneSpan[] {
  const out: ProfaneSpan[] = [];
  for (const s of spans.sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last !== undefined && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}
