import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toApiError } from '../api/client';
import { api } from '../api/endpoints';
import { queries } from '../api/queries';
import { Field } from '../components/Form';
import { PageHeading } from '../components/Page';

interface Turn {
  question: string;
  answer?: string;
  error?: string;
}

export default function Assistant() {
  const status = useQuery(queries.aiStatus());
  const [turns, setTurns] = useState<Turn[]>([]);
  const [message, setMessage] = useState('');
  const ask = useMutation({
    mutationFn: (q: string) => api.chat(q),
    onSuccess: (r, q) => setTurns((t) => t.map((x) => (x.question === q && !x.answer ? { ...x, answer: r.answer } : x))),
    onError: (e, q) => setTurns((t) => t.map((x) => (x.question === q && !x.answer ? { ...x, error: toApiError(e).friendly } : x))),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const q = message.trim();
    if (!q) return;
    setTurns((t) => [...t, { question: q }]);
    setMessage('');
    ask.mutate(q);
  }
  const disabled = status.data && !status.data.enabled;
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Assistant"><span className="ai-mark" aria-hidden="true">✦</span> Assistant</PageHeading>
        {status.data && <span className="pill ai-pill">{status.data.enabled ? `${status.data.model} · ${status.data.breaker}` : 'AI is not configured'}</span>}
      </header>
      <p className="muted">Ask about stock levels, low stock, recent orders and sales. Answers come from the live data, marked as AI.</p>
      <section className="card chat" aria-live="polite">
        {turns.length === 0 && <p className="muted">Try “What should I reorder this week?”</p>}
        {turns.map((t, i) => (
          <div key={i} className="turn">
            <p className="q"><strong>You:</strong> {t.question}</p>
            {t.answer && <p className="a"><span className="ai-mark">✦ AI:</span> {t.answer}</p>}
            {t.error && <p className="notice notice-error">{t.error}</p>}
            {!t.answer && !t.error && <p className="muted"><span className="spinner" aria-hidden="true" /> Thinking…</p>}
          </div>
        ))}
      </section>
      <form className="chat-form" onSubmit={submit}>
        <Field label="Your question">
          {(p) => <input {...p} value={message} disabled={disabled} onChange={(e) => setMessage(e.target.value)} placeholder={disabled ? 'AI is not configured' : 'Ask a question'} />}
        </Field>
        <button type="submit" disabled={disabled || ask.isPending || !message.trim()}>Ask</button>
      </form>
    </div>
  );
}
