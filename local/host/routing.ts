import { type Registration, registeredFunctions, triggerBinding } from './core-api.js';

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
}

export interface HttpRoute {
  reg: Registration;
  triggerName: string;
  methods: string[];
  template: string;
  segments: Segment[];
}

function parseTemplate(template: string): Segment[] {
  return template
    .split('/')
    .filter((s) => s !== '')
    .map((s): Segment => {
      const m = /^\{(\*)?([A-Za-z_][\w]*)(?::[^}?]+)?(\?)?\}$/.exec(s);
      if (!m) return { literal: s.toLowerCase() };
      return { param: m[2] ?? '', catchAll: m[1] === '*', optional: m[3] === '?' };
    });
}

/** Http-triggered functions with their route templates (default route = the function name), like the host. */
export function httpRoutes(): HttpRoute[] {
  return registeredFunctions().flatMap((reg) => {
    const [triggerName, t] = triggerBinding(reg);
    if (t.type?.toLowerCase() !== 'httptrigger') return [];
    const template = typeof t.route === 'string' && t.route !== '' ? t.route : reg.metadata.name;
    const methods = Array.isArray(t.methods)
      ? (t.methods as string[]).map((m) => m.toUpperCase())
      : ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
    return [{ reg, triggerName, methods, template, segments: parseTemplate(template) }];
  });
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as Segment;
    const part = parts[i];
    if (s.catchAll) {
      params[s.param as string] = parts.slice(i).join('/');
      return params;
    }
    if (part === undefined) return s.optional ? params : null;
    if (s.literal !== undefined) {
      if (part.toLowerCase() !== s.literal) return null;
    } else {
      try {
        params[s.param as string] = decodeURIComponent(part);
      } catch {
        return null;
      }
    }
  }
  return parts.length === segments.length ? params : null;
}

/** A literal segment beats a parameter at the same position (ASP.NET routing precedence). */
const specificity = (r: HttpRoute): string =>
  r.segments.map((s) => (s.literal !== undefined ? '0' : s.catchAll ? '2' : '1')).join('');

export interface RouteMatch {
  route: HttpRoute;
  params: Record<string, string>;
}

/** The route for a path below the route prefix; `allowed` lists methods of routes that match the path only. */
export function matchRoute(
  routes: HttpRoute[],
  path: string,
  method: string,
): { match?: RouteMatch; allowed: string[] } {
  const parts = path.split('/').filter((s) => s !== '');
  const candidates = routes
    .map((route) => ({ route, params: matchSegments(route.segments, parts) }))
    .filter((c): c is RouteMatch => c.params !== null)
    .sort((a, b) =>
      specificity(a.route) < specificity(b.route) ? -1 : specificity(a.route) > specificity(b.route) ? 1 : 0,
    );
  const best = candidates.filter((c) => specificity(c.route) === specificity(candidates[0]?.route ?? c.route));
  const match = best.find((c) => c.route.methods.includes(method.toUpperCase()));
  return { match, allowed: [...new Set(best.flatMap((c) => c.route.methods))] };
}
