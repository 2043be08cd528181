// Shapes of the Stockroom API (see /openapi.json).

export type Role = 'admin' | 'staff' | 'customer';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  created_at: string;
}

export interface Session {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  user: User;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Product {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  supplier_id: string | null;
  price_cents: number;
  currency: string;
  on_hand: number;
  reserved: number;
  available: number;
  reorder_point: number;
  reorder_quantity: number;
  active: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Movement {
  id: string;
  product_id: string;
  reason: string;
  on_hand_delta: number;
  reserved_delta: number;
  on_hand_after: number;
  reserved_after: number;
  order_id: string | null;
  user_id: string | null;
  note: string | null;
  created_at: string;
}

export interface Supplier {
  id: string;
  name: string;
  contact_email: string | null;
  phone: string | null;
  lead_time_days: number;
  created_at: string;
}

export type OrderStatus = 'pending' | 'confirmed' | 'rejected' | 'failed' | 'cancelled' | 'fulfilled';

export interface OrderLine {
  product_id: string;
  sku: string;
  name: string;
  quantity: number;
  unit_price_cents: number;
  line_total_cents: number;
}

export interface AiSummary {
  status: 'pending' | 'ready' | 'failed' | 'disabled';
  text: string | null;
  customer_message: string | null;
  model: string | null;
  generated_at: string | null;
}

export interface Order {
  id: string;
  number: string;
  customer_id: string;
  customer_email: string;
  status: OrderStatus;
  lines: OrderLine[];
  total_cents: number;
  currency: string;
  note: string | null;
  ai_summary: AiSummary;
  history: { status: OrderStatus; at: string; by: string | null; reason: string | null }[];
  created_at: string;
  updated_at: string;
}

export interface Unavailable {
  unavailable: true;
  reason: string;
}

export interface DayRevenue {
  date: string;
  revenue_cents: number;
  orders: number;
}

export interface TopProduct {
  product_id: string;
  sku: string;
  name: string;
  quantity: number;
  revenue_cents: number;
}

export interface Dashboard {
  orders:
    | {
        by_status: Record<OrderStatus, number>;
        revenue_today_cents: number;
        revenue_by_day: DayRevenue[];
        top_products: TopProduct[];
        currency: string;
        recent: Order[];
      }
    | Unavailable;
  inventory:
    | {
        summary: {
          products: number;
          active_products: number;
          units_on_hand: number;
          units_reserved: number;
          stock_value_cents: number;
          low_stock: number;
          currency: string;
        };
        low_stock: Product[];
      }
    | Unavailable;
  ai: { status: AiStatus } | Unavailable;
  services: Record<'auth' | 'inventory' | 'orders', { status: 'up' | 'down'; version?: string; reason?: string }>;
}

export interface AiStatus {
  enabled: boolean;
  provider: string | null;
  model: string | null;
  breaker: 'closed' | 'open' | 'half_open';
  queued: number;
  succeeded: number;
  failed: number;
  last_error: string | null;
  last_success_at: string | null;
}

export interface Restock {
  product_id: string;
  sku: string;
  name: string;
  on_hand: number;
  available: number;
  reorder_point: number;
  lead_time_days: number;
  daily_demand: number;
  days_of_cover: number | null;
  suggested_reorder_quantity: number;
  urgency: 'critical' | 'soon' | 'ok';
}

export interface RestockReport {
  items: Restock[];
  narrative: { status: string; text: string | null; generated_at: string | null };
  window_days: number;
}

export interface PlatformStatus {
  status: 'ok' | 'degraded';
  services: Record<string, { status: 'up' | 'down'; version?: string; reason?: string }>;
}

export function isUnavailable<T extends object>(section: T | Unavailable): section is Unavailable {
  return (section as Unavailable).unavailable === true;
}
