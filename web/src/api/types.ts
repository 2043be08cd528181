// Friendly names for the shapes of the Stockroom API. The shapes are generated from the
// OpenAPI document (`stockroom openapi`) into ./schema.d.ts by `make web-types`: change the
// Rust types, regenerate, and the compiler shows every page a change touches.
import type { components } from './schema';

type Schemas = components['schemas'];

export type Role = Schemas['Role'];
export type User = Schemas['User'];
export type Session = Schemas['Session'];

/** One page of a list: the services' `Page_*` envelopes, for any item type. */
export type Page<T> = Omit<Schemas['Page_User'], 'items'> & { items: T[] };

export type Product = Schemas['Product'];
export type Movement = Schemas['Movement'];
export type Supplier = Schemas['Supplier'];
export type StocktakeResult = Schemas['StocktakeResult'];

export type OrderLine = Schemas['OrderLine'];
export type AiSummary = Schemas['AiSummary'];

// PROVISIONAL: fulfilment and returns as API.md describes them, until the orders API that
// serves them is merged and `make web-types` generates these shapes.
export type OrderStatus = Schemas['OrderStatus'] | 'partially_fulfilled' | 'delivered';
export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string | null;
  city: string;
  region?: string | null;
  postal_code: string;
  country: string;
  phone?: string | null;
}
export interface QuantityLine {
  product_id: string;
  quantity: number;
}
export interface Shipment {
  id: string;
  lines: QuantityLine[];
  carrier?: string | null;
  tracking_number?: string | null;
  shipped_at: string;
  delivered_at?: string | null;
}
export type ReturnStatus = 'requested' | 'received' | 'rejected';
export type ReturnCondition = 'restock' | 'damaged';
export interface ReturnLine extends QuantityLine {
  condition?: ReturnCondition | null;
}
export interface OrderReturn {
  id: string;
  order_id?: string;
  order_number?: string;
  status: ReturnStatus;
  lines: ReturnLine[];
  reason: string;
  refund_cents?: number | null;
  created_at?: string;
}
export type Order = Omit<Schemas['Order'], 'status'> & {
  status: OrderStatus;
  shipping_address?: ShippingAddress | null;
  shipments?: Shipment[];
  returns?: OrderReturn[];
};

export type Unavailable = Schemas['Unavailable'];
export type DayRevenue = Schemas['DayRevenue'];
export type TopProduct = Schemas['TopProduct'];
export type Dashboard = Schemas['Dashboard'];
export type AiStatus = Schemas['AiStatus'];

export type Restock = Schemas['Restock'];

export type PurchaseOrderStatus = Schemas['PoStatus'];
export type PurchaseOrder = Schemas['PurchaseOrder'];
export type PurchaseOrderLine = Schemas['PurchaseOrderLine'];
export type FromRestockResult = Schemas['FromRestockResult'];
export type RestockReport = Schemas['RestockReport'];

export type PlatformStatus = Schemas['PlatformStatus'];

export function isUnavailable<T extends object>(section: T | Unavailable): section is Unavailable {
  return (section as Unavailable).unavailable === true;
}
