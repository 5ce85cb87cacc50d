/**
 * Azure AI Translator, Text Translation REST API v3: `POST {endpoint}/translate?api-version=3.0&to=…[&from=…]` and
 * `POST {endpoint}/detect?api-version=3.0`, each with a body of `[{"Text": …}]`.
 * Auth, one of:
 *   key:      `Ocp-Apim-Subscription-Key` (+ `Ocp-Apim-Subscription-Region` for a regional or multi-service resource)
 *   identity: `Authorization: Bearer` (Entra ID token for https://cognitiveservices.azure.com, role Cognitive
 *             Services User) + `Ocp-Apim-ResourceId` (the resource id) + `Ocp-Apim-Subscription-Region`, the form the
 *             global endpoint takes for managed identities.
 * Throttling (429) is retried after its Retry-After while that fits in the retry budget; then, like 5xx and network
 * failures, it is a 503 `TRANSLATION.UNAVAILABLE` with a retry-after. Refused credentials are our fault (503 too);
 * an unsupported language is the caller's (400).
 */
import type { TokenCredential } from '@azure/identity';
import { AppError } from '../../domain/errors.js';
import type { Translated, Translator } from '../../ports/translator.js';

export type TranslatorAuth =
  | { kind: 'key'; key: string; region: string | undefined }
  | { kind: 'identity'; credential: TokenCredential; resourceId: string; region: string };

export interface AzureTranslatorOptions {
  endpoint: string;
  auth: TranslatorAuth;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Most time spent waiting on Retry-After across retries of one call (default 5 s). */
  retryBudgetMs?: number;
  /** Retries of a 429 (default 2). */
  maxRetries?: number;
}

const TOKEN_SCOPE = 'https://cognitiveservices.azure.com/.default';
/** Retry-After when the service gives none (seconds). */
const DEFAULT_RETRY_AFTER = 1;

interface TranslateItem {
  detectedLanguage?: { language?: string };
  translations?: { text?: string; to?: string }[];
}

interface ErrorBody {
  error?: { code?: number; message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After in seconds: delta-seconds or an HTTP date. */
function retryAfterOf(header: string | null): number {
  if (header === null) return DEFAULT_RETRY_AFTER;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(header);
  return Number.isNaN(at) ? DEFAULT_RETRY_AFTER : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

const unavailable = (detail: string, retryAfterSeconds?: number): AppError =>
  new AppError(
    'unavailable',
    'TRANSLATION.UNAVAILABLE',
    detail,
    retryAfterSeconds === undefined ? {} : { retryAfterSeconds: Math.max(1, retryAfterSeconds) },
  );

export class AzureTranslator implements Translator {
  private readonly base: string;

  constructor(private readonly options: AzureTranslatorOptions) {
    this.base = options.endpoint.replace(/\/+$/, '');
  }

  async translate(text: string, to: string[], from?: string): Promise<Translated> {
    const params: [string, string][] = to.map((language) => ['to', language]);
    if (from !== undefined) params.push(['from', from]);
    return this.parse(await this.call('translate', params, text), to);
  }

  async detect(text: string): Promise<string | null> {
    const body = await this.call('detect', [], text);
    const language = Array.isArray(body) ? (body[0] as { language?: unknown } | undefined)?.language : undefined;
    return typeof language === 'string' && language !== '' ? language : null;
  }

  /** One operation with the text, retrying 429s after their Retry-After within the budget; the JSON answer. */
  private async call(operation: 'translate' | 'detect', params: [string, string][], text: string): Promise<unknown> {
    const url = new URL(`${this.base}/${operation}`);
    url.searchParams.set('api-version', '3.0');
    for (const [k, v] of params) url.searchParams.append(k, v);
    const body = JSON.stringify([{ Text: text }]);
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.send(url, body);
      if (response.ok) return await response.json().catch((): unknown => null);
      const detail = await this.errorOf(response);
      if (response.status === 429) {
        const after = retryAfterOf(response.headers.get('retry-after'));
        const budget = this.options.retryBudgetMs ?? 5_000;
        if (attempt < (this.options.maxRetries ?? 2) && waited + after * 1000 <= budget) {
          waited += after * 1000;
          await sleep(after * 1000);
          continue;
        }
        throw unavailable(`the Translator is throttling requests (${detail}); retry after ${after} s`, after);
      }
      if (response.status === 400)
        throw new AppError('validation', 'TRANSLATION.REJECTED', `the Translator refused the request: ${detail}`);
      if (response.status === 401 || response.status === 403)
        throw unavailable(`the Translator refused this service's credentials (${detail}); an operator must fix them`);
      throw unavailable(`the Translator failed (${response.status}: ${detail}); try again shortly`, 5);
    }
  }

  private async send(url: URL, body: string): Promise<Response> {
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8', ...(await this.authHeaders()) },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
      });
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw unavailable(`the Translator could not be reached (${e instanceof Error ? e.message : String(e)})`, 5);
    }
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const auth = this.options.auth;
    if (auth.kind === 'key')
      return {
        'ocp-apim-subscription-key': auth.key,
        ...(auth.region !== undefined && { 'ocp-apim-subscription-region': auth.region }),
      };
    const token = await auth.credential.getToken(TOKEN_SCOPE).catch(() => null);
    if (!token) throw unavailable('no token for the Translator from the managed identity', 5);
    return {
      authorization: `Bearer ${token.token}`,
      'ocp-apim-resourceid': auth.resourceId,
      'ocp-apim-subscription-region': auth.region,
    };
  }

  private async errorOf(response: Response): Promise<string> {
    const body = (await response.json().catch(() => null)) as ErrorBody | null;
    const code = body?.error?.code;
    const message = body?.error?.message;
    return [code, message].filter((x) => x !== undefined).join(' ') || response.statusText || String(response.status);
  }

  private parse(body: unknown, to: string[]): Translated {
    const item = Array.isArray(body) ? (body[0] as TranslateItem | undefined) : undefined;
    const list = item?.translations ?? [];
    const translations = to.map((language, i) => {
      const t = list.find((x) => x.to?.toLowerCase() === language.toLowerCase()) ?? list[i];
      if (typeof t?.text !== 'string') throw unavailable('the Translator answered without a translation', 5);
      return { language, text: t.text };
    });
    const detected = item?.detectedLanguage?.language;
    return { detectedLanguage: typeof detected === 'string' && detected !== '' ? detected : null, translations };
  }
}
