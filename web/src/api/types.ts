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

export type OrderStatus = Schemas['OrderStatus'];
export type Order = Schemas['Order'];
export type ShippingAddress = Schemas['ShippingAddress'];
/** Units of one product: what a shipment, a return request or an order line asks for. */
export type QuantityLine = Schemas['LineRequest'];
export type Shipment = Schemas['Shipment'];
export type ReturnStatus = Schemas['ReturnStatus'];
export type ReturnCondition = Schemas['Condition'];
export type ReturnLine = Schemas['ReturnLine'];
export type OrderReturn = Schemas['Return'];

export type Unavailable = Schemas['Unavailable'];
export type DayRevenue = Schemas['DayRevenue'];
export type TopProduct = Schemas['TopProduct'];
export type Dashboard = Schemas['Dashboard'];
export type AiStatus = Schemas['AiStatus'];
export type ChatTurn = Schemas['Turn'];
export type ChatAnswer = Schemas['ChatAnswer'];
export type ToolUse = Schemas['ToolUse'];
export type Proposal = Schemas['Proposal'];

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
