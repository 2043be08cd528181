"""Schemathesis hooks for scripts/fuzz-api.sh: real records behind the generated requests.

Random UUIDs name no product, supplier or purchase order, and a random string is not a CSV
file, so without these hooks every request to an operation that names another record is refused
before it reaches the code past validation (schemathesis then warns "schema validation
mismatch" and explores nothing further). The hooks keep every other generated value and only
swap in references to records made for the run (FUZZ_* variables, set by fuzz-api.sh), and, for
the operations that need a purchase order in a given state, a fresh one made in that state for
each generated case (and a fresh order, shipped or with a return requested, for each case on
one order or return), so one case's transition never decides the next one's answer.
"""

import datetime
import hashlib
import json
import os
import urllib.error
import urllib.request
import uuid

import schemathesis

BASE = os.environ["FUZZ_BASE_URL"]
TOKEN = os.environ["FUZZ_TOKEN"]
PRODUCT = os.environ["FUZZ_PRODUCT_ID"]
SUPPLIER = os.environ["FUZZ_SUPPLIER_ID"]
CUSTOMER = os.environ["FUZZ_CUSTOMER_ID"]
# Webhooks must name a receiver that exists (an address that does not resolve is refused):
# a loopback port with nothing behind it, allowed by WEBHOOK_ALLOW_PRIVATE for the run.
WEBHOOK_URL = os.environ["FUZZ_WEBHOOK_URL"]

# Each operation on one purchase order, by the state the order must be in for it.
PURCHASE_ORDER_STATE = {
    ("PATCH", "/api/purchase-orders/{id}"): "draft",
    ("POST", "/api/purchase-orders/{id}/order"): "draft",
    ("POST", "/api/purchase-orders/{id}/cancel"): "ordered",
    ("POST", "/api/purchase-orders/{id}/receipts"): "ordered",
    ("POST", "/api/purchase-orders/{id}/close"): "partially_received",
}


def _call(method, path, body=None):
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def _purchase_order(state):
    order = _call(
        "POST",
        "/api/purchase-orders",
        {"supplier_id": SUPPLIER, "lines": [{"product_id": PRODUCT, "quantity": 1_000_000}]},
    )
    if state != "draft":
        _call("POST", f"/api/purchase-orders/{order['id']}/order", {})
    if state == "partially_received":
        _call("POST", f"/api/purchase-orders/{order['id']}/receipts", {"lines": [{"product_id": PRODUCT, "quantity": 1}]})
    return order["id"]


# As many products as an order may have lines: distinct generated ids become distinct real
# products, so a generated order stays within its per-product quantity limit as the generator
# meant it to, and a repeated generated id stays one product.
_pool = []
_real_product = {}


def _product_for(generated):
    if not _pool:
        for i in range(100):
            _pool.append(
                _call("POST", "/api/products", {"sku": f"FUZZ-P{i}", "name": f"Fuzz {i}", "price_cents": 100 + i,
                                                "initial_stock": 1_000_000, "supplier_id": SUPPLIER})["id"]
            )
    if generated not in _real_product:
        _real_product[generated] = _pool[len(_real_product) % len(_pool)]
    return _real_product[generated]


def _endpoint(ctx):
    return (ctx.operation.method.upper(), ctx.operation.path)


def _with_real_references(value, product_for):
    # JSON Schema counts 2.0 as an integer; the API, like serde, takes integers written as
    # integers only, and says so in a 422. The generated number is kept, written as an integer.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "product_id" and isinstance(item, str):
                out[key] = product_for(item)
            elif key == "supplier_id" and isinstance(item, str):
                out[key] = SUPPLIER
            elif key == "customer_id" and isinstance(item, str):
                out[key] = CUSTOMER
            elif key == "placed_at" and isinstance(item, str):
                # Orders are recorded up to a year back: the generated instant moved into it.
                days = int(hashlib.sha256(item.encode()).hexdigest(), 16) % 360
                at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days, minutes=1)
                out[key] = at.isoformat()
            elif key == "url" and isinstance(item, str):
                out[key] = WEBHOOK_URL
            else:
                out[key] = _with_real_references(item, product_for)
        return out
    if isinstance(value, list):
        return [_with_real_references(item, product_for) for item in value]
    return value


def _conversation(body):
    # A conversation ends with the user's turn, a rule across items no schema states.
    turns = body.get("messages") if isinstance(body, dict) else None
    if isinstance(turns, list) and turns and isinstance(turns[-1], dict):
        turns[-1]["role"] = "user"
    return body


