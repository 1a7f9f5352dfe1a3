/**
 * The Vigil console: a single page served by `vigil serve` on the API's port. The shell holds the
 * session (sessionStorage), the navigation and the page for the current hash route.
 */
import 'uplot/dist/uPlot.min.css';
import '../styles.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AlertsPage } from './alerts';
import { loadSession, postJson, saveSession, setToken, setUnauthorizedHandler, type Session } from './api';
import { DashboardsPage } from './dashboards';
import { Login } from './login';
import { NetworkPage } from './netmap';
import { href, useRoute } from './router';
import { SearchPage } from './search';
import { TailPage } from './tail';
import { TimelinePage } from './timeline';
import { TracesPage } from './traces';

/** Each page and the permission its data needs: pages the role cannot use are not offered. */
const PAGES = [
  { path: 'search', label: 'Search', page: SearchPage, needs: 'search' },
  { path: 'tail', label: 'Live tail', page: TailPage, needs: 'search' },
  { path: 'alerts', label: 'Alerts', page: AlertsPage, needs: 'alerts:read' },
  { path: 'timeline', label: 'Timeline', page: TimelinePage, needs: 'search' },
  { path: 'network', label: 'Network', page: NetworkPage, needs: 'search' },
  { path: 'dashboards', label: 'Dashboards', page: DashboardsPage, needs: 'search' },
  { path: 'traces', label: 'Traces', page: TracesPage, needs: 'traces:read' },
] as const;

function App() {
  const [session, setSession] = useState<Session | undefined>(loadSession);
  const route = useRoute();
  const logout = () => {
    // A login session ends on the server too; an API token stays valid (it was pasted, not issued).
    if (loadSession()?.kind === 'session') void postJson('/api/v1/logout').catch(() => undefined);
    saveSession(undefined);
    setToken(undefined);
    setSession(undefined);
  };
  useEffect(() => setUnauthorizedHandler(logout), []);
  const current = PAGES.find((p) => p.path === route.path[0]) ?? PAGES[0];
  useEffect(() => {
    document.title = `${current.label} · Vigil`;
  }, [current]);
  if (!session)
    return (
      <Login
        onLogin={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  const Page = current.page;
  const allowed = PAGES.filter((p) => session.permissions.includes(p.needs));
  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => {
          // The hash is the route: move focus without navigating.
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Vigil</span>
        <nav aria-label="Console">
          <ul>
            {allowed.map((p) => (
              <li key={p.path}>
                <a href={href(p.path)} aria-current={p === current ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">
          {session.name} ({session.role}){' '}
          <button type="button" class="link" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      <main id="main" tabIndex={-1}>
        {session.permissions.includes(current.needs) ? (
          <Page route={route} />
        ) : (
          <p class="notice error" role="alert">
            The role {session.role} may not use {current.label} (it needs the {current.needs} permission).
          </p>
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
