// One function per API call the UI makes.
import { http } from './client';
import type {
  AiStatus, ChatAnswer, ChatTurn, Dashboard, FromRestockResult, Movement, Order, OrderReturn, Page, PlatformStatus, Product,
  PurchaseOrder, QuantityLine, RestockReport, ReturnCondition, Session, ShippingAddress, StocktakeResult, Supplier, User,
} from './types';

const data = <T,>(p: Promise<{ data: T }>) => p.then((r) => r.data);

export type Query = Record<string, string | number | boolean | undefined | null>;

function clean(q: Query): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') out[k] = String(v);
  return out;
}

/** A new order: a staff member may place it for a customer and either may give an address. */
export interface NewOrder {
  lines: QuantityLine[];
  note?: string;
  shipping_address?: ShippingAddress;
  customer_id?: string;
}

export const api = {
  login: (email: string, password: string) =>
    data(http.post<Session>('/api/auth/login', { email, password }, { skipAuth: true } as object)),
  register: (body: { email: string; password: string; name: string; bootstrap_token?: string }) =>
    data(http.post<User>('/api/auth/register', body, { skipAuth: true } as object)),
  logout: (refresh_token: string) => http.post('/api/auth/logout', { refresh_token }, { skipAuth: true } as object),
  me: () => data(http.get<User>('/api/auth/me')),
  users: (q: Query) => data(http.get<Page<User>>('/api/auth/users', { params: clean(q) })),
  updateUser: (id: string, body: Partial<Pick<User, 'role' | 'disabled' | 'name'>>) =>
    data(http.patch<User>(`/api/auth/users/${id}`, body)),

  products: (q: Query) => data(http.get<Page<Product>>('/api/products', { params: clean(q) })),
  product: (id: string) => data(http.get<Product>(`/api/products/${id}`)),
  createProduct: (body: object) => data(http.post<Product>('/api/products', body)),
  updateProduct: (id: string, version: number, body: object) =>
    data(http.patch<Product>(`/api/products/${id}`, body, { headers: { 'If-Match': `"${version}"` } })),
  archiveProduct: (id: string, version: number) =>
    data(http.delete<Product>(`/api/products/${id}`, { headers: { 'If-Match': `"${version}"` } })),
  adjust: (body: { product_id: string; delta: number; reason: string; note?: string }, key?: string) =>
    data(
      http.post<{ product: Product; movement: Movement }>('/api/inventory/adjustments', body, {
        headers: key ? { 'Idempotency-Key': key } : {},
      }),
    ),
  stocktake: (body: { counts: { product_id: string; counted: number }[]; note?: string }) =>
    data(http.post<StocktakeResult>('/api/inventory/stocktake', body)),
  movements: (q: Query) => data(http.get<Page<Movement>>('/api/inventory/movements', { params: clean(q) })),
  importCsv: (csv: string) =>
    data(http.post<{ created: number; updated: number }>('/api/products/import', csv, { headers: { 'Content-Type': 'text/csv' } })),
  exportCsv: () => data(http.get<string>('/api/products/export', { responseType: 'text' })),

  suppliers: (q: Query) => data(http.get<Page<Supplier>>('/api/suppliers', { params: clean(q) })),
  createSupplier: (body: object) => data(http.post<Supplier>('/api/suppliers', body)),
  updateSupplier: (id: string, body: object) => data(http.patch<Supplier>(`/api/suppliers/${id}`, body)),

  orders: (q: Query) => data(http.get<Page<Order>>('/api/orders', { params: clean(q) })),
  order: (id: string) => data(http.get<Order>(`/api/orders/${id}`)),
  placeOrder: (body: NewOrder, key: string) =>
    data(http.post<Order>('/api/orders', { ...body, note: body.note || undefined }, { headers: { 'Idempotency-Key': key } })),
  cancelOrder: (id: string, reason?: string) => data(http.post<Order>(`/api/orders/${id}/cancel`, { reason })),
  fulfilOrder: (id: string) => data(http.post<Order>(`/api/orders/${id}/fulfil`, {})),
  resummarise: (id: string) => http.post(`/api/orders/${id}/summary`, {}),
  ship: (id: string, body: { lines: QuantityLine[]; carrier?: string; tracking_number?: string }, key: string) =>
    data(http.post<Order>(`/api/orders/${id}/shipments`, body, { headers: { 'Idempotency-Key': key } })),
  delivered: (id: string, shipmentId: string) => data(http.post<Order>(`/api/orders/${id}/shipments/${shipmentId}/delivered`, {})),
  requestReturn: (id: string, body: { lines: QuantityLine[]; reason: string }) =>
    data(http.post<OrderReturn>(`/api/orders/${id}/returns`, body)),
  returns: (q: Query) => data(http.get<Page<OrderReturn>>('/api/returns', { params: clean(q) })),
  receiveReturn: (id: string, lines: (QuantityLine & { condition: ReturnCondition })[], key: string) =>
    data(http.post<OrderReturn>(`/api/returns/${id}/receive`, { lines }, { headers: { 'Idempotency-Key': key } })),
  rejectReturn: (id: string, reason: string) => data(http.post<OrderReturn>(`/api/returns/${id}/reject`, { reason })),
  /** Customers to place an order for (see components/CustomerPicker). */
  customers: (q: string) => data(http.get<Page<User>>('/api/auth/users', { params: clean({ role: 'customer', q, limit: 100 }) })),

  dashboard: (days: number) => data(http.get<Dashboard>('/api/dashboard', { params: { days } })),
  status: () => data(http.get<PlatformStatus>('/api/status')),
  aiStatus: () => data(http.get<AiStatus>('/api/ai/status')),
  chat: (messages: ChatTurn[]) => data(http.post<ChatAnswer>('/api/ai/chat', { messages })),
  restock: () => data(http.get<RestockReport>('/api/insights/restock')),

  purchaseOrders: (q: Query) => data(http.get<Page<PurchaseOrder>>('/api/purchase-orders', { params: clean(q) })),
  purchaseOrder: (id: string) => data(http.get<PurchaseOrder>(`/api/purchase-orders/${id}`)),
  createPurchaseOrder: (body: object, key: string) =>
    data(http.post<PurchaseOrder>('/api/purchase-orders', body, { headers: { 'Idempotency-Key': key } })),
  updatePurchaseOrder: (id: string, body: object) => data(http.patch<PurchaseOrder>(`/api/purchase-orders/${id}`, body)),
  purchaseOrderStep: (id: string, step: 'order' | 'cancel' | 'close', reason?: string) =>
    data(http.post<PurchaseOrder>(`/api/purchase-orders/${id}/${step}`, step === 'order' ? {} : { reason: reason || undefined })),
  receivePurchaseOrder: (id: string, lines: { product_id: string; quantity: number }[], note: string, key: string) =>
    data(http.post<PurchaseOrder>(`/api/purchase-orders/${id}/receipts`, { lines, note: note || undefined }, { headers: { 'Idempotency-Key': key } })),
  purchaseOrdersFromRestock: (product_ids: string[] | undefined, key: string) =>
    data(http.post<FromRestockResult>('/api/purchase-orders/from-restock', { product_ids }, { headers: { 'Idempotency-Key': key } })),
};
