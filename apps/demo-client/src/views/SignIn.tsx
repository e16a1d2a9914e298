import type { FormEvent } from 'react';
import { client, type User } from '../api';
import { FailureNote } from '../components/FailureNote';
import { useAction, type Action } from '../hooks';

const DEMO_PASSWORD = 'frookoon-demo';
const DEMO_ACCOUNTS = [
  { role: 'customer', email: 'customer@demo.frookoon.test', blurb: 'Shop, pay, follow deliveries' },
  { role: 'vendor', email: 'vendor@demo.frookoon.test', blurb: 'Pack, ship and deliver orders' },
  { role: 'admin', email: 'admin@demo.frookoon.test', blurb: 'Everything, plus the stock audit' },
] as const;

export function SignIn({ onSignedIn }: { onSignedIn: (token: string, user: User) => void }) {
  const demo = useAction();
  const login = useAction();
  const register = useAction();

  const signIn = (action: Action, email: string, password: string) =>
    action.run(async () => {
      const result = await client.auth.login.mutate({ email, password });
      onSignedIn(result.token, result.user);
    });

  function submitLogin(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void signIn(login, String(form.get('email')), String(form.get('password')));
  }

  function submitRegister(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void register.run(async () => {
      const result = await client.auth.register.mutate({
        name: String(form.get('name')), email: String(form.get('email')), password: String(form.get('password')),
      });
      onSignedIn(result.token, result.user);
    });
  }

  return (
    <div className="sign-in">
      <section className="hero">
        <h1>Fresh fruit, straight from the orchard</h1>
        <p>
          A demo of the Frookoon marketplace API. Every screen talks to it through <code>@frookoon/sdk</code>, from
          another origin.
        </p>
      </section>
      <section className="card">
        <h2>Try a demo account</h2>
        <div className="demo-accounts">
          {DEMO_ACCOUNTS.map((a) => (
            <button
              key={a.role}
              type="button"
              className="demo-account"
              data-testid={`demo-login-${a.role}`}
              disabled={demo.busy}
              onClick={() => void signIn(demo, a.email, DEMO_PASSWORD)}
            >
              <span className={`role-badge role-${a.role}`}>{a.role}</span>
              <strong>{a.email}</strong>
              <span className="muted">{a.blurb}</span>
            </button>
          ))}
        </div>
        <p className="muted small">Password for all three: <code>{DEMO_PASSWORD}</code></p>
        <FailureNote failure={demo.failure} />
      </section>
      <div className="two-up">
        <section className="card">
          <h2>Sign in</h2>
          <form className="stack" onSubmit={submitLogin}>
            <label>Email <input name="email" type="email" required autoComplete="username" /></label>
            <label>Password <input name="password" type="password" required autoComplete="current-password" /></label>
            <button type="submit" className="primary" disabled={login.busy}>Sign in</button>
          </form>
          <FailureNote failure={login.failure} />
        </section>
        <section className="card">
          <h2>New here? Create a customer account</h2>
          <form className="stack" onSubmit={submitRegister} data-testid="register-form">
            <label>Name <input name="name" required autoComplete="name" /></label>
            <label>Email <input name="email" type="email" required autoComplete="email" /></label>
            <label>Password <input name="password" type="password" required minLength={10} autoComplete="new-password" /></label>
            <button type="submit" className="primary" disabled={register.busy}>Create account</button>
          </form>
          <FailureNote failure={register.failure} />
        </section>
      </div>
    </div>
  );
}
