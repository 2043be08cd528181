// The frame: left navigation (collapses on narrow screens), the user, and service health.
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useLiveRefresh } from '../api/live';
import { Suspense, lazy, useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router';
import { api } from '../api/endpoints';
import { isStaff, useAuth } from '../auth/AuthContext';
import { preload } from '../routes';
import { useToast } from './Feedback';
import './assistant/assistant.css';

// The assistant's drawer is loaded when first wanted, so no page pays for it up front.
const loadDrawer = () => import('./assistant/AssistantDrawer');
const AssistantDrawer = lazy(loadDrawer);

interface NavItem {
  to: string;
  label: string;
  staff?: boolean;
  admin?: boolean;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Dashboard', staff: true },
  { to: '/orders', label: 'Orders' },
  { to: '/products', label: 'Products' },
  { to: '/stocktake', label: 'Stocktake', staff: true },
  { to: '/suppliers', label: 'Suppliers', staff: true },
  { to: '/restock', label: 'Restock', staff: true },
  { to: '/purchasing', label: 'Purchasing', staff: true },
  { to: '/returns', label: 'Returns', staff: true },
  { to: '/assistant', label: 'Assistant', staff: true },
  { to: '/users', label: 'Users', admin: true },
  { to: '/audit', label: 'Audit', admin: true },
  { to: '/webhooks', label: 'Webhooks', admin: true },
  { to: '/notifications', label: 'Notifications', admin: true },
];

function HealthDot() {
  const { data, isError } = useQuery({ queryKey: ['status'], queryFn: api.status, refetchInterval: 15000 });
  const down = data ? Object.entries(data.services).filter(([, s]) => s.status !== 'up').map(([n]) => n) : [];
  const level = isError ? 'red' : down.length ? 'amber' : data ? 'green' : 'grey';
  const text = isError ? 'Cannot reach Stockroom' : down.length ? `Down: ${down.join(', ')}` : data ? 'All services up' : 'Checking…';
  return (
    <span className="health" title={text}>
      <span className={`dot dot-${level}`} aria-hidden="true" />
      <span className="small">{text}</span>
    </span>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, signOut } = useAuth();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const toast = useToast();
  // Staff hear of new orders as they arrive; a customer's own orders are theirs already.
  useLiveRefresh(queryClient, Boolean(user), isStaff(user) ? toast : undefined);
  const [open, setOpen] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  const [assistant, setAssistant] = useState<'never' | 'open' | 'closed'>('never');
  const assistantButton = useRef<HTMLButtonElement>(null);
  const items = NAV.filter((i) => (i.admin ? user?.role === 'admin' : i.staff ? isStaff(user) : true));
  // Escape closes the phone menu from anywhere, and focus goes back to its button.
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open]);
  // Pointing at or tabbing to a link starts loading that page's code and data.
  const warm = (to: string) => () => preload(queryClient, to, user?.role);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className={`sidebar${open ? ' open' : ''}`} aria-label="Main">
        <div className="brand">
          <span className="logo" aria-hidden="true">▦</span> Stockroom
          <button
            ref={assistantButton}
            type="button"
            className="ask-ai"
            aria-haspopup="dialog"
            aria-expanded={assistant === 'open'}
            onClick={() => setAssistant('open')}
            onMouseEnter={() => void loadDrawer()}
            onFocus={() => void loadDrawer()}
          >
            <span className="ai-mark" aria-hidden="true">✦</span>Ask AI
          </button>
          <button
            ref={menuButton}
            type="button"
            className="icon menu"
            aria-expanded={open}
            aria-controls="main-menu"
            aria-label="Menu"
            onClick={() => setOpen(!open)}
          >
            ☰
          </button>
        </div>
        <ul id="main-menu">
          {items.map((i) => (
            <li key={i.to}>
              <NavLink to={i.to} end={i.to === '/'} onClick={() => setOpen(false)} onMouseEnter={warm(i.to)} onFocus={warm(i.to)}>
                {i.label}
              </NavLink>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <HealthDot />
          <div className="who">
            <strong>{user?.name}</strong>
            <span className="muted small">
              {user?.email} · {user?.role}
            </span>
          </div>
          <button
            type="button"
            className="secondary"
            onClick={async () => {
              await signOut();
              navigate('/signin');
            }}
          >
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      {assistant !== 'never' && (
        <Suspense fallback={null}>
          <AssistantDrawer
            open={assistant === 'open'}
            onClose={() => {
              setAssistant('closed');
              assistantButton.current?.focus();
            }}
          />
        </Suspense>
      )}
    </div>
  );
}
