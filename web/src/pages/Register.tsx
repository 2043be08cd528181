import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { api } from '../api/endpoints';
import { useAuth } from '../auth/AuthContext';
import { Field, useSubmit } from '../components/Form';
import { useDocumentTitle } from '../components/Page';

export default function Register() {
  useDocumentTitle('Create an account');
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [form, setForm] = useState({ name: '', email: '', password: '', bootstrap_token: '' });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });

  const { error, busy, onSubmit } = useSubmit(async () => {
    const { bootstrap_token, ...account } = form;
    await api.register(bootstrap_token.trim() ? { ...account, bootstrap_token: bootstrap_token.trim() } : account);
    const user = await signIn(form.email, form.password);
    navigate(user.role === 'customer' ? '/orders' : '/', { replace: true });
  });

  return (
    <main className="auth-page">
      <form className="card auth-card" onSubmit={onSubmit} noValidate>
        <h1>Create your account</h1>
        {error && !Object.keys(error.fieldErrors).length && (
          <p className="notice notice-error" role="alert">
            {error.friendly}
          </p>
        )}
        <Field label="Name" error={error?.fieldErrors.name}>
          {(p) => <input {...p} autoComplete="name" value={form.name} onChange={set('name')} />}
        </Field>
        <Field label="Email" error={error?.fieldErrors.email}>
          {(p) => <input {...p} type="email" autoComplete="email" value={form.email} onChange={set('email')} />}
        </Field>
        <Field label="Password" error={error?.fieldErrors.password} hint="8 to 128 characters, not your email">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={set('password')} />}
        </Field>
        {/* A new deployment without ADMIN_EMAIL prints a one-time token: it makes the first admin. */}
        <details className="small">
          <summary>Setting up a new Stockroom?</summary>
          <Field
            label="Bootstrap token"
            error={error?.fieldErrors.bootstrap_token}
            hint="Printed once by the auth service at its first start (STOCKROOM_BOOTSTRAP_TOKEN). It makes this account the admin."
          >
            {(p) => <input {...p} autoComplete="off" spellCheck={false} value={form.bootstrap_token} onChange={set('bootstrap_token')} />}
          </Field>
        </details>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
        <p className="muted small">
          Already have one? <Link to="/signin">Sign in</Link>.
        </p>
      </form>
    </main>
  );
}