def _catalogue_file(generated):
    # The generated text becomes a product's name; the SKU follows from it, so a repeated case
    # updates the product it created instead of failing on a duplicate.
    name = "".join(ch for ch in str(generated) if ch.isprintable() and ch not in ',"\r\n').strip()[:200] or "Fuzz"
    sku = "FZ-" + hashlib.sha256(name.encode()).hexdigest()[:12].upper()
    return f"sku,name,price_cents\n{sku},{name},100\n"


# The one product every fixture order holds, so shipment and return lines can name it.
ORDER_UNITS = 1_000


def _order(shipped=False):
    placed = _call("POST", "/api/orders", {"lines": [{"product_id": _product_for("order"), "quantity": ORDER_UNITS}]})
    if shipped:
        _call("POST", f"/api/orders/{placed['id']}/fulfil", {})
    return placed["id"]


def _requested_return():
    order = _order(shipped=True)
    lines = [{"product_id": _product_for("order"), "quantity": ORDER_UNITS}]
    return _call("POST", f"/api/orders/{order}/returns", {"lines": lines, "reason": "fuzz"})["id"]


def _fixture_for(endpoint):
    path = endpoint[1]
    if endpoint in PURCHASE_ORDER_STATE:
        return {"id": _purchase_order(PURCHASE_ORDER_STATE[endpoint])}
    if endpoint == ("PATCH", "/api/products/{id}"):
        return {"id": PRODUCT}
    if path == "/api/orders/{id}/returns":
        return {"id": _order(shipped=True)}
    if path == "/api/orders/{id}/shipments/{sid}/delivered":
        order = _order(shipped=True)
        shipments = _call("GET", f"/api/orders/{order}")["shipments"]
        return {"id": order, "sid": shipments[-1]["id"]}
    if path.startswith("/api/orders/{id}"):
        return {"id": _order()}
    if path.startswith("/api/returns/{id}/"):
        return {"id": _requested_return()}
    if path.startswith("/api/webhooks/{id}"):
        return {"id": _call("POST", "/api/webhooks", {"url": WEBHOOK_URL, "events": ["order.*"]})["id"]}
    return None


def _path_parameters(endpoint, path_parameters):
    if not path_parameters:
        return path_parameters
    try:
        fixture = _fixture_for(endpoint)
    except urllib.error.HTTPError:
        # Earlier cases may have deactivated the product or changed the supplier a fixture
        # needs; this case then keeps its generated id, as it would without the hooks.
        fixture = None
    return path_parameters if fixture is None else {**path_parameters, **fixture}


def _current_etag(path):
    request = urllib.request.Request(BASE + path, headers={"authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["ETag"]


def _headers(endpoint, headers):
    if not headers:
        return headers
    # A key names one request: generated keys repeat across cases with different bodies, which
    # the API rightly refuses (422, "this key was already used for a different request").
    if "Idempotency-Key" in headers:
        headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    # If-Match carries the ETag the client last read: a random one is refused as malformed.
    if "If-Match" in headers and endpoint == ("PATCH", "/api/products/{id}"):
        headers = {**headers, "If-Match": _current_etag(f"/api/products/{PRODUCT}")}
    return headers


def _line_products(endpoint):
    # A receipt names lines of its purchase order, a shipment or a return lines of its order:
    # each fixture holds one product.
    if endpoint == ("POST", "/api/purchase-orders/{id}/receipts"):
        return lambda _: PRODUCT
    if endpoint[1] in ("/api/orders/{id}/shipments", "/api/orders/{id}/returns", "/api/returns/{id}/receive"):
        return lambda _: _product_for("order")
    return _product_for


def _real_case(ctx, case):
    endpoint = _endpoint(ctx)
    case.path_parameters = _path_parameters(endpoint, case.path_parameters)
    case.headers = _headers(endpoint, case.headers)
    if endpoint == ("POST", "/api/products/import"):
        case.body = _catalogue_file(case.body)
    elif endpoint == ("POST", "/api/ai/chat"):
        case.body = _conversation(case.body)
    else:
        case.body = _with_real_references(case.body, _line_products(endpoint))
    return case


# A whole case, as only case hooks run in the generating phases (the coverage phase skips the
# others)...
@schemathesis.hook
def map_case(ctx, case):
    return _real_case(ctx, case)


# ...and the examples phase runs none of them: its cases are handed over here instead.
@schemathesis.hook
def before_add_examples(ctx, examples):
    for i, case in enumerate(examples):
        examples[i] = _real_case(ctx, case)
