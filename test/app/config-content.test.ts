import { describe, expect, it } from 'vitest';
import { ConfigError, loadSettings } from '../../shared/config/settings.js';

const base = {
  AzureSignalRConnectionString: 'Endpoint=http://127.0.0.1;Port=8888;AccessKey=k;Version=1.0;',
  AUTH_MODE: 'dev',
  AUTH_DEV_SECRET: 'x'.repeat(40),
};

const problems = (env: Record<string, string>): string[] => {
  try {
    loadSettings({ ...base, ...env });
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
};

describe('content pipeline settings', () => {
  it('when nothing is set, then 3 link previews per message, no allowed hosts, a day of cache and no Translator', () => {
    const s = loadSettings(base);
    expect(s.linkPreviews).toEqual({ maxUrls: 3, allowedHosts: [], cacheSeconds: 86_400 });
    expect(s.translator).toBeUndefined();
  });

  it('when allowed hosts are listed, then each is a host with one port or any, IPv6 in brackets', () => {
    const s = loadSettings({ ...base, LINK_PREVIEW_ALLOWED_HOSTS: ' Wiki.Corp , 127.0.0.1:8080,[::1]:9000,[fd00::5]' });
    expect(s.linkPreviews.allowedHosts).toEqual([
      { host: 'wiki.corp' },
      { host: '127.0.0.1', port: 8080 },
      { host: '::1', port: 9000 },
      { host: 'fd00::5' },
    ]);
    expect(problems({ LINK_PREVIEW_ALLOWED_HOSTS: 'http://wiki.corp/' })[0]).toMatch(/^LINK_PREVIEW_ALLOWED_HOSTS: /);
    expect(problems({ LINK_PREVIEW_MAX_URLS: '-1' })[0]).toMatch(/^LINK_PREVIEW_MAX_URLS: /);
    expect(loadSettings({ ...base, LINK_PREVIEW_MAX_URLS: '0' }).linkPreviews.maxUrls).toBe(0);
  });

  it('when a Translator is configured with a key, then key auth with the optional region', () => {
    const s = loadSettings({
      ...base,
      TRANSLATOR_ENDPOINT: 'https://api.cognitive.microsofttranslator.com',
      TRANSLATOR_KEY: 'k',
    });
    expect(s.translator).toEqual({
      endpoint: 'https://api.cognitive.microsofttranslator.com',
      auth: { kind: 'key', key: 'k', region: undefined },
    });
  });

  it('when a Translator is configured without a key, then the identity needs the resource id and the region', () => {
    expect(problems({ TRANSLATOR_ENDPOINT: 'https://api.cognitive.microsofttranslator.com' })).toEqual([
      'TRANSLATOR_RESOURCE_ID: is required with TRANSLATOR_ENDPOINT when there is no TRANSLATOR_KEY',
      'TRANSLATOR_REGION: is required with TRANSLATOR_ENDPOINT when there is no TRANSLATOR_KEY',
    ]);
    const s = loadSettings({
      ...base,
      TRANSLATOR_ENDPOINT: 'https://api.cognitive.microsofttranslator.com',
      TRANSLATOR_RESOURCE_ID: '/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/t',
      TRANSLATOR_REGION: 'westeurope',
    });
    expect(s.translator?.auth).toEqual({
      kind: 'identity',
      resourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/t',
      region: 'westeurope',
    });
    expect(problems({ TRANSLATOR_KEY: 'k' })).toEqual(['TRANSLATOR_ENDPOINT: is required with TRANSLATOR_KEY']);
  });
});
