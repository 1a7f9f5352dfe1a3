/**
 * Hash routing: `#/search?q=...&from=-1h`. Pages keep their state (query, window, focus) in the
 * hash so a view can be bookmarked, shared and reached with the back button.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  path: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const q = text.indexOf('?');
  const path = (q >= 0 ? text.slice(0, q) : text).split('/').filter(Boolean).map(decodeURIComponent);
  return { path, params: new URLSearchParams(q >= 0 ? text.slice(q + 1) : '') };
}

export function href(path: string, params: Record<string, string | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const qs = search.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

export function navigate(path: string, params: Record<string, string | undefined> = {}): void {
  location.hash = href(path, params);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
