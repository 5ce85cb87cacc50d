/**
 * What a page says about itself, read with htmlparser2 (a tolerant streaming parser that decodes entities): OpenGraph
 * first, then Twitter cards, then plain HTML (<title>, meta description, application-name, image_src).
 */
import { isIP } from 'node:net';
import { Parser } from 'htmlparser2';
import { type LinkPreview, PREVIEW_FIELD_CHARS } from '../../domain/link-preview.js';
import { isPublicAddress } from './safe-fetch.js';

type Field = 'title' | 'description' | 'image' | 'siteName';

/** Property / name → field, in order of preference (a lower rank wins). */
const META: Record<string, { field: Field; rank: number }> = {
  'og:title': { field: 'title', rank: 0 },
  'twitter:title': { field: 'title', rank: 1 },
  'og:description': { field: 'description', rank: 0 },
  'twitter:description': { field: 'description', rank: 1 },
  description: { field: 'description', rank: 2 },
  'og:image': { field: 'image', rank: 0 },
  'og:image:url': { field: 'image', rank: 0 },
  'og:image:secure_url': { field: 'image', rank: 0 },
  'twitter:image': { field: 'image', rank: 1 },
  'twitter:image:src': { field: 'image', rank: 1 },
  'og:site_name': { field: 'siteName', rank: 0 },
  'application-name': { field: 'siteName', rank: 2 },
};

const TITLE_TAG_RANK = 2;
const IMAGE_LINK_RANK = 2;

const clean = (s: string, max: number): string | null => {
  const text = s.replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** An http(s) URL resolved against the page, or null (javascript:, data: and the like are dropped). */
function absoluteHttp(value: string, base: string): string | null {
  const v = value.trim();
  if (v === '' || !URL.canParse(v, base)) return null;
  const u = new URL(v, base);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  // why: clients load the image; one at a private address literal would point their browsers into a network
  // (unless it is where the page itself came from: an allow-listed host)
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !isPublicAddress(host) && u.host !== new URL(base).host) return null;
  const s = u.toString();
  return s.length > PREVIEW_FIELD_CHARS.url ? null : s;
}

/** The preview of a page, or null when the page names nothing worth showing. */
export function previewOfHtml(html: string, pageUrl: string, requestedUrl: string): LinkPreview | null {
  const best = new Map<Field, { value: string; rank: number }>();
  const offer = (field: Field, value: string | undefined, rank: number) => {
    if (value === undefined || value.trim() === '') return;
    const current = best.get(field);
    if (current === undefined || rank < current.rank) best.set(field, { value, rank });
  };
  let inTitle = false;
  let titleText = '';
  let titleSeen = false;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'title' && !titleSeen) inTitle = true;
        if (name === 'meta') {
          const key = (attrs.property ?? attrs.name ?? '').trim().toLowerCase();
          const meta = META[key];
          if (meta) offer(meta.field, attrs.content, meta.rank);
        }
        if (name === 'link' && (attrs.rel ?? '').toLowerCase().split(/\s+/).includes('image_src'))
          offer('image', attrs.href, IMAGE_LINK_RANK);
      },
      ontext(text) {
        if (inTitle) titleText += text;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          titleSeen = true;
          offer('title', titleText, TITLE_TAG_RANK);
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();

  const title = clean(best.get('title')?.value ?? '', PREVIEW_FIELD_CHARS.title);
  const description = clean(best.get('description')?.value ?? '', PREVIEW_FIELD_CHARS.description);
  const imageRaw = best.get('image')?.value;
  const imageUrl = imageRaw === undefined ? null : absoluteHttp(imageRaw, pageUrl);
  const siteName = clean(best.get('siteName')?.value ?? '', PREVIEW_FIELD_CHARS.siteName);
  if (title === null && description === null && imageUrl === null) return null;
  return { url: requestedUrl, finalUrl: pageUrl, title, description, imageUrl, siteName };
}
