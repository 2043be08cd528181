// Generated from `stockroom openapi` by openapi-typescript: do not edit.
// Regenerate with `make web-types`; friendly names are in ./types.ts.

export interface paths {
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The public keys access tokens are signed with. */
        get: operations["auth_jwks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai/chat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Answers a signed-in user's question with read-only tools run as that user.
         * @description The model looks things up with tools that run with the caller's own permissions: staff
         *     get the catalogue, every order, sales, restock advice and purchase orders, and may get
         *     proposals (a purchase order or a stock adjustment, as the ordinary request body) to
         *     confirm themselves; a customer gets only their own orders and what the shop has
         *     available. Nothing is changed by the assistant. Providers without tool support answer
         *     from a snapshot of the caller's data.
         */
        post: operations["ai_chat"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/ai/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The AI layer's health: configuration, breaker, queue and outcomes. */
        get: operations["ai_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The audit log (admin): every event with its actor, newest first. Filters combine. */
        get: operations["events_audit_log"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/audit/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log as CSV (admin), with the same filters, newest first. Text cells that a
         *     spreadsheet would run as a formula start with `'`.
         */
        get: operations["events_audit_export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Signs in with email and password. Attempts are counted per account and per address
         *     before the password is checked; over the limit, 429 with Retry-After.
         */
        post: operations["auth_login"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Signs out: the login the refresh token belongs to is revoked. */
        post: operations["auth_logout"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user. */
        get: operations["auth_me"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/refresh": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Trades a refresh token for a new pair; the old one stops working. */
        post: operations["auth_refresh"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/register": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Creates an account: a customer, or the admin when it claims that role. On `stockroom all`
         *     the first account is the admin; on `serve`, the account with `ADMIN_EMAIL` or the one
         *     registered with the bootstrap token, either only while no admin exists. Registrations are limited per client address.
         */
        post: operations["auth_register"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Users, newest first: every user for admins; customers for staff, who look them up to
         *     place an order on their behalf.
         */
        get: operations["auth_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a user's role, name or disabled flag (admin). The last admin stays an admin. */
        patch: operations["auth_update"];
        trace?: never;
    };
    "/api/dashboard": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Everything staff need at a glance (see API.md). */
        get: operations["gateway_dashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/events/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live events (signed in). Send `Last-Event-ID` (or reconnect with `EventSource`, which
         *     does) to resume after that event; without it the stream starts with the next event.
         */
        get: operations["events_event_stream"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/insights/restock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Per product: demand, days of cover, a suggested reorder and its urgency; plus an AI narrative. */
        get: operations["ai_restock"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/adjustments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Records a stock change with its reason. */
        post: operations["inventory_adjust"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/low-stock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Active products whose available stock is at or below their reorder point, most urgent first. */
        get: operations["inventory_low_stock"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/movements": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The stock ledger, newest first. */
        get: operations["inventory_movements"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/stocktake": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Records a stock count: each product's `on_hand` becomes what was counted, every difference a
         *     `correction` movement carrying the note, all or nothing.
         */
        post: operations["inventory_stocktake"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/inventory/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Counts, units and stock value. */
        get: operations["inventory_summary"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Emails sent, queued or recorded without sending, newest first (admin). */
        get: operations["events_list_notifications"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/notifications/settings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Which staff get the low-stock digest and new-order alerts (admin). */
        get: operations["events_notification_settings"];
        /** Replaces who gets which staff emails (admin). */
        put: operations["events_put_notification_settings"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Orders, newest first: customers see their own, staff see all. */
        get: operations["orders_list"];
        put?: never;
        /**
         * Places an order: stock is reserved at inventory's prices, or nothing is. Staff may place
         *     one for a customer (`customer_id`).
         */
        post: operations["orders_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Counts by status, revenue by day and top products (staff). Revenue is gross (orders
         *     confirmed, partially fulfilled, fulfilled or delivered); refunds of received returns are
         *     reported apart in `refunds_cents`.
         */
        get: operations["orders_stats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One order with its history and AI summary. */
        get: operations["orders_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancels a confirmed (or, staff, a partially fulfilled) order: the stock not shipped yet is
         *     released.
         */
        post: operations["orders_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/fulfil": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fulfils an order (staff): one shipment of everything not shipped yet; its stock leaves. */
        post: operations["orders_fulfil"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/returns": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Asks to return shipped units: the order's customer within `RETURN_WINDOW_DAYS` of delivery
         *     (or of shipping, for what has not arrived), or staff at any time. At most what was shipped
         *     minus what was returned or asked back already.
         */
        post: operations["returns_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/shipments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ships some units (`lines`), or everything not shipped yet (no `lines`): inventory commits
         *     exactly those units of the order's reservation. The order becomes `partially_fulfilled`
         *     or `fulfilled`; the new shipment is the last of its `shipments` (and `Location`). A retry
         *     with the same `Idempotency-Key` answers the same shipment again, shipping nothing more.
         */
        post: operations["orders_create_shipment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/shipments/{sid}/delivered": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Marks a shipment delivered (staff). The order becomes `delivered` once it is fulfilled and
         *     every shipment has arrived. Marking one twice is 409.
         */
        post: operations["orders_deliver_shipment"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/orders/{id}/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queues a fresh AI summary of an order (staff). */
        post: operations["ai_summarise"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Products, newest first. */
        get: operations["inventory_list"];
        put?: never;
        /** Adds a product; `initial_stock` is recorded as received. */
        post: operations["inventory_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The whole catalogue as CSV, in the format the import accepts. */
        get: operations["inventory_export"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products/import": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Imports products from CSV (`sku,name,price_cents` required; `description, category,
         *     supplier_id, reorder_point, reorder_quantity, initial_stock` (or `on_hand`), `active`
         *     optional). New SKUs are created with their initial stock; existing SKUs are updated.
         *     A cell starting with `'` followed by `= + - @`, TAB or CR (as the export writes formula-like
         *     text) loses that `'`.
         */
        post: operations["inventory_import"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/products/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One product, with its version as `ETag`. */
        get: operations["inventory_get"];
        put?: never;
        post?: never;
        /** Archives a product (`active: false`); refused while open orders hold some of it. */
        delete: operations["inventory_archive"];
        options?: never;
        head?: never;
        /** Edits a product. `If-Match` (or `version` in the body) guards against lost updates. */
        patch: operations["inventory_update"];
        trace?: never;
    };
    "/api/purchase-orders": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List purchase orders, newest first
         * @description Filtered by status and supplier.
         */
        get: operations["purchasing_list_purchase_orders"];
        put?: never;
        /**
         * Create a draft purchase order
         * @description Each line's cost defaults to the product's `cost_cents`.
         */
        post: operations["purchasing_create_purchase_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/purchase-orders/from-restock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Draft purchase orders from restock advice, one per supplier
         * @description For each product (the given ones, or every active one) whose available stock plus what
         *     is on order or on drafts is at or below its reorder point: enough to lift it above, at
         *     least its reorder quantity. Products without a supplier come back in `skipped`.
         */
        post: operations["purchasing_purchase_orders_from_restock"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/purchase-orders/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Read a purchase order with its lines and history */
        get: operations["purchasing_get_purchase_order"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Edit a draft: supplier, lines, expected date, note
         * @description `lines` replaces every line. 409 once the order is no longer a draft.
         */
        patch: operations["purchasing_update_purchase_order"];
        trace?: never;
    };
    "/api/purchase-orders/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Cancel a purchase order that has received nothing (`draft` or `ordered`) */
        post: operations["purchasing_cancel_purchase_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/purchase-orders/{id}/close": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Close a partially received purchase order: the rest will not come */
        post: operations["purchasing_close_purchase_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/purchase-orders/{id}/order": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a draft to the supplier: `draft` → `ordered`
         * @description `expected_at`, when the draft has none, becomes now plus the supplier's lead time; its
         *     quantities count as `on_order` from now on.
         */
        post: operations["purchasing_order_purchase_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/purchase-orders/{id}/receipts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receive goods against a purchase order
         * @description Each line becomes a `received` stock movement naming the order; more than is still to come
         *     is 409 and nothing is received. The status becomes `partially_received` or `received`.
         */
        post: operations["purchasing_receive_purchase_order"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/returns": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Returns, newest first: customers see their own, staff see all. */
        get: operations["returns_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/returns/{id}/receive": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receives a return (staff): each line `restock` (back on hand, a `returned` movement at
         *     inventory) or `damaged` (recorded here, never on hand); a product may be split over both.
         *     The refund is the received units at the order's prices. A retry with the same
         *     `Idempotency-Key` answers the same receipt again.
         */
        post: operations["returns_receive"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/returns/{id}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rejects a requested return (staff): nothing comes back, nothing is refunded. */
        post: operations["returns_reject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Health of every service (no sign-in needed: it reveals only up/down and versions). */
        get: operations["gateway_status"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/suppliers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Suppliers, newest first. */
        get: operations["inventory_list_suppliers"];
        put?: never;
        /** Adds a supplier. */
        post: operations["inventory_create_supplier"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/suppliers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One supplier. */
        get: operations["inventory_get_supplier"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Changes a supplier; absent fields keep their value. */
        patch: operations["inventory_update_supplier"];
        trace?: never;
    };
    "/api/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every webhook, newest first (admin). */
        get: operations["events_list_webhooks"];
        put?: never;
        /** Subscribes a URL to events (admin). The answer carries the signing secret, shown only now. */
        post: operations["events_create_webhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One webhook (admin). */
        get: operations["events_get_webhook"];
        put?: never;
        post?: never;
        /** Deletes a webhook and its delivery log (admin). */
        delete: operations["events_delete_webhook"];
        options?: never;
        head?: never;
        /** Changes a webhook's URL, patterns or active flag (admin). */
        patch: operations["events_update_webhook"];
        trace?: never;
    };
    "/api/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The delivery log of a webhook, newest attempt first (admin): each attempt's event, status
         *     code or error, duration and next retry.
         */
        get: operations["events_webhook_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sends a `ping` event to the webhook now and answers with the attempt (admin). */
        post: operations["events_test_webhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Who caused an event: a signed-in user (id and email when known) acting through a service. */
        Actor: {
            email?: string | null;
            /** @description The service that recorded the event (`auth`, `orders`, …). */
            service: string;
            /** Format: uuid */
            user_id?: string | null;
        };
        Adjustment: {
            /**
             * Format: int64
             * @description Not 0; positive for received and returned, negative for damaged and lost.
             */
            delta: number;
            note?: string | null;
            /** Format: uuid */
            product_id: string;
            /** @description received, returned, damaged, lost or correction */
            reason: string;
        };
        AdjustmentResult: {
            movement: components["schemas"]["Movement"];
            product: components["schemas"]["Product"];
        };
        AiStatus: {
            /** @description closed, open or half_open */
            breaker: string;
            enabled: boolean;
            /** Format: int64 */
            failed: number;
            /** @description Jobs by status, across every replica. */
            jobs: components["schemas"]["JobCounts"];
            last_error?: string | null;
            /** Format: date-time */
            last_success_at?: string | null;
            model?: string | null;
            provider?: string | null;
            /**
             * Format: int64
             * @description Jobs waiting or running.
             */
            queued: number;
            /** Format: int64 */
            succeeded: number;
        };
        AiSummary: {
            customer_message?: string | null;
            /** Format: date-time */
            generated_at?: string | null;
            model?: string | null;
            status: components["schemas"]["SummaryStatus"];
            /** @description For staff only: customers get `null` here and read `customer_message`. */
            text?: string | null;
        };
        /**
         * @description One entry of the audit log: the event, the order it arrived in and the request that
         *     recorded it.
         */
        AuditEntry: components["schemas"]["EventView"] & {
            /** Format: date-time */
            received_at: string;
            /** @description The request that recorded it, and its W3C trace context. */
            request_id?: string | null;
            /**
             * Format: int64
             * @description The log's own number: larger is later.
             */
            seq: number;
            traceparent?: string | null;
        };
        /** @description A page of the audit log. */
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            next_cursor?: string | null;
        };
        /** @description Why an order is cancelled (optional). */
        CancelOrder: {
            reason?: string | null;
        };
        ChatAnswer: {
            /** @description Markdown, written by the AI. */
            answer: string;
            /** Format: date-time */
            generated_at: string;
            model: string;
            /** @description Suggested changes for staff to confirm through the ordinary API; nothing is done yet. */
            proposals: components["schemas"]["Proposal"][];
            /** @description Every tool the assistant ran for this answer, in order. */
            tools_used: components["schemas"]["ToolUse"][];
        };
        ChatRequest: {
            /**
             * @description The conversation, oldest first, ending with the user's question. The client keeps it
             *     and sends the last 20 turns at most.
             */
            messages: components["schemas"]["Turn"][];
        };
        /**
         * @description How a returned unit came back.
         * @enum {string}
         */
        Condition: "restock" | "damaged";
        CountLine: {
            /**
             * Format: int64
             * @description Units physically there, reserved ones included.
             */
            counted: number;
            /** Format: uuid */
            product_id: string;
        };
        CountedLine: {
            /** Format: int64 */
            counted: number;
            /**
             * Format: int64
             * @description `counted - previous_on_hand`; 0 writes nothing.
             */
            difference: number;
            movement?: components["schemas"]["Movement"] | null;
            name: string;
            /** Format: int64 */
            previous_on_hand: number;
            /** Format: uuid */
            product_id: string;
            /** Format: int64 */
            reserved: number;
            sku: string;
        };
        CreateOrder: {
            /**
             * Format: uuid
             * @description Staff only: the customer this order is for (it becomes theirs; the history records
             *     who placed it). 422 when no such user exists.
             */
            customer_id?: string | null;
            /** @description 1–100 lines; lines of the same product are merged. */
            lines: components["schemas"]["LineRequest"][];
            note?: string | null;
            /**
             * Format: date-time
             * @description Staff only: when an order taken earlier (on paper, in another system) was placed,
             *     within the last 366 days and not in the future. Stats and the order list use it; the
             *     history notes when it was recorded. Absent: now.
             */
            placed_at?: string | null;
            shipping_address?: components["schemas"]["ShippingAddress"] | null;
        };
        CreateProduct: {
            category?: string;
            /** Format: int64 */
            cost_cents?: number | null;
            description?: string;
            /**
             * Format: int64
             * @description Recorded as a `received` movement.
             */
            initial_stock?: number;
            name: string;
            /** Format: int64 */
            price_cents: number;
            /** Format: int64 */
            reorder_point?: number;
            /** Format: int64 */
            reorder_quantity?: number;
            /** @description 1–64 of `A-Z0-9-_.`, upper-cased when stored. */
            sku: string;
            /** Format: uuid */
            supplier_id?: string | null;
        };
        CreatePurchaseOrder: {
            /** Format: date-time */
            expected_at?: string | null;
            lines: components["schemas"]["LineInput"][];
            note?: string | null;
            /** Format: uuid */
            supplier_id: string;
        };
        /** @description `POST /api/orders/{id}/returns`. */
        CreateReturn: {
            lines: components["schemas"]["LineRequest"][];
            reason: string;
        };
        /** @description `POST /api/orders/{id}/shipments`. */
        CreateShipment: {
            carrier?: string | null;
            /** @description The units to ship; everything not yet shipped when absent. */
            lines?: components["schemas"]["LineRequest"][] | null;
            tracking_number?: string | null;
        };
        CreateWebhook: {
            /** @description Default true. */
            active?: boolean | null;
            events: components["schemas"]["EventPattern"][];
            /** @description Where events are POSTed: http(s), resolving to a public address. */
            url: string;
        };
        /** @description A new webhook with its signing secret: keep it now, it is not shown again. */
        CreatedWebhook: components["schemas"]["Webhook"] & {
            /** @description Verifies `Stockroom-Signature` (HMAC-SHA256 of `"<t>.<body>"`). */
            secret: string;
        };
        /** @description `GET /api/dashboard`: everything staff need at a glance, each part from its own service. */
        Dashboard: {
            ai: components["schemas"]["Section_AiSection"];
            inventory: components["schemas"]["Section_InventorySection"];
            orders: components["schemas"]["Section_OrdersSection"];
            services: components["schemas"]["Services"];
        };
        DayRevenue: {
            /** @description YYYY-MM-DD (UTC) */
            date: string;
            /** Format: int64 */
            orders: number;
            /** Format: int64 */
            revenue_cents: number;
        };
        /** @description One delivery attempt. */
        DeliveryAttempt: {
            /**
             * Format: int32
             * @description 1 for the first attempt of a delivery.
             */
            attempt: number;
            /** Format: date-time */
            attempted_at: string;
            /**
             * Format: uuid
             * @description The delivery: `Stockroom-Delivery`, the same on every attempt of it.
             */
            delivery_id: string;
            /** Format: int64 */
            duration_ms: number;
            /** @description Why the attempt failed, when it did. */
            error?: string | null;
            /** Format: uuid */
            event_id: string;
            event_type: string;
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            next_retry_at?: string | null;
            /** @description `succeeded`, `retrying` (see `next_retry_at`) or `failed` (no more attempts). */
            outcome: string;
            /**
             * Format: int32
             * @description The receiver's status, when it answered.
             */
            status_code?: number | null;
        };
        /** @description What an event is about. */
        Entity: {
            id: string;
            /** @description `order`, `product`, `user`, `account`, … */
            kind: string;
        };
        /** @description `*` (every event), a family such as `order.*`, or an exact type such as `order.confirmed` */
        EventPattern: string;
        /** @description An event as webhooks receive it and live streams show it. */
        EventView: {
            actor: components["schemas"]["Actor"];
            data: Record<string, never>;
            entity: components["schemas"]["Entity"];
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            occurred_at: string;
            type: string;
        };
        /** @description One field that failed validation: `field` is a path such as `lines[1].quantity`. */
        FieldError: {
            field: string;
            message: string;
        };
        FromRestock: {
            /** @description Only these products (default: every active product at or below its reorder point). */
            product_ids?: string[] | null;
        };
        FromRestockResult: {
            /** @description One draft per supplier. */
            created: components["schemas"]["PurchaseOrder"][];
            /** @description Products that need ordering but name no supplier. */
            skipped: components["schemas"]["SkippedProduct"][];
        };
        /** @description The gateway answering is the gateway being up. */
        GatewayHealth: {
            status: components["schemas"]["GatewayUp"];
            version: string;
        };
        /** @enum {string} */
        GatewayUp: "up";
        HistoryEntry: {
            /** Format: date-time */
            at: string;
            /** @description The user (or `system`) that caused the change. */
            by?: string | null;
            reason?: string | null;
            status: components["schemas"]["OrderStatus"];
        };
        /** @description What a catalogue import did. */
        ImportReport: {
            created: number;
            updated: number;
        };
        /** @description AI jobs per status (`/api/ai/status`), every status present. */
        JobCounts: {
            /** Format: int64 */
            done: number;
            /** Format: int64 */
            failed: number;
            /** Format: int64 */
            queued: number;
            /** Format: int64 */
            running: number;
        };
        LineInput: {
            /** Format: uuid */
            product_id: string;
            /** Format: int64 */
            quantity: number;
            /**
             * Format: int64
             * @description Defaults to the product's `cost_cents`.
             */
            unit_cost_cents?: number | null;
        };
        LineRequest: {
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            quantity: number;
        };
        /** @description Over-long values are refused (422) while the body is parsed, before anything else. */
        LoginRequest: {
            email: string;
            password: string;
        };
        LowStock: {
            items: components["schemas"]["Product"][];
        };
        Movement: {
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            note?: string | null;
            /** Format: int64 */
            on_hand_after: number;
            /** Format: int64 */
            on_hand_delta: number;
            /** Format: uuid */
            order_id?: string | null;
            /** Format: uuid */
            product_id: string;
            /**
             * Format: uuid
             * @description The purchase order goods came in on.
             */
            purchase_order_id?: string | null;
            reason: components["schemas"]["Reason"];
            /** Format: int64 */
            reserved_after: number;
            /** Format: int64 */
            reserved_delta: number;
            user_id?: string | null;
        };
        Narrative: {
            /** Format: date-time */
            generated_at?: string | null;
            status: components["schemas"]["SummaryStatus"];
            text?: string | null;
        };
        /**
         * @description The create body as documented: [`SupplierInput`] with its name required (the handler
         *     reads `SupplierInput`, shared with updates, and checks the name itself).
         */
        NewSupplier: {
            /** @description Empty, or an address with an `@`. */
            contact_email?: string | null;
            /** Format: int64 */
            lead_time_days?: number | null;
            name: string;
            phone?: string | null;
        };
        /** @description Which staff get which emails. */
        NotificationSettings: {
            /** @description Get the daily digest of products at or below their reorder point. */
            low_stock_digest: components["schemas"]["Recipient"][];
            /** @description Get an email for every confirmed order. */
            new_order_alert: components["schemas"]["Recipient"][];
        };
        Order: {
            ai_summary: components["schemas"]["AiSummary"];
            /** Format: date-time */
            created_at: string;
            currency: string;
            customer_email: string;
            customer_id: string;
            history: components["schemas"]["HistoryEntry"][];
            id: components["schemas"]["OrderId"];
            lines: components["schemas"]["OrderLine"][];
            note?: string | null;
            /** @description Human order number, e.g. SR-001001 */
            number: string;
            /** @description The staff member who placed it for its customer; `null` when the customer did. */
            placed_by?: string | null;
            /**
             * Format: date-time
             * @description Until when its customer may ask for a return (`RETURN_WINDOW_DAYS` after the last
             *     delivery, or shipping for what has not arrived); `null` while nothing shipped is left
             *     to return. Staff may record returns after it too.
             */
            returnable_until?: string | null;
            /** @description Oldest first. */
            returns?: components["schemas"]["Return"][];
            /** @description Oldest first. */
            shipments?: components["schemas"]["Shipment"][];
            shipping_address?: components["schemas"]["ShippingAddress"] | null;
            status: components["schemas"]["OrderStatus"];
            /** Format: int64 */
            total_cents: number;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * Format: uuid
         * @description An order; also the id of its stock reservation at inventory.
         */
        OrderId: string;
        OrderLine: {
            /** Format: int64 */
            line_total_cents: number;
            name: string;
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            quantity: number;
            sku: string;
            /** Format: int64 */
            unit_price_cents: number;
        };
        /** @enum {string} */
        OrderStatus: "pending" | "confirmed" | "rejected" | "failed" | "cancelled" | "partially_fulfilled" | "fulfilled" | "delivered";
        /**
         * @description `ok` when every service is up, else `degraded`.
         * @enum {string}
         */
        Overall: "ok" | "degraded";
        /** @description A page of results. */
        Page_DeliveryAttempt: {
            items: {
                /**
                 * Format: int32
                 * @description 1 for the first attempt of a delivery.
                 */
                attempt: number;
                /** Format: date-time */
                attempted_at: string;
                /**
                 * Format: uuid
                 * @description The delivery: `Stockroom-Delivery`, the same on every attempt of it.
                 */
                delivery_id: string;
                /** Format: int64 */
                duration_ms: number;
                /** @description Why the attempt failed, when it did. */
                error?: string | null;
                /** Format: uuid */
                event_id: string;
                event_type: string;
                /** Format: uuid */
                id: string;
                /** Format: date-time */
                next_retry_at?: string | null;
                /** @description `succeeded`, `retrying` (see `next_retry_at`) or `failed` (no more attempts). */
                outcome: string;
                /**
                 * Format: int32
                 * @description The receiver's status, when it answered.
                 */
                status_code?: number | null;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Movement: {
            items: {
                /** Format: date-time */
                created_at: string;
                /** Format: uuid */
                id: string;
                note?: string | null;
                /** Format: int64 */
                on_hand_after: number;
                /** Format: int64 */
                on_hand_delta: number;
                /** Format: uuid */
                order_id?: string | null;
                /** Format: uuid */
                product_id: string;
                /**
                 * Format: uuid
                 * @description The purchase order goods came in on.
                 */
                purchase_order_id?: string | null;
                reason: components["schemas"]["Reason"];
                /** Format: int64 */
                reserved_after: number;
                /** Format: int64 */
                reserved_delta: number;
                user_id?: string | null;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Notification: {
            items: {
                /** Format: int32 */
                attempts: number;
                /** Format: date-time */
                created_at: string;
                error?: string | null;
                /**
                 * Format: uuid
                 * @description The event that caused it.
                 */
                event_id?: string | null;
                /** Format: uuid */
                id: string;
                /** Format: date-time */
                sent_at?: string | null;
                /** @description `queued`, `sent`, `not_sent` (no SMTP configured) or `failed`. */
                status: string;
                subject: string;
                /** @description The template that wrote it (`order_confirmed`, `new_order_alert`, …). */
                template: string;
                to: string;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Order: {
            items: {
                ai_summary: components["schemas"]["AiSummary"];
                /** Format: date-time */
                created_at: string;
                currency: string;
                customer_email: string;
                customer_id: string;
                history: components["schemas"]["HistoryEntry"][];
                id: components["schemas"]["OrderId"];
                lines: components["schemas"]["OrderLine"][];
                note?: string | null;
                /** @description Human order number, e.g. SR-001001 */
                number: string;
                /** @description The staff member who placed it for its customer; `null` when the customer did. */
                placed_by?: string | null;
                /**
                 * Format: date-time
                 * @description Until when its customer may ask for a return (`RETURN_WINDOW_DAYS` after the last
                 *     delivery, or shipping for what has not arrived); `null` while nothing shipped is left
                 *     to return. Staff may record returns after it too.
                 */
                returnable_until?: string | null;
                /** @description Oldest first. */
                returns?: components["schemas"]["Return"][];
                /** @description Oldest first. */
                shipments?: components["schemas"]["Shipment"][];
                shipping_address?: components["schemas"]["ShippingAddress"] | null;
                status: components["schemas"]["OrderStatus"];
                /** Format: int64 */
                total_cents: number;
                /** Format: date-time */
                updated_at: string;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Product: {
            items: {
                active: boolean;
                /**
                 * Format: int64
                 * @description `on_hand - reserved`
                 */
                available: number;
                category: string;
                /**
                 * Format: int64
                 * @description What one unit costs to buy, when known; stock value uses it before the price.
                 */
                cost_cents?: number | null;
                /** Format: date-time */
                created_at: string;
                currency: string;
                description: string;
                /**
                 * Format: int64
                 * @description Read-only: the point low stock is judged at, the product's own or, when that is 0,
                 *     `DEFAULT_REORDER_POINT`; `available <= effective_reorder_point` is low. 0 for customers.
                 */
                effective_reorder_point: number;
                /** Format: uuid */
                id: string;
                name: string;
                /** Format: int64 */
                on_hand: number;
                /**
                 * Format: int64
                 * @description Units on open purchase orders (`ordered` or `partially_received`) not yet received.
                 */
                on_order: number;
                /** Format: int64 */
                price_cents: number;
                /**
                 * Format: int64
                 * @description The product's own reorder point; 0 means none set (the deployment default applies).
                 */
                reorder_point: number;
                /** Format: int64 */
                reorder_quantity: number;
                /** Format: int64 */
                reserved: number;
                sku: string;
                /** Format: uuid */
                supplier_id?: string | null;
                /** Format: date-time */
                updated_at: string;
                /**
                 * Format: int64
                 * @description Bumped by every catalogue edit; the `ETag` is this number.
                 */
                version: number;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_PurchaseOrder: {
            items: {
                /** Format: date-time */
                created_at: string;
                created_by: string;
                currency: string;
                /** Format: date-time */
                expected_at?: string | null;
                history: components["schemas"]["PurchaseOrderEvent"][];
                /** Format: uuid */
                id: string;
                lines: components["schemas"]["PurchaseOrderLine"][];
                note?: string | null;
                /** @description `PO-000123` */
                number: string;
                status: components["schemas"]["PoStatus"];
                /** Format: uuid */
                supplier_id: string;
                supplier_name: string;
                /**
                 * Format: int64
                 * @description The sum of the lines whose cost is known.
                 */
                total_cents: number;
                /** Format: date-time */
                updated_at: string;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Return: {
            items: {
                /** Format: date-time */
                created_at: string;
                currency: string;
                customer_id: string;
                /** Format: uuid */
                id: string;
                lines: components["schemas"]["ReturnLine"][];
                order_id: components["schemas"]["OrderId"];
                /** @description The order's human number, e.g. SR-001001 */
                order_number: string;
                reason: string;
                /** Format: date-time */
                received_at?: string | null;
                received_by?: string | null;
                /**
                 * Format: int64
                 * @description At the order's prices: the units asked back while `requested`, the units received once
                 *     `received`, 0 when `rejected`.
                 */
                refund_cents: number;
                reject_reason?: string | null;
                /** Format: date-time */
                rejected_at?: string | null;
                rejected_by?: string | null;
                requested_by: string;
                status: components["schemas"]["ReturnStatus"];
                /** Format: date-time */
                updated_at: string;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Supplier: {
            items: {
                contact_email?: string | null;
                /** Format: date-time */
                created_at: string;
                /** Format: uuid */
                id: string;
                /** Format: int64 */
                lead_time_days: number;
                name: string;
                phone?: string | null;
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_User: {
            items: {
                /** Format: date-time */
                created_at: string;
                disabled: boolean;
                email: string;
                /** Format: uuid */
                id: string;
                name: string;
                role: components["schemas"]["Role"];
            }[];
            next_cursor?: string | null;
        };
        /** @description A page of results. */
        Page_Webhook: {
            items: {
                active: boolean;
                /** Format: date-time */
                created_at: string;
                /** @description Patterns: `*`, `order.*` or an exact type. */
                events: string[];
                /**
                 * Format: date-time
                 * @description Since when every delivery attempt has failed; deactivated after 24 h of that.
                 */
                failing_since?: string | null;
                /** Format: uuid */
                id: string;
                /** Format: date-time */
                updated_at: string;
                url: string;
            }[];
            next_cursor?: string | null;
        };
        /** @description `GET /api/status`: the platform's health without signing in. */
        PlatformStatus: {
            gateway: components["schemas"]["GatewayHealth"];
            services: components["schemas"]["Services"];
            status: components["schemas"]["Overall"];
        };
        /**
         * @description Where a purchase order stands. `draft` → `ordered` → `partially_received` → `received`;
         *     `draft`/`ordered` → `cancelled`; `partially_received` → `closed`.
         * @enum {string}
         */
        PoStatus: "draft" | "ordered" | "partially_received" | "received" | "cancelled" | "closed";
        /** @description The RFC 9457 body every 4xx and 5xx response carries. */
        Problem: Record<string, never> & {
            detail?: string | null;
            errors?: components["schemas"]["FieldError"][];
            instance?: string | null;
            request_id?: string | null;
            /** Format: int32 */
            status: number;
            title: string;
            /** @description A relative URI naming the kind of problem; clients branch on it. */
            type: string;
        };
        Product: {
            active: boolean;
            /**
             * Format: int64
             * @description `on_hand - reserved`
             */
            available: number;
            category: string;
            /**
             * Format: int64
             * @description What one unit costs to buy, when known; stock value uses it before the price.
             */
            cost_cents?: number | null;
            /** Format: date-time */
            created_at: string;
            currency: string;
            description: string;
            /**
             * Format: int64
             * @description Read-only: the point low stock is judged at, the product's own or, when that is 0,
             *     `DEFAULT_REORDER_POINT`; `available <= effective_reorder_point` is low. 0 for customers.
             */
            effective_reorder_point: number;
            /** Format: uuid */
            id: string;
            name: string;
            /** Format: int64 */
            on_hand: number;
            /**
             * Format: int64
             * @description Units on open purchase orders (`ordered` or `partially_received`) not yet received.
             */
            on_order: number;
            /** Format: int64 */
            price_cents: number;
            /**
             * Format: int64
             * @description The product's own reorder point; 0 means none set (the deployment default applies).
             */
            reorder_point: number;
            /** Format: int64 */
            reorder_quantity: number;
            /** Format: int64 */
            reserved: number;
            sku: string;
            /** Format: uuid */
            supplier_id?: string | null;
            /** Format: date-time */
            updated_at: string;
            /**
             * Format: int64
             * @description Bumped by every catalogue edit; the `ETag` is this number.
             */
            version: number;
        };
        /**
         * Format: uuid
         * @description A product in inventory's catalogue.
         */
        ProductId: string;
        Proposal: {
            /**
             * @description Exactly the request body of the ordinary endpoint for `kind`, checked against the
             *     real products and suppliers when it was proposed.
             */
            body: {
                [key: string]: unknown;
            };
            kind: components["schemas"]["ProposalKind"];
            /** @description One line a person can read before confirming. */
            summary: string;
        };
        /** @enum {string} */
        ProposalKind: "purchase_order" | "stock_adjustment";
        PurchaseOrder: {
            /** Format: date-time */
            created_at: string;
            created_by: string;
            currency: string;
            /** Format: date-time */
            expected_at?: string | null;
            history: components["schemas"]["PurchaseOrderEvent"][];
            /** Format: uuid */
            id: string;
            lines: components["schemas"]["PurchaseOrderLine"][];
            note?: string | null;
            /** @description `PO-000123` */
            number: string;
            status: components["schemas"]["PoStatus"];
            /** Format: uuid */
            supplier_id: string;
            supplier_name: string;
            /**
             * Format: int64
             * @description The sum of the lines whose cost is known.
             */
            total_cents: number;
            /** Format: date-time */
            updated_at: string;
        };
        PurchaseOrderEvent: {
            /** Format: date-time */
            at: string;
            /** @description The user (token subject) who made the change. */
            by: string;
            note?: string | null;
            status: components["schemas"]["PoStatus"];
        };
        PurchaseOrderLine: {
            name: string;
            /** Format: uuid */
            product_id: string;
            /** Format: int64 */
            quantity_ordered: number;
            /** Format: int64 */
            quantity_received: number;
            sku: string;
            /**
             * Format: int64
             * @description `null` when the cost is not known yet.
             */
            unit_cost_cents?: number | null;
        };
        /**
         * @description Why stock changed. The first five are what staff record; the rest are written by
         *     reservations.
         * @enum {string}
         */
        Reason: "received" | "returned" | "damaged" | "lost" | "correction" | "reserved" | "released" | "committed";
        ReasonInput: {
            reason?: string | null;
        };
        Receipt: {
            lines: components["schemas"]["ReceiptLineInput"][];
            note?: string | null;
        };
        ReceiptLineInput: {
            /** Format: uuid */
            product_id: string;
            /** Format: int64 */
            quantity: number;
        };
        /**
         * @description `POST /api/returns/{id}/receive`: what came back; a product may be split over both
         *     conditions. Units asked back but not received are not refunded.
         */
        ReceiveReturn: {
            lines: components["schemas"]["ReceivedLine"][];
        };
        /** @description One product (and condition) received back. */
        ReceivedLine: {
            condition: components["schemas"]["Condition"];
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            quantity: number;
        };
        /** @description A staff member who gets an email. */
        Recipient: {
            email: string;
            /** Format: uuid */
            user_id: string;
        };
        RefreshRequest: {
            refresh_token: string;
        };
        RegisterRequest: {
            /**
             * @description Only to claim the first admin of a new deployment: the one-time token auth prints at
             *     start (`STOCKROOM_BOOTSTRAP_TOKEN=…` on stderr, never in its log) while no admin exists
             *     and `ADMIN_EMAIL` is unset. The account becomes the admin; the token then stops working.
             */
            bootstrap_token?: string | null;
            email: string;
            name: string;
            password: string;
        };
        /** @description `POST /api/returns/{id}/reject`. */
        RejectReturn: {
            reason: string;
        };
        Restock: {
            /** Format: int64 */
            available: number;
            /** Format: double */
            daily_demand: number;
            /**
             * Format: double
             * @description `null` when nothing sells: the stock lasts indefinitely.
             */
            days_of_cover?: number | null;
            /**
             * Format: date-time
             * @description When the earliest open purchase order with this product is expected.
             */
            expected_at?: string | null;
            /** Format: int64 */
            lead_time_days: number;
            name: string;
            /** Format: int64 */
            on_hand: number;
            /**
             * Format: int64
             * @description Units on open purchase orders, not yet received.
             */
            on_order: number;
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            reorder_point: number;
            sku: string;
            /**
             * Format: int64
             * @description Net of `on_order`: 0 when what is coming already covers the need.
             */
            suggested_reorder_quantity: number;
            urgency: components["schemas"]["Urgency"];
        };
        RestockReport: {
            items: components["schemas"]["Restock"][];
            narrative: components["schemas"]["Narrative"];
            /** Format: int64 */
            window_days: number;
        };
        /** @description A return of shipped units. */
        Return: {
            /** Format: date-time */
            created_at: string;
            currency: string;
            customer_id: string;
            /** Format: uuid */
            id: string;
            lines: components["schemas"]["ReturnLine"][];
            order_id: components["schemas"]["OrderId"];
            /** @description The order's human number, e.g. SR-001001 */
            order_number: string;
            reason: string;
            /** Format: date-time */
            received_at?: string | null;
            received_by?: string | null;
            /**
             * Format: int64
             * @description At the order's prices: the units asked back while `requested`, the units received once
             *     `received`, 0 when `rejected`.
             */
            refund_cents: number;
            reject_reason?: string | null;
            /** Format: date-time */
            rejected_at?: string | null;
            rejected_by?: string | null;
            requested_by: string;
            status: components["schemas"]["ReturnStatus"];
            /** Format: date-time */
            updated_at: string;
        };
        /** @description One product of a return, priced as the order was. */
        ReturnLine: {
            /** Format: int64 */
            damaged: number;
            name: string;
            product_id: components["schemas"]["ProductId"];
            /**
             * Format: int64
             * @description Units asked back.
             */
            quantity: number;
            /**
             * Format: int64
             * @description Units received back on hand, and units received damaged (0 until received).
             */
            restocked: number;
            sku: string;
            /** Format: int64 */
            unit_price_cents: number;
        };
        /** @enum {string} */
        ReturnStatus: "requested" | "received" | "rejected";
        /**
         * @description Who may do what. Ordered: admin ⊃ staff ⊃ customer. `service` is for `/internal/` only.
         * @enum {string}
         */
        Role: "admin" | "staff" | "customer" | "service";
        /** @description A dashboard section: its data, or why it is missing (the rest of the dashboard still shows). */
        Section_AiSection: {
            status: components["schemas"]["AiStatus"];
        } | components["schemas"]["Unavailable"];
        /** @description A dashboard section: its data, or why it is missing (the rest of the dashboard still shows). */
        Section_InventorySection: {
            low_stock: components["schemas"]["Product"][];
            summary: components["schemas"]["Summary"];
        } | components["schemas"]["Unavailable"];
        /** @description A dashboard section: its data, or why it is missing (the rest of the dashboard still shows). */
        Section_OrdersSection: {
            /** @description Count per status, all time (every status present, zero when none). */
            by_status: {
                [key: string]: number;
            };
            currency: string;
            /**
             * Format: int64
             * @description Those orders' count.
             */
            orders_period: number;
            /**
             * Format: int64
             * @description Sold orders (confirmed, partially fulfilled, fulfilled or delivered) placed today (UTC).
             */
            orders_today: number;
            /**
             * Format: int64
             * @description The period `revenue_by_day` covers, in days, today included.
             */
            period_days: number;
            recent: components["schemas"]["Order"][];
            /**
             * Format: int64
             * @description Refunds of returns received in the period (subtract from revenue for net).
             */
            refunds_period_cents?: number;
            revenue_by_day: components["schemas"]["DayRevenue"][];
            /**
             * Format: int64
             * @description Revenue of the period, gross: orders confirmed, partially fulfilled, fulfilled or
             *     delivered, not cancelled. Refunds are in `refunds_period_cents`.
             */
            revenue_period_cents: number;
            /**
             * Format: int64
             * @description Today's (UTC) entry of `revenue_by_day`, 0 when there is none.
             */
            revenue_today_cents: number;
            top_products: components["schemas"]["TopProduct"][];
        } | components["schemas"]["Unavailable"];
        /** @description One service: up with its version, or down with the reason. */
        ServiceHealth: {
            /** @enum {string} */
            status: "up";
            version?: string | null;
        } | {
            reason: string;
            /** @enum {string} */
            status: "down";
        };
        /** @description Each service's health as the gateway sees it. */
        Services: {
            auth: components["schemas"]["ServiceHealth"];
            /**
             * @description The audit log, webhooks, email and live updates. While it is down, changes still
             *     commit: their events wait in each service's outbox and follow when it is back.
             */
            events: components["schemas"]["ServiceHealth"];
            inventory: components["schemas"]["ServiceHealth"];
            orders: components["schemas"]["ServiceHealth"];
        };
        /** @description A signed-in session. */
        Session: {
            access_token: string;
            /** Format: int64 */
            expires_in: number;
            refresh_token: string;
            token_type: string;
            user: components["schemas"]["User"];
        };
        /** @description Units that left together. */
        Shipment: {
            carrier?: string | null;
            /** Format: date-time */
            delivered_at?: string | null;
            /** Format: uuid */
            id: string;
            lines: components["schemas"]["ShipmentLine"][];
            /** Format: date-time */
            shipped_at: string;
            /** @description The staff member who shipped it. */
            shipped_by?: string | null;
            tracking_number?: string | null;
        };
        /** @description Units of one product in a shipment. */
        ShipmentLine: {
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            quantity: number;
        };
        /** @description Where an order goes. `country` is an ISO 3166-1 alpha-2 code (upper case). */
        ShippingAddress: {
            city: string;
            /**
             * @description ISO 3166-1 alpha-2, e.g. `DE`, `US` (lower case is accepted and upper-cased)
             * @example DE
             * @enum {string}
             */
            country: "AD" | "AE" | "AF" | "AG" | "AI" | "AL" | "AM" | "AO" | "AQ" | "AR" | "AS" | "AT" | "AU" | "AW" | "AX" | "AZ" | "BA" | "BB" | "BD" | "BE" | "BF" | "BG" | "BH" | "BI" | "BJ" | "BL" | "BM" | "BN" | "BO" | "BQ" | "BR" | "BS" | "BT" | "BV" | "BW" | "BY" | "BZ" | "CA" | "CC" | "CD" | "CF" | "CG" | "CH" | "CI" | "CK" | "CL" | "CM" | "CN" | "CO" | "CR" | "CU" | "CV" | "CW" | "CX" | "CY" | "CZ" | "DE" | "DJ" | "DK" | "DM" | "DO" | "DZ" | "EC" | "EE" | "EG" | "EH" | "ER" | "ES" | "ET" | "FI" | "FJ" | "FK" | "FM" | "FO" | "FR" | "GA" | "GB" | "GD" | "GE" | "GF" | "GG" | "GH" | "GI" | "GL" | "GM" | "GN" | "GP" | "GQ" | "GR" | "GS" | "GT" | "GU" | "GW" | "GY" | "HK" | "HM" | "HN" | "HR" | "HT" | "HU" | "ID" | "IE" | "IL" | "IM" | "IN" | "IO" | "IQ" | "IR" | "IS" | "IT" | "JE" | "JM" | "JO" | "JP" | "KE" | "KG" | "KH" | "KI" | "KM" | "KN" | "KP" | "KR" | "KW" | "KY" | "KZ" | "LA" | "LB" | "LC" | "LI" | "LK" | "LR" | "LS" | "LT" | "LU" | "LV" | "LY" | "MA" | "MC" | "MD" | "ME" | "MF" | "MG" | "MH" | "MK" | "ML" | "MM" | "MN" | "MO" | "MP" | "MQ" | "MR" | "MS" | "MT" | "MU" | "MV" | "MW" | "MX" | "MY" | "MZ" | "NA" | "NC" | "NE" | "NF" | "NG" | "NI" | "NL" | "NO" | "NP" | "NR" | "NU" | "NZ" | "OM" | "PA" | "PE" | "PF" | "PG" | "PH" | "PK" | "PL" | "PM" | "PN" | "PR" | "PS" | "PT" | "PW" | "PY" | "QA" | "RE" | "RO" | "RS" | "RU" | "RW" | "SA" | "SB" | "SC" | "SD" | "SE" | "SG" | "SH" | "SI" | "SJ" | "SK" | "SL" | "SM" | "SN" | "SO" | "SR" | "SS" | "ST" | "SV" | "SX" | "SY" | "SZ" | "TC" | "TD" | "TF" | "TG" | "TH" | "TJ" | "TK" | "TL" | "TM" | "TN" | "TO" | "TR" | "TT" | "TV" | "TW" | "TZ" | "UA" | "UG" | "UM" | "US" | "UY" | "UZ" | "VA" | "VC" | "VE" | "VG" | "VI" | "VN" | "VU" | "WF" | "WS" | "YE" | "YT" | "ZA" | "ZM" | "ZW";
            line1: string;
            line2?: string | null;
            name: string;
            /** @description Digits, spaces and `()./-`, at least three digits, optionally starting with `+`. */
            phone?: string | null;
            postal_code: string;
            region?: string | null;
        };
        /**
         * @description Why restock advice did not become a purchase order line.
         * @enum {string}
         */
        SkipReason: "no_supplier";
        SkippedProduct: {
            name: string;
            /** Format: uuid */
            product_id: string;
            reason: components["schemas"]["SkipReason"];
            sku: string;
            /** Format: int64 */
            suggested_quantity: number;
        };
        Stats: {
            /** @description Count per status (every status present, zero when none). */
            by_status: {
                [key: string]: number;
            };
            currency: string;
            /**
             * Format: int64
             * @description Refunds of returns received in the period. Revenue is gross: orders still count as
             *     sold after a return, and this is what was paid back.
             */
            refunds_cents?: number;
            revenue_by_day: components["schemas"]["DayRevenue"][];
            top_products: components["schemas"]["TopProduct"][];
        };
        Stocktake: {
            /** @description What was counted, one line per product. */
            counts: components["schemas"]["CountLine"][];
            /** @description Why, or where: kept on every correction this stocktake writes. */
            note?: string | null;
        };
        StocktakeResult: {
            /** @description How many products had a difference (and so a correction). */
            corrected: number;
            /** @description One per counted product, in the order sent. */
            lines: components["schemas"]["CountedLine"][];
        };
        Summary: {
            /** Format: int64 */
            active_products: number;
            currency: string;
            /** Format: int64 */
            low_stock: number;
            /** Format: int64 */
            products: number;
            /** Format: int64 */
            stock_value_cents: number;
            /** Format: int64 */
            units_on_hand: number;
            /** Format: int64 */
            units_reserved: number;
        };
        /**
         * @description Where an order's AI summary stands.
         * @enum {string}
         */
        SummaryStatus: "pending" | "ready" | "failed" | "disabled";
        Supplier: {
            contact_email?: string | null;
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            /** Format: int64 */
            lead_time_days: number;
            name: string;
            phone?: string | null;
        };
        SupplierInput: {
            /** @description Empty, or an address with an `@`. */
            contact_email?: string | null;
            /** Format: int64 */
            lead_time_days?: number | null;
            /** @description Required when creating. */
            name?: string | null;
            phone?: string | null;
        };
        ToolUse: {
            /** @description The arguments the model gave, as JSON. */
            arguments: {
                [key: string]: unknown;
            };
            name: string;
        };
        TopProduct: {
            name: string;
            product_id: components["schemas"]["ProductId"];
            /** Format: int64 */
            quantity: number;
            /** Format: int64 */
            revenue_cents: number;
            sku: string;
        };
        Turn: {
            /** @description 1–4,000 characters, not only spaces. */
            content: string;
            role: components["schemas"]["TurnRole"];
        };
        /** @enum {string} */
        TurnRole: "user" | "assistant";
        /** @description Why a dashboard section is missing: `{"unavailable": true, "reason": "…"}`. */
        Unavailable: {
            /** @description For people: which service failed and how. */
            reason: string;
            /** @description Always `true`: what tells this apart from the section's data. */
            unavailable: boolean;
        };
        /** @description Absent fields stay as they are; `"supplier_id": null` clears the supplier. */
        UpdateProduct: {
            active?: boolean | null;
            category?: string | null;
            /**
             * Format: int64
             * @description `null` clears a known cost.
             */
            cost_cents?: number | null;
            description?: string | null;
            name?: string | null;
            /** Format: int64 */
            price_cents?: number | null;
            /** Format: int64 */
            reorder_point?: number | null;
            /** Format: int64 */
            reorder_quantity?: number | null;
            /** Format: uuid */
            supplier_id?: string | null;
            /**
             * Format: int64
             * @description Optimistic concurrency, like `If-Match`: 409 when the product changed since.
             */
            version?: number | null;
        };
        /**
         * @description Absent fields stay as they are; `null` clears `expected_at` or `note`; `lines` replaces
         *     every line.
         */
        UpdatePurchaseOrder: {
            /** Format: date-time */
            expected_at?: string | null;
            lines?: components["schemas"]["LineInput"][] | null;
            note?: string | null;
            /** Format: uuid */
            supplier_id?: string | null;
        };
        UpdateUser: {
            disabled?: boolean | null;
            name?: string | null;
            /** @description admin, staff or customer */
            role?: string | null;
        };
        UpdateWebhook: {
            /** @description Turning a webhook on again also forgets its failures. */
            active?: boolean | null;
            events?: components["schemas"]["EventPattern"][] | null;
            url?: string | null;
        };
        /** @enum {string} */
        Urgency: "critical" | "soon" | "ok";
        /** @description A user as the API shows it (never with the password hash). */
        User: {
            /** Format: date-time */
            created_at: string;
            disabled: boolean;
            email: string;
            /** Format: uuid */
            id: string;
            name: string;
            role: components["schemas"]["Role"];
        };
        /** @description A webhook subscription. Its signing secret is shown once, when it is created. */
        Webhook: {
            active: boolean;
            /** Format: date-time */
            created_at: string;
            /** @description Patterns: `*`, `order.*` or an exact type. */
            events: string[];
            /**
             * Format: date-time
             * @description Since when every delivery attempt has failed; deactivated after 24 h of that.
             */
            failing_since?: string | null;
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            updated_at: string;
            url: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    auth_jwks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description JSON Web Key Set */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ai_chat: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatAnswer"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not a user (service tokens) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed: 1 to 20 turns of 1 to 4,000 characters, ending with the user's */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description AI disabled, paused after failures, or the provider failed */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description The answer did not come within AI_TIMEOUT_MS */
            504: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ai_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AiStatus"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_audit_log: {
        parameters: {
            query?: {
                /** @description A user id, an email, or a service name (`auth`, `orders`, …). */
                actor?: string;
                /** @description `order`, `product`, `user`, … */
                entity_kind?: string;
                entity_id?: string;
                /** @description An exact type (`order.confirmed`) or a family (`order.*`). */
                type?: string;
                /** @description Events that occurred at or after this time (RFC 3339). */
                from?: string;
                /** @description Events that occurred before this time (RFC 3339). */
                to?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AuditPage"];
                };
            };
            /** @description Unknown query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_audit_export: {
        parameters: {
            query?: {
                /** @description A user id, an email, or a service name (`auth`, `orders`, …). */
                actor?: string;
                /** @description `order`, `product`, `user`, … */
                entity_kind?: string;
                entity_id?: string;
                /** @description An exact type (`order.confirmed`) or a family (`order.*`). */
                type?: string;
                /** @description Events that occurred at or after this time (RFC 3339). */
                from?: string;
                /** @description Events that occurred before this time (RFC 3339). */
                to?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Unknown query parameter */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_login: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Rate limited */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many sign-ins being checked; retry after Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_logout: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        responses: {
            /** @description signed out */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_me: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_refresh: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RefreshRequest"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Session"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_register: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterRequest"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description The bootstrap token is unknown or was already used */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many registrations from this address */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many sign-ins being checked; retry after Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_list: {
        parameters: {
            query?: {
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
                /** @description Only users with this role (staff must ask for `customer`). */
                role?: string;
                /** @description Part of the email or the name, case-blind. */
                q?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_User"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    auth_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateUser"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    gateway_dashboard: {
        parameters: {
            query?: {
                /**
                 * @description The period revenue, orders, the chart and top products cover, in days (1–365, default
                 *     30; the UI offers 7, 30 and 90).
                 * @example 30
                 */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description dashboard; unavailable sections say so */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dashboard"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description `days` is not between 1 and 365 */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_event_stream: {
        parameters: {
            query?: never;
            header?: {
                /** @description the `id` of the last event received: the stream resumes after it */
                "Last-Event-ID"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An event stream: `id` (the log number), `event` (the type), `data` (the event as JSON); comments as heartbeats */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ai_restock: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RestockReport"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Inventory unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_adjust: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and change the stock once */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Adjustment"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AdjustmentResult"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_low_stock: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LowStock"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_movements: {
        parameters: {
            query?: {
                product_id?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Movement"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_stocktake: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and count once */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Stocktake"];
            };
        };
        responses: {
            /** @description Counted; corrections written where the count differed */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StocktakeResult"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Staff only */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Invalid lines, an unknown product, or a count below what open orders have reserved (one field error per line, e.g. `counts[2].counted`); nothing is written */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_summary: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Summary"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_list_notifications: {
        parameters: {
            query?: {
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Notification"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_notification_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationSettings"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_put_notification_settings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NotificationSettings"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["NotificationSettings"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_list: {
        parameters: {
            query?: {
                status?: string;
                /** @description Staff only: one customer's orders */
                customer_id?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateOrder"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Only staff place orders for someone else or record earlier ones */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description insufficient stock */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A service this needs is unavailable */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_stats: {
        parameters: {
            query?: {
                /** @description 1–365, default 30 */
                days?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Stats"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_cancel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CancelOrder"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_fulfil: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    returns_create: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateReturn"];
            };
        };
        responses: {
            /** @description Requested */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Return"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description More than can be returned, nothing shipped, or the return window closed */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or a product not in the order */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_create_shipment: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers the same shipment */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateShipment"];
            };
        };
        responses: {
            /** @description Shipped: the order with its new shipment */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description More than is left to ship, or the order does not ship (cancelled, fulfilled, …) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or a product not in the order, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    orders_deliver_shipment: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                /** @description the shipment */
                sid: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Order"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description No such order or shipment */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Already delivered */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    ai_summarise: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description AI disabled */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_list: {
        parameters: {
            query?: {
                /** @description Matches SKU and name */
                q?: string;
                category?: string;
                /** @description `true`: only products at or below their reorder point */
                low_stock?: boolean;
                /** @description `true` (default for customers), `false` or `all` */
                active?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Product"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and create nothing */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateProduct"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_export: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV file */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_import: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry of the same file with the same key returns the first report and imports nothing again */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "text/csv": string;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImportReport"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another file */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_get: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_archive: {
        parameters: {
            query?: never;
            header?: {
                /** @description the ETag last read */
                "If-Match"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Stale If-Match */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description the ETag last read */
                "If-Match"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateProduct"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Product"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Conflict */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Stale If-Match */
            412: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_list_purchase_orders: {
        parameters: {
            query?: {
                status?: components["schemas"]["PoStatus"];
                supplier_id?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_PurchaseOrder"];
                };
            };
            /** @description Unknown status */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Bad limit or cursor */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_create_purchase_order: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and change nothing again */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreatePurchaseOrder"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_purchase_orders_from_restock: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and change nothing again */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FromRestock"];
            };
        };
        responses: {
            /** @description Drafts created (possibly none) */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FromRestockResult"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_get_purchase_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_update_purchase_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdatePurchaseOrder"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not a draft any more */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_cancel_purchase_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description optional */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ReasonInput"] | null;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Goods were received, or it is already finished */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_close_purchase_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        /** @description optional */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ReasonInput"] | null;
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not partially received */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_order_purchase_order: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not a draft */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    purchasing_receive_purchase_order: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and change nothing again */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["Receipt"];
            };
        };
        responses: {
            /** @description Received; the order as it now stands */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PurchaseOrder"];
                };
            };
            /** @description The body is not JSON of this shape */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not staff */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not open for receipts, or more than is still to come */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    returns_list: {
        parameters: {
            query?: {
                status?: string;
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Return"];
                };
            };
            /** @description Unknown status */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    returns_receive: {
        parameters: {
            query?: never;
            header?: {
                /** @description a retry with the same key and body answers the same receipt */
                "Idempotency-Key"?: string | null;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReceiveReturn"];
            };
        };
        responses: {
            /** @description Received */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Return"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not requested any more (received or rejected), or more units than asked back */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, a product not in the return, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    returns_reject: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RejectReturn"];
            };
        };
        responses: {
            /** @description Rejected */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Return"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not requested any more (received or rejected) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    gateway_status: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description each service's health */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlatformStatus"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_list_suppliers: {
        parameters: {
            query?: {
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Supplier"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_create_supplier: {
        parameters: {
            query?: never;
            header?: {
                /** @description retries with the same key and body return the first answer and create nothing */
                "Idempotency-Key"?: string | null;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["NewSupplier"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Supplier"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed, or the key was used for another request */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_get_supplier: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Supplier"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    inventory_update_supplier: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SupplierInput"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Supplier"];
                };
            };
            /** @description Not signed in, or the token is invalid or expired */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_list_webhooks: {
        parameters: {
            query?: {
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_Webhook"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_create_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateWebhook"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedWebhook"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed: a bad pattern, or a URL that is not http(s) or resolves to an internal address */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_get_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_delete_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_update_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateWebhook"];
            };
        };
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_webhook_deliveries: {
        parameters: {
            query?: {
                /** @description 1–100, default 20 */
                limit?: number;
                /** @description `next_cursor` of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Page_DeliveryAttempt"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Validation failed */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    events_test_webhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The attempt: see `outcome`, `status_code` and `error` */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeliveryAttempt"];
                };
            };
            /** @description Not signed in, or the token is invalid */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not allowed for this role */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description Too many requests from this client or user; retry after `Retry-After` seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
}
