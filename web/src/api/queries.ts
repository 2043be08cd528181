// Each page's data as query options, shared by the page and by the router's prefetch: the
// request for a page starts when the navigation does, in parallel with loading its code.
import { queryOptions } from '@tanstack/react-query';
import { api } from './endpoints';

/** The cursor trail of paged lists lives in the query string (see components/Pager). */
export const cursorOf = (search: URLSearchParams) => search.get('trail')?.split(',').filter(Boolean).at(-1);

/** The dashboard's period from the query string: 7, 30 or 90 days (30 otherwise). */
export const PERIODS = [7, 30, 90] as const;
export const periodOf = (search: URLSearchParams) => {
  const days = Number(search.get('days'));
  return (PERIODS as readonly number[]).includes(days) ? days : 30;
};

export const queries = {
  dashboard: (days = 30) =>
    queryOptions({ queryKey: ['dashboard', days], queryFn: () => api.dashboard(days), refetchInterval: 15000 }),
  orders: (status: string, cursor: string | undefined) =>
    queryOptions({ queryKey: ['orders', status, cursor], queryFn: () => api.orders({ status, cursor, limit: 25 }) }),
  order: (id: string) => queryOptions({ queryKey: ['order', id], queryFn: () => api.order(id) }),
  products: (q: string, low: boolean, cursor: string | undefined) =>
    queryOptions({
      queryKey: ['products', q, low, cursor],
      queryFn: () => api.products({ q, low_stock: low || undefined, cursor, limit: 25 }),
    }),
  catalogue: (q: string) =>
    queryOptions({ queryKey: ['products', 'catalogue', q], queryFn: () => api.products({ q, limit: 50, active: 'true' }) }),
  product: (id: string) => queryOptions({ queryKey: ['products', 'one', id], queryFn: () => api.product(id) }),
  movements: (id: string) =>
    queryOptions({ queryKey: ['products', 'movements', id], queryFn: () => api.movements({ product_id: id, limit: 50 }) }),
  suppliers: () => queryOptions({ queryKey: ['suppliers'], queryFn: () => api.suppliers({ limit: 100 }) }),
  restock: () => queryOptions({ queryKey: ['restock'], queryFn: api.restock }),
  purchaseOrders: (status: string, cursor: string | undefined) =>
    queryOptions({
      queryKey: ['purchase-orders', status, cursor],
      queryFn: () => api.purchaseOrders({ status, cursor, limit: 25 }),
    }),
  purchaseOrder: (id: string) => queryOptions({ queryKey: ['purchase-orders', 'one', id], queryFn: () => api.purchaseOrder(id) }),
  returns: (status: string, cursor: string | undefined) =>
    queryOptions({ queryKey: ['returns', status, cursor], queryFn: () => api.returns({ status, cursor, limit: 25 }) }),
  customers: (q: string) => queryOptions({ queryKey: ['customers', q], queryFn: () => api.customers(q) }),
  aiStatus: () => queryOptions({ queryKey: ['ai-status'], queryFn: api.aiStatus }),
  users: () => queryOptions({ queryKey: ['users'], queryFn: () => api.users({ limit: 100 }) }),
};
