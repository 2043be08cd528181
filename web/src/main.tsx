import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';
import { StrictMode, Suspense, lazy, startTransition, useEffect, useRef } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import { ApiError, session } from './api/client';
import { AuthProvider, useAuth } from './auth/AuthContext';
import { ConfirmProvider } from './components/Dialog';
import { Loading, ToastProvider } from './components/Feedback';
import { Layout } from './components/Layout';
import { focusNextHeading } from './components/Page';
import SignIn from './pages/SignIn';
import { ROUTES, allowed, pageOf, preload, type AppRoute } from './routes';
import './styles.css';

const Register = lazy(() => import('./pages/Register'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // 4xx will not get better by retrying; a 503 may.
      retry: (count, error) => count < 2 && (!(error instanceof ApiError) || error.status >= 500 || error.status === 0),
    },
  },
});

// Before React renders: restore the session and fetch this page's code at the same time.
void session.refresh();
preload(null, window.location.href, undefined);

/** A signed-in page: redirects to sign-in without a session and away from pages the role may not see. */
function Protected({ route }: { route: AppRoute }) {
  const { user, restoring } = useAuth();
  const location = useLocation();
  const client = useQueryClient();
  const role = user?.role;
  // The page's data starts now, while its code may still be loading.
  useEffect(() => {
    if (role) preload(client, location.pathname + location.search, role);
  }, [client, role, location.pathname, location.search]);
  if (restoring) return <Loading label="Signing in" />;
  if (!user) return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  if (!allowed(route.access, role)) return <Navigate to={role === 'customer' ? '/orders' : '/'} replace />;
  const Page = pageOf(route);
  return (
    <Layout>
      <Suspense fallback={<Loading />}>
        <Page />
      </Suspense>
    </Layout>
  );
}

/** After a client-side navigation, the new page's heading takes focus (not on the first load). */
function FocusOnNavigate() {
  const { pathname } = useLocation();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    focusNextHeading();
  }, [pathname]);
  return null;
}

function App() {
  return (
    <>
      <FocusOnNavigate />
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route path="/register" element={<Suspense fallback={<Loading />}><Register /></Suspense>} />
        {ROUTES.map((r) => (
          <Route key={r.path} path={r.path} element={<Protected route={r} />} />
        ))}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Routes>
    </>
  );
}

// A transition: React may yield to the browser while it builds the first screen, so a slow
// phone never sees one long task.
const root = createRoot(document.getElementById('root')!);
startTransition(() => root.render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <AuthProvider>
        <ToastProvider>
          <BrowserRouter>
            <ConfirmProvider>
              <App />
            </ConfirmProvider>
          </BrowserRouter>
        </ToastProvider>
      </AuthProvider>
    </QueryClientProvider>
  </StrictMode>,
));
