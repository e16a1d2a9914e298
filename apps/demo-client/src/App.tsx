import { useCallback, useEffect, useState } from 'react';
import { isErrorCode, type Role } from '@frookoon/sdk';
import { API_URL, client, currentToken, describeFailure, setToken, type Failure, type User } from './api';
import { FailureNote } from './components/FailureNote';
import type { Cart } from './views/Checkout';
import { FlashSale } from './views/FlashSale';
import { MyOrders } from './views/MyOrders';
import { Shop } from './views/Shop';
import { SignIn } from './views/SignIn';
import { StockAudit } from './views/StockAudit';
import { VendorConsole } from './views/VendorConsole';

type Route = 'shop' | 'orders' | 'console' | 'flash' | 'audit';

const ROUTES: { route: Route; label: (role: Role) => string; roles: Role[] }[] = [
  { route: 'shop', label: (role) => (role === 'customer' ? 'Shop' : 'Catalogue'), roles: ['customer', 'vendor', 'admin'] },
  { route: 'orders', label: () => 'My orders', roles: ['customer'] },
  { route: 'console', label: (role) => (role === 'admin' ? 'Orders console' : 'Vendor console'), roles: ['vendor', 'admin'] },
  { route: 'flash', label: () => 'Flash sale', roles: ['customer', 'vendor', 'admin'] },
  { route: 'audit', label: () => 'Stock audit', roles: ['admin'] },
];

/** `#/orders/{id}` is the orders page with that order open. */
function parseHash(hash: string): { path: string; param: string | null } {
  const [path = '', param] = hash.replace(/^#\/?/, '').split('/');
  return { path, param: param || null };
}

function routeFor(path: string, role: Role): Route {
  const wanted = ROUTES.find((r) => r.route === path && r.roles.includes(role));
  return wanted?.route ?? (role === 'customer' ? 'shop' : 'console');
}

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

type Session = { state: 'checking' } | { state: 'signed-out' } | { state: 'unreachable'; failure: Failure } | { state: 'signed-in'; user: User };

export function App() {
  const [session, setSession] = useState<Session>(currentToken() ? { state: 'checking' } : { state: 'signed-out' });
  const [cart, setCart] = useState<Cart>({});
  const { path, param } = parseHash(useHash());

  const checkSession = useCallback(async () => {
    if (!currentToken()) return;
    setSession({ state: 'checking' });
    try {
      setSession({ state: 'signed-in', user: await client.auth.me.query() });
    } catch (err) {
      if (isErrorCode(err, 'UNAUTHORIZED')) {
        setToken(null);
        setSession({ state: 'signed-out' });
      } else {
        setSession({ state: 'unreachable', failure: describeFailure(err) });
      }
    }
  }, []);

  useEffect(() => {
    void checkSession();
  }, [checkSession]);

  const signedIn = (token: string, user: User) => {
    setToken(token);
    setSession({ state: 'signed-in', user });
    window.location.hash = `#/${routeFor('', user.role)}`;
  };

  const logOut = async () => {
    await client.auth.logout.mutate().catch(() => undefined);
    setToken(null);
    setCart({});
    setSession({ state: 'signed-out' });
  };

  const user = session.state === 'signed-in' ? session.user : null;
  const route = user ? routeFor(path, user.role) : null;
  const cartCount = Object.values(cart).reduce((a, b) => a + b, 0);

  return (
    <div className="app">
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="#/">
            <span className="logo" aria-hidden="true">F</span>
            Frookoon
          </a>
          {user ? (
            <nav aria-label="Main">
              {ROUTES.filter((r) => r.roles.includes(user.role)).map((r) => (
                <a key={r.route} href={`#/${r.route}`} className={r.route === route ? 'active' : ''} data-testid={`nav-${r.route}`}>
                  {r.label(user.role)}
                  {r.route === 'shop' && cartCount > 0 ? <span className="count" data-testid="cart-count">{cartCount}</span> : null}
                </a>
              ))}
            </nav>
          ) : null}
          {user ? (
            <div className="who" data-testid="who">
              <span className="who-name">{user.name}</span>
              <span className={`role-badge role-${user.role}`}>{user.role}</span>
              <button type="button" className="ghost on-dark" data-testid="logout" onClick={() => void logOut()}>Log out</button>
            </div>
          ) : null}
        </div>
      </header>

      <main>
        {session.state === 'checking' ? <p className="muted">Checking your session…</p> : null}
        {session.state === 'unreachable' ? (
          <div className="card">
            <FailureNote failure={session.failure} />
            <button type="button" className="primary" onClick={() => void checkSession()}>Try again</button>
          </div>
        ) : null}
        {session.state === 'signed-out' ? <SignIn onSignedIn={signedIn} /> : null}
        {user && route === 'shop' ? <Shop user={user} cart={cart} setCart={setCart} onPaid={(orderId) => (window.location.hash = `#/orders/${orderId}`)} /> : null}
        {user && route === 'orders' ? <MyOrders user={user} selected={param} /> : null}
        {user && route === 'console' ? <VendorConsole user={user} /> : null}
        {user && route === 'flash' ? <FlashSale user={user} /> : null}
        {user && route === 'audit' ? <StockAudit /> : null}
      </main>

      <footer>
        Demo client of the Frookoon API at <code>{API_URL}</code>, through <code>@frookoon/sdk</code> only.
      </footer>
    </div>
  );
}
