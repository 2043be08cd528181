// A proposal from the assistant: what it would do, and a button that does it through the
// ordinary API as the signed-in staff member. The AI never does it; confirming is the
// person's act. The outcome is kept with the conversation, with the request's idempotency
// key, so a card seen again (or a retry after a failure) never creates twice.
import { useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { toApiError } from '../../api/client';
import { api } from '../../api/endpoints';
import type { Proposal } from '../../api/types';
import { useToast } from '../Feedback';
import { newKey, setOutcome, type Outcome } from './conversation';
import { ProposalBody } from './ProposalBody';

const KIND = {
  purchase_order: { title: 'Proposed purchase order', action: 'Create draft purchase order' },
  stock_adjustment: { title: 'Proposed stock adjustment', action: 'Record stock adjustment' },
} as const;

interface Props {
  owner: string;
  /** Where the outcome is kept: the exchange and the proposal's place in it. */
  id: string;
  proposal: Proposal;
  outcome?: Outcome;
  /** Called when the user follows the link to what was created (the drawer closes). */
  onNavigate?: () => void;
}

export function ProposalCard({ owner, id, proposal, outcome, onNavigate }: Props) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const titleId = useId();
  const kind = KIND[proposal.kind];

  async function confirm() {
    const key = outcome?.key ?? newKey();
    setOutcome(owner, id, { key });
    setBusy(true);
    try {
      let done: Outcome['done'];
      if (proposal.kind === 'purchase_order') {
        const po = await api.createPurchaseOrder(proposal.body, key);
        done = { text: `Draft purchase order ${po.number} created.`, href: `/purchasing/${po.id}`, linkText: `Open ${po.number}` };
        void queryClient.invalidateQueries({ queryKey: ['purchase-orders'] });
      } else {
        const { product } = await api.adjust(proposal.body as Parameters<typeof api.adjust>[0], key);
        done = {
          text: `${product.name}: now ${product.on_hand} on hand, ${product.available} available.`,
          href: `/products/${product.id}`,
          linkText: `Open ${product.sku}`,
        };
        void queryClient.invalidateQueries({ queryKey: ['products'] });
        void queryClient.invalidateQueries({ queryKey: ['dashboard'] });
      }
      void queryClient.invalidateQueries({ queryKey: ['restock'] });
      setOutcome(owner, id, { key, done });
      toast(done.text);
    } catch (e) {
      setOutcome(owner, id, { key, error: toApiError(e).friendly });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="proposal" aria-labelledby={titleId}>
      <h3 id={titleId}>
        <span className="ai-mark" aria-hidden="true">✦</span> {kind.title}
      </h3>
      <p>{proposal.summary}</p>
      <ProposalBody proposal={proposal} />
      {outcome?.done ? (
        <p className="notice notice-success" role="status">
          <span>{outcome.done.text}</span>
          <Link to={outcome.done.href} onClick={onNavigate}>
            {outcome.done.linkText}
          </Link>
        </p>
      ) : (
        <>
          {outcome?.error && (
            <p className="notice notice-error" role="alert">
              {outcome.error}
            </p>
          )}
          <p className="muted small">Nothing has been done yet: confirm to do it as you.</p>
          <button type="button" onClick={confirm} disabled={busy}>
            {busy ? 'Working…' : kind.action}
          </button>
        </>
      )}
    </section>
  );
}
