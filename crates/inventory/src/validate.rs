//! Turning requests into validated store inputs; field errors name the JSON path.

use kernel::FieldError;

use crate::{
    domain::{range, text, Sku, MAX_PRICE_CENTS, MAX_STOCK},
    model::{CreateProduct, SupplierInput, UpdateProduct},
    store::{NewProduct, ProductPatch, SupplierFields},
};

pub fn new_product(req: &CreateProduct, prefix: &str) -> Result<NewProduct, Vec<FieldError>> {
    let mut errors = Vec::new();
    let field = |name: &str| format!("{prefix}{name}");
    let sku = Sku::parse(&req.sku)
        .map_err(|m| errors.push(FieldError::new(field("sku"), m)))
        .ok();
    let name = text(&field("name"), &req.name, 1, 200, &mut errors);
    let description = text(
        &field("description"),
        &req.description,
        0,
        5000,
        &mut errors,
    );
    let category = text(&field("category"), &req.category, 0, 100, &mut errors);
    let price_cents = range(
        &field("price_cents"),
        req.price_cents,
        0,
        MAX_PRICE_CENTS,
        &mut errors,
    );
    let reorder_point = range(
        &field("reorder_point"),
        req.reorder_point,
        0,
        MAX_STOCK,
        &mut errors,
    );
    let reorder_quantity = range(
        &field("reorder_quantity"),
        req.reorder_quantity,
        0,
        MAX_STOCK,
        &mut errors,
    );
    let initial_stock = range(
        &field("initial_stock"),
        req.initial_stock,
        0,
        MAX_STOCK,
        &mut errors,
    );
    let cost_cents = req
        .cost_cents
        .map(|v| range(&field("cost_cents"), v, 0, MAX_PRICE_CENTS, &mut errors));
    match sku {
        Some(sku) if errors.is_empty() => Ok(NewProduct {
            sku,
            name,
            description,
            category,
            supplier_id: req.supplier_id,
            price_cents,
            reorder_point,
            reorder_quantity,
            initial_stock,
            cost_cents,
            active: true,
        }),
        _ => Err(errors),
    }
}

pub fn product_patch(req: &UpdateProduct) -> Result<ProductPatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let patch = ProductPatch {
        name: req
            .name
            .as_deref()
            .map(|v| text("name", v, 1, 200, &mut errors)),
        description: req
            .description
            .as_deref()
            .map(|v| text("description", v, 0, 5000, &mut errors)),
        category: req
            .category
            .as_deref()
            .map(|v| text("category", v, 0, 100, &mut errors)),
        supplier_id: req.supplier_id,
        price_cents: req
            .price_cents
            .map(|v| range("price_cents", v, 0, MAX_PRICE_CENTS, &mut errors)),
        reorder_point: req
            .reorder_point
            .map(|v| range("reorder_point", v, 0, MAX_STOCK, &mut errors)),
        reorder_quantity: req
            .reorder_quantity
            .map(|v| range("reorder_quantity", v, 0, MAX_STOCK, &mut errors)),
        cost_cents: req
            .cost_cents
            .map(|c| c.map(|v| range("cost_cents", v, 0, MAX_PRICE_CENTS, &mut errors))),
        active: req.active,
    };
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

pub fn supplier(req: &SupplierInput, creating: bool) -> Result<SupplierFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    if creating && req.name.is_none() {
        errors.push(FieldError::new("name", "is required"));
    }
    let fields = SupplierFields {
        name: req
            .name
            .as_deref()
            .map(|v| text("name", v, 1, 200, &mut errors)),
        contact_email: req.contact_email.as_deref().map(|v| {
            let v = text("contact_email", v, 0, 254, &mut errors);
            if !v.is_empty() && !v.contains('@') {
                errors.push(FieldError::new("contact_email", "must be an email address"));
            }
            v
        }),
        phone: req
            .phone
            .as_deref()
            .map(|v| text("phone", v, 0, 40, &mut errors)),
        lead_time_days: req
            .lead_time_days
            .map(|v| range("lead_time_days", v, 0, 365, &mut errors)),
    };
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}
