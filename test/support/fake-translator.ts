import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received: operation, query, the auth headers and the texts. */
export interface TranslatorCall {
  operation: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  texts: string[];
}

/** A scripted answer for the next request, instead of a translation. */
export interface Scripted {
  status: number;
  retryAfter?: string;
  code?: number;
  message?: string;
}

function textsOf(body: string): string[] {
  try {
    return (JSON.parse(body) as { Text: string }[]).map((x) => x.Text);
  } catch {
    return [];
  }
}

/** Language of a text, by a few marker words (what the fake "detects"). */
export function fakeDetect(text: string): string {
  const t = text.toLowerCase();
  if (/\bhola\b/.test(t)) return 'es';
  if (/\bbonjour\b/.test(t)) return 'fr';
  if (/\bhallo\b/.test(t)) return 'de';
  return 'en';
}

/** What the fake makes of a text in a language: visibly that text, in that language. */
export const fakeTranslation = (text: string, to: string): string => `[${to}] ${text}`;

/**
 * A local server speaking the Azure AI Translator v3 wire protocol: POST /translate and /detect with
 * api-version=3.0, `[{"Text": …}]` bodies, the key header checked (401 with the service's error shape otherwise),
 * and scripted failures (429 with Retry-After, 5xx) for the next requests.
 */
export async function startFakeTranslator(key = 'fake-translator-key') {
  const calls: TranslatorCall[] = [];
  const script: Scripted[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const operation = url.pathname.replace(/^\//, '');
      const texts = textsOf(Buffer.concat(chunks).toString('utf8'));
      calls.push({ operation, query: url.searchParams, headers: req.headers, texts });
      const error = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify({ error: { code, message } }));
      };
      const next = script.shift();
      if (next) {
        return error(next.status, next.code ?? next.status * 1000, next.message ?? `scripted ${next.status}`, {
          ...(next.retryAfter !== undefined && { 'retry-after': next.retryAfter }),
        });
      }
      if (req.headers['ocp-apim-subscription-key'] !== key)
        return error(401, 401000, 'The request is not authorized because credentials are missing or invalid.');
      if (url.searchParams.get('api-version') !== '3.0')
        return error(400, 400021, 'The API version parameter is missing or invalid.');
      if (operation === 'detect') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify(
            texts.map((t) => ({
              language: fakeDetect(t),
              score: 1,
              isTranslationSupported: true,
              isTransliterationSupported: false,
            })),
          ),
        );
      }
      if (operation === 'translate') {
        const to = url.searchParams.getAll('to');
        if (to.length === 0) return error(400, 400036, 'The target language is not valid.');
        if (to.some((l) => l === 'xx')) return error(400, 400036, 'The target language is not valid.');
        const from = url.searchParams.get('from');
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(
          JSON.stringify(
            texts.map((t) => ({
              ...(from === null && { detectedLanguage: { language: fakeDetect(t), score: 1 } }),
              translations: to.map((l) => ({ text: fakeTranslation(t, l), to: l })),
            })),
          ),
        );
      }
      return error(404, 404001, 'The requested resource was not found.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    key,
    calls,
    /** The next requests get these answers, in order. */
    failNext: (...answers: Scripted[]) => void script.push(...answers),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
