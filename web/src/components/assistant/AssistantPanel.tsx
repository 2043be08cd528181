// The assistant's conversation and question box, shared by the drawer and the Assistant page.
// Answers are AI-written Markdown, marked as AI, with the tools they used; staff also get the
// proposals as cards to confirm.
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type RefObject } from 'react';
import { api } from '../../api/endpoints';
import type { ChatTurn } from '../../api/types';
import { isStaff, useAuth } from '../../auth/AuthContext';
import { Field } from '../Form';
import { ask, clear, MAX_CHARS, retry, useConversation } from './conversation';
import { loadMarkdown, Markdown } from './Markdown';
import { ProposalCard } from './ProposalCard';
import { ToolChips } from './ToolChips';

const send = (turns: ChatTurn[]) => api.chat(turns);

interface Props {
  /** The question box, for whoever opens the panel to focus. */
  inputRef?: RefObject<HTMLTextAreaElement | null>;
  /** Called when a link inside an answer's card leads elsewhere in the app. */
  onNavigate?: () => void;
}

export function AssistantPanel({ inputRef, onNavigate }: Props) {
  const { user } = useAuth();
  const owner = user?.id;
  const staff = isStaff(user);
  const { exchanges, outcomes, waiting } = useConversation(owner);
  const [text, setText] = useState('');
  const log = useRef<HTMLDivElement>(null);

  // The renderer loads while the user types the first question.
  useEffect(() => {
    void loadMarkdown();
  }, []);

  // The newest exchange stays in view as answers arrive.
  useEffect(() => {
    const el = log.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [exchanges]);

  function submit(e?: FormEvent) {
    e?.preventDefault();
    const question = text.trim();
    if (!owner || !question || waiting) return;
    setText('');
    void ask(owner, question, send);
  }

  // Enter asks; Shift+Enter is a new line.
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) submit(e);
  };

  return (
    <div className="assistant">
      <div className="assistant-log" ref={log} role="log" aria-live="polite" aria-label="Conversation" tabIndex={0}>
        {exchanges.length === 0 && (
          <p className="muted">
            {staff ? 'Try “What should I reorder?” or “How did we sell this week?”' : 'Ask about your orders or what is in stock.'}
          </p>
        )}
        {exchanges.map((e) => (
          <article key={e.id} className="exchange" aria-label={`Question: ${e.question}`}>
            <p className="question">
              <strong>You:</strong> {e.question}
            </p>
            {e.answer && (
              <div className="answer ai-card">
                <p className="ai-label small">
                  <span className="ai-mark" aria-hidden="true">✦</span> AI answer
                  <span className="muted"> · {e.answer.model}</span>
                </p>
                <Markdown text={e.answer.answer} />
                <ToolChips tools={e.answer.tools_used} />
                {staff &&
                  owner &&
                  e.answer.proposals.map((p, i) => (
                    <ProposalCard
                      key={i}
                      owner={owner}
                      id={`${e.id}:${i}`}
                      proposal={p}
                      outcome={outcomes[`${e.id}:${i}`]}
                      onNavigate={onNavigate}
                    />
                  ))}
              </div>
            )}
            {e.error && (
              <div className="notice notice-error" role="alert">
                <span>{e.error}</span>
                <button type="button" className="link" disabled={waiting} onClick={() => owner && void retry(owner, e, send)}>
                  Try again
                </button>
              </div>
            )}
            {!e.answer && !e.error && (
              <p className="muted" role="status">
                <span className="spinner" aria-hidden="true" /> Looking it up…
              </p>
            )}
          </article>
        ))}
      </div>
      <form className="assistant-form" onSubmit={submit}>
        <Field label="Your question" hint="Enter asks; Shift+Enter starts a new line.">
          {(p) => (
            <textarea
              {...p}
              ref={inputRef}
              rows={2}
              maxLength={MAX_CHARS}
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={onKeyDown}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={waiting || !text.trim()}>
            {waiting ? 'Asking…' : 'Ask'}
          </button>
          {exchanges.length > 0 && owner && (
            <button type="button" className="secondary" disabled={waiting} onClick={() => clear(owner)}>
              New conversation
            </button>
          )}
        </div>
      </form>
    </div>
  );
}
