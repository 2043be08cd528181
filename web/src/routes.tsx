// The route table: each route's code (split per route), who may open it, and the data it
// needs, so both can be fetched the moment a navigation starts instead of one after the other.
import type { FetchQueryOptions, QueryClient } from '@tanstack/react-query';
import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { matchPath } from 'react-router';
import { auditFilterOf, eventQueries } from './api/events';
import { cursorOf, periodOf, queries } from './api/queries';
import type { Role } from './api/types';

export type Access = 'any' | 'staff' | 'admin';

export interface AppRoute {
  path: string;
  load: () => Promise<{ default: ComponentType }>;
  access: Access;
  /** The queries the page starts with, from the URL alone. */
  data?: (params: Record<string, string | undefined>, search: URLSearchParams) => FetchQueryOptions<any, any, any, any>[];
}

export const ROUTES: AppRoute[] = [
  { path: '/', load: () => import('./pages/Dashboard'), access: 'staff', data: (_, s) => [queries.dashboard(periodOf(s))] },
  {
    path: '/orders',
    load: () => import('./pages/Orders'),
    access: 'any',
    data: (_, s) => [queries.orders(s.get('status') ?? '', cursorOf(s))],
  },
  { path: '/orders/new', load: () => import('./pages/OrderNew'), access: 'any', data: () => [queries.catalogue('')] },
  { path: '/orders/:id', load: () => import('./pages/OrderDetail'), access: 'any', data: (p) => [queries.order(p.id ?? '')] },
  {
    path: '/products',
    load: () => import('./pages/Products'),
    access: 'any',
    data: (_, s) => [queries.products(s.get('q') ?? '', s.get('low_stock') === 'true', cursorOf(s))],
  },
  {
    path: '/products/:id',
    load: () => import('./pages/ProductDetail'),
    access: 'staff',
    data: (p) => [queries.product(p.id ?? ''), queries.movements(p.id ?? '')],
  },
  { path: '/stocktake', load: () => import('./pages/Stocktake'), access: 'staff', data: () => [queries.catalogue('')] },
  { path: '/suppliers', load: () => import('./pages/Suppliers'), access: 'staff', data: () => [queries.suppliers()] },
  {
    path: '/purchasing',
    load: () => import('./pages/Purchasing'),
    access: 'staff',
    data: (_, s) => [queries.purchaseOrders(s.get('status') ?? '', cursorOf(s))],
  },
  {
    path: '/purchasing/:id',
    load: () => import('./pages/PurchaseOrderDetail'),
    access: 'staff',
    data: (p) => [queries.purchaseOrder(p.id ?? '')],
  },
  {
    path: '/returns',
    load: () => import('./pages/Returns'),
    access: 'staff',
    data: (_, s) => [queries.returns(s.get('status') ?? '', cursorOf(s))],
  },
  { path: '/restock', load: () => import('./pages/Restock'), access: 'staff', data: () => [queries.restock()] },
  { path: '/assistant', load: () => import('./pages/Assistant'), access: 'staff', data: () => [queries.aiStatus()] },
  { path: '/users', load: () => import('./pages/Users'), access: 'admin', data: () => [queries.users()] },
  { path: '/audit', load: () => import('./pages/Audit'), access: 'admin', data: (_, s) => [eventQueries.audit(auditFilterOf(s), cursorOf(s))] },
  { path: '/webhooks', load: () => import('./pages/Webhooks'), access: 'admin', data: () => [eventQueries.webhooks()] },
  {
    path: '/notifications',
    load: () => import('./pages/Notifications'),
    access: 'admin',
    data: (_, s) => [eventQueries.notificationSettings(), eventQueries.staffAndAdmins(), eventQueries.notifications(cursorOf(s))],
  },
];

const components = new Map<AppRoute, LazyExoticComponent<ComponentType>>();

/** The route's page component, loaded on first use (the same chunk `preload` may have started). */
export function pageOf(route: AppRoute) {
  let c = components.get(route);
  if (!c) {
    c = lazy(route.load);
    components.set(route, c);
  }
  return c;
}

export function allowed(access: Access, role: Role | undefined): boolean {
  if (access === 'admin') return role === 'admin';
  if (access === 'staff') return role === 'admin' || role === 'staff';
  return role !== undefined;
}

export function match(pathname: string) {
  // `/orders/new` before `/orders/:id`: the table lists it first and matchPath is exact.
  for (const route of ROUTES) {
    const m = matchPath({ path: route.path, end: true }, pathname);
    if (m) return { route, params: m.params as Record<string, string | undefined> };
  }
  return null;
}

/** Starts loading a path's code, and its data if the user may see it. Safe to call repeatedly. */
export function preload(queryClient: QueryClient | null, href: string, role: Role | undefined) {
  const url = new URL(href, window.location.origin);
  const found = match(url.pathname);
  if (!found || (role && !allowed(found.route.access, role))) return;
  void found.route.load();
  if (queryClient && role) {
    for (const q of found.route.data?.(found.params, url.searchParams) ?? []) void queryClient.prefetchQuery(q);
  }
}
