// The assistant on a page of its own (staff): the same conversation as the drawer, with the
// AI's configuration and state on show.
import { useQuery } from '@tanstack/react-query';
import { queries } from '../api/queries';
import { AssistantPanel } from '../components/assistant/AssistantPanel';
import { PageHeading } from '../components/Page';

export default function Assistant() {
  const status = useQuery(queries.aiStatus());
  return (
    <div className="page">
      <header className="page-head">
        <PageHeading title="Assistant">
          <span className="ai-mark" aria-hidden="true">✦</span> Assistant
        </PageHeading>
        {status.data && (
          <span className="pill ai-pill">{status.data.enabled ? `${status.data.model} · ${status.data.breaker}` : 'AI is not configured'}</span>
        )}
      </header>
      <p className="muted">
        Ask about stock, orders, sales, restock and purchasing. The AI looks things up with your own permissions and may propose a purchase
        order or a stock adjustment for you to confirm; it changes nothing itself. The same conversation is in the “Ask AI” drawer on every page.
      </p>
      <section className="card">
        <AssistantPanel />
      </section>
    </div>
  );
}
