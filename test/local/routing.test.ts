import { describe, expect, it } from 'vitest';
import type { Registration } from '../../local/host/core-api.js';
import { type HttpRoute, matchRoute } from '../../local/host/routing.js';

const route = (template: string, methods: string[]): HttpRoute => ({
  reg: { metadata: { name: template, bindings: {} }, callback: () => undefined } satisfies Registration,
  triggerName: 't',
  methods,
  template,
  segments: template.split('/').map((s) => {
    const m = /^\{(\w+)\}$/.exec(s);
    return m ? { param: m[1] ?? '' } : { literal: s.toLowerCase() };
  }),
});

describe('local host routing', () => {
  const routes = [
    route('v1/c/{conversationId}/messages/{messageId}', ['GET', 'PUT']),
    route('v1/c/{conversationId}/messages/search', ['GET']),
    route('v1/c/{conversationId}/messages', ['GET', 'POST']),
  ];

  it('when a literal segment and a parameter both match, then the literal wins (as in ASP.NET routing)', () => {
    expect(matchRoute(routes, 'v1/c/x/messages/search', 'GET').match?.route.template).toBe(
      'v1/c/{conversationId}/messages/search',
    );
    expect(matchRoute(routes, 'v1/c/x/messages/m1', 'GET').match?.params).toEqual({
      conversationId: 'x',
      messageId: 'm1',
    });
  });

  it('when the path matches but the method does not, then the allowed methods are listed', () => {
    const r = matchRoute(routes, 'v1/c/x/messages', 'DELETE');
    expect(r.match).toBeUndefined();
    expect(r.allowed.sort()).toEqual(['GET', 'POST']);
  });

  it('when segments are percent-encoded or malformed, then they are decoded or not matched', () => {
    expect(matchRoute(routes, 'v1/c/a%3Ab/messages', 'GET').match?.params.conversationId).toBe('a:b');
    expect(matchRoute(routes, 'v1/c/%E0%A4%A/messages', 'GET').match).toBeUndefined();
    expect(matchRoute(routes, 'V1/C/x/MESSAGES', 'POST').match?.route.template).toBe('v1/c/{conversationId}/messages');
  });
});
