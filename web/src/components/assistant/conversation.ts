// The assistant's conversation: kept outside any component, so it survives the drawer closing
// and pages changing, and belongs to one signed-in user (another user starts afresh). The
// client keeps the history and sends the recent turns with each question; the server is
// stateless.
import { useSyncExternalStore } from 'react';
import { toApiError } from '../../api/client';
import type { ChatAnswer, ChatTurn } from '../../api/types';

/** What the API accepts: the last 20 turns, 4,000 characters each. */
export const MAX_TURNS = 20;
export const MAX_CHARS = 4000;

export interface Exchange {
  id: number;
  question: string;
  answer?: ChatAnswer;
  error?: string;
}

/** What became of a proposal the user confirmed (or tried to). */
export interface Outcome {
  /** Idempotency key of the confirming request, kept so a retry cannot create twice. */
  key: string;
  done?: { text: string; href: string; linkText: string };
  error?: string;
}

interface State {
  owner: string | null;
  exchanges: Exchange[];
  outcomes: Record<string, Outcome>;
}

let state: State = { owner: null, exchanges: [], outcomes: {} };
let nextId = 1;
const listeners = new Set<() => void>();

function update(change: (s: State) => State) {
  state = change(state);
  listeners.forEach((l) => l());
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => listeners.delete(l);
};

/** At most `MAX_CHARS` characters (code points, as the server counts them). */
export function clip(text: string): string {
  const chars = Array.from(text.trim());
  return chars.length > MAX_CHARS ? chars.slice(0, MAX_CHARS).join('') : chars.join('');
}

/** The turns sent with `question`: answered exchanges in order, then the question; the last 20. */
export function turnsFor(history: Exchange[], question: string): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const e of history) {
    if (!e.answer) continue;
    turns.push({ role: 'user', content: clip(e.question) }, { role: 'assistant', content: clip(e.answer.answer) });
  }
  turns.push({ role: 'user', content: clip(question) });
  return turns.slice(-MAX_TURNS);
}

type Send = (turns: ChatTurn[]) => Promise<ChatAnswer>;

function own(owner: string) {
  if (state.owner !== owner) update(() => ({ owner, exchanges: [], outcomes: {} }));
}

/** Asks `question` for `owner`, with the conversation so far. */
export async function ask(owner: string, question: string, send: Send): Promise<void> {
  own(owner);
  const turns = turnsFor(state.exchanges, question);
  const id = nextId++;
  update((s) => ({ ...s, exchanges: [...s.exchanges, { id, question }] }));
  const settle = (patch: Partial<Exchange>) =>
    update((s) => (s.owner !== owner ? s : { ...s, exchanges: s.exchanges.map((e) => (e.id === id ? { ...e, ...patch } : e)) }));
  try {
    settle({ answer: await send(turns) });
  } catch (e) {
    settle({ error: toApiError(e).friendly });
  }
}

/** Asks a failed question again, in its place. */
export async function retry(owner: string, exchange: Exchange, send: Send): Promise<void> {
  update((s) => ({ ...s, exchanges: s.exchanges.filter((e) => e.id !== exchange.id) }));
  await ask(owner, exchange.question, send);
}

export function clear(owner: string) {
  update(() => ({ owner, exchanges: [], outcomes: {} }));
}

export function setOutcome(owner: string, proposal: string, outcome: Outcome) {
  update((s) => (s.owner !== owner ? s : { ...s, outcomes: { ...s.outcomes, [proposal]: outcome } }));
}

/** The conversation of `owner` (empty for anyone else), live. */
export function useConversation(owner: string | undefined) {
  const s = useSyncExternalStore(subscribe, () => state);
  const mine = owner !== undefined && s.owner === owner;
  const exchanges = mine ? s.exchanges : [];
  return {
    exchanges,
    outcomes: mine ? s.outcomes : {},
    waiting: exchanges.some((e) => !e.answer && !e.error),
  };
}

/** A fresh idempotency key. */
export const newKey = () =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
