/**
 * Login with a user name and password (POST /api/v1/login) or by pasting an API token; either way
 * the token is checked with /api/v1/console/me, which also says the role and what it may do.
 */
import { useState } from 'preact/hooks';
import { ApiError, getJson, postJson, setToken, type Session } from './api';
import { Notice } from './components';

interface Me {
  name: string;
  role: string;
  permissions: string[];
  kind: 'session' | 'token';
}

async function sessionFor(token: string): Promise<Session> {
  setToken(token);
  try {
    const me = await getJson<Me>('/api/v1/console/me');
    return { token, ...me };
  } catch (error) {
    setToken(undefined);
    throw error;
  }
}

export function Login({ onLogin }: { onLogin: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setTokenText] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const attempt = async (get: () => Promise<string>) => {
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await sessionFor(await get()));
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 404
          ? new Error('Login with a user name is not available on this server; use an API token.')
          : e instanceof ApiError && e.status === 401
            ? new Error('Wrong user name, password or token.')
            : e,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>Vigil</h1>
      <Notice error={error} />
      <form
        aria-labelledby="login-user-title"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(
            async () => (await postJson<{ token: string }>('/api/v1/login', { username, password })).token,
          );
        }}
      >
        <h2 id="login-user-title">Log in</h2>
        <label for="login-username">User name</label>
        <input
          id="login-username"
          autocomplete="username"
          value={username}
          onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy || !username || !password}>
          Log in
        </button>
      </form>
      <form
        aria-labelledby="login-token-title"
        onSubmit={(e) => {
          e.preventDefault();
          void attempt(async () => token.trim());
        }}
      >
        <h2 id="login-token-title">Or use an API token</h2>
        <label for="login-token">API token</label>
        <input
          id="login-token"
          type="password"
          autocomplete="off"
          placeholder="vgl_…"
          value={token}
          onInput={(e) => setTokenText((e.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={busy || !token.trim()}>
          Use token
        </button>
      </form>
    </main>
  );
}
