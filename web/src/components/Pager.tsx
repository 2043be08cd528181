// Cursor paging with the cursor trail kept in the query string, so back and forward work.
import { useSearchParams } from 'react-router';

export function usePageCursor(): [string | undefined, (next: string | null) => void, () => void, boolean] {
  const [params, setParams] = useSearchParams();
  const trail = params.get('trail')?.split(',').filter(Boolean) ?? [];
  const cursor = trail.at(-1);
  const next = (c: string | null) => {
    if (!c) return;
    const p = new URLSearchParams(params);
    p.set('trail', [...trail, c].join(','));
    setParams(p);
  };
  const prev = () => {
    const p = new URLSearchParams(params);
    const t = trail.slice(0, -1);
    if (t.length) p.set('trail', t.join(','));
    else p.delete('trail');
    setParams(p);
  };
  return [cursor, next, prev, trail.length > 0];
}

export function Pager({ nextCursor, onNext, onPrev, hasPrev }: { nextCursor: string | null; onNext: (c: string | null) => void; onPrev: () => void; hasPrev: boolean }) {
  if (!nextCursor && !hasPrev) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="secondary" disabled={!hasPrev} onClick={onPrev}>
        ← Newer
      </button>
      <button type="button" className="secondary" disabled={!nextCursor} onClick={() => onNext(nextCursor)}>
        Older →
      </button>
    </nav>
  );
}
