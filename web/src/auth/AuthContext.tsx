// Who is signed in. The session itself lives in the API client's SessionStore.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { session } from '../api/client';
import { api } from '../api/endpoints';
import type { Session, User } from '../api/types';

interface AuthState {
  user: User | null;
  /** True until a stored session has been tried after a reload. */
  restoring: boolean;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(session.current?.user ?? null);
  const [restoring, setRestoring] = useState(!session.current);

  useEffect(() => {
    const unsubscribe = session.subscribe((s: Session | null) => setUser(s?.user ?? null));
    // main.tsx started the refresh before React rendered; it may have finished already.
    setUser(session.current?.user ?? null);
    if (session.current) setRestoring(false);
    else void session.refresh().finally(() => setRestoring(false));
    return () => {
      unsubscribe();
    };
  }, []);

  const value: AuthState = {
    user,
    restoring,
    signIn: async (email, password) => {
      const s = await api.login(email, password);
      session.set(s);
      return s.user;
    },
    signOut: async () => {
      const refresh = session.current?.refresh_token;
      session.set(null);
      if (refresh) await api.logout(refresh).catch(() => undefined);
    },
  };
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

export function isStaff(user: User | null): boolean {
  return user?.role === 'admin' || user?.role === 'staff';
}
