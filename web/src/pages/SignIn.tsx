import { useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../auth/AuthContext';
import { Field, useSubmit } from '../components/Form';
import { useDocumentTitle } from '../components/Page';

export default function SignIn() {
  useDocumentTitle('Sign in');
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { error, busy, onSubmit } = useSubmit(async () => {
    const user = await signIn(email, password);
    const from = (location.state as { from?: string } | null)?.from;
    navigate(from ?? (user.role === 'customer' ? '/orders' : '/'), { replace: true });
  });

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={onSubmit} noValidate>
        <h1>Sign in to Stockroom</h1>
        {error && (
          <p className="notice notice-error" role="alert">
            {error.friendly}
          </p>
        )}
        <Field label="Email" error={error?.fieldErrors.email}>
          {(p) => <input {...p} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />}
        </Field>
        <Field label="Password" error={error?.fieldErrors.password}>
          {(p) => (
            <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          No account? <Link to="/register">Create one</Link>. On a new Stockroom, the first account (or the one your operator named) is its admin.
        </p>
      </form>
    </main>
  );
}
