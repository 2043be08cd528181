//! Restock insights: the deterministic forecast, always; an AI narrative on top, cached and
//! refreshed in the background so the page never waits for the provider.

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, RwLock,
    },
    time::{Duration, Instant},
};

use super::{
    forecast::{forecast, rank, Restock, StockFacts, WINDOW_DAYS},
    Ai,
};
use crate::{inventory::InventoryClient, model::SummaryStatus, store::OrdersStore};
use kernel::{AppError, Result};
use serde::Serialize;
use utoipa::ToSchema;

const NARRATIVE_TTL: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Narrative {
    pub status: SummaryStatus,
    pub text: Option<String>,
    pub generated_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RestockReport {
    pub items: Vec<Restock>,
    pub narrative: Narrative,
    pub window_days: i64,
}

#[derive(Clone)]
pub struct Insights {
    ai: Arc<Ai>,
    store: Arc<dyn OrdersStore>,
    inventory: InventoryClient,
    cache: Arc<RwLock<(Narrative, Option<Instant>)>>,
    refreshing: Arc<AtomicBool>,
}

impl Insights {
    pub fn new(ai: Arc<Ai>, store: Arc<dyn OrdersStore>, inventory: InventoryClient) -> Self {
        let status = if ai.enabled() {
            SummaryStatus::Pending
        } else {
            SummaryStatus::Disabled
        };
        Self {
            ai,
            store,
            inventory,
            cache: Arc::new(RwLock::new((
                Narrative {
                    status,
                    text: None,
                    generated_at: None,
                },
                None,
            ))),
            refreshing: Arc::new(AtomicBool::new(false)),
        }
    }

    pub async fn restock(&self) -> Result<RestockReport> {
        let items = self.forecast().await?;
        let narrative = self.narrative(&items);
        Ok(RestockReport {
            items,
            narrative,
            window_days: WINDOW_DAYS,
        })
    }

    /// The deterministic forecast alone, most urgent first (the assistant's restock advice:
    /// it starts no narrative, so asking the assistant makes no extra AI call).
    pub async fn forecast(&self) -> Result<Vec<Restock>> {
        let since = chrono::Utc::now() - chrono::Duration::days(WINDOW_DAYS);
        let (stock, demand) = tokio::join!(self.inventory.stock(), self.store.demand(since));
        let stock = stock
            .map_err(|e| AppError::Unavailable(format!("stock levels are unavailable: {e}")))?;
        let demand = demand?;
        let mut items: Vec<Restock> = stock
            .items
            .iter()
            .map(|p| {
                forecast(&StockFacts {
                    product_id: p.product_id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    on_hand: p.on_hand,
                    available: p.available,
                    reorder_point: p.reorder_point,
                    reorder_quantity: p.reorder_quantity,
                    lead_time_days: p.lead_time_days,
                    on_order: p.on_order,
                    expected_at: p.expected_at,
                    sold_in_window: demand.get(&p.product_id).copied().unwrap_or(0),
                })
            })
            .collect();
        rank(&mut items);
        Ok(items)
    }

    /// The cached narrative; starts a background refresh when it is stale.
    fn narrative(&self, items: &[Restock]) -> Narrative {
        let (current, refreshed) = self
            .cache
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        let stale = refreshed.is_none_or(|t| t.elapsed() > NARRATIVE_TTL);
        if self.ai.enabled() && stale && !self.refreshing.swap(true, Ordering::SeqCst) {
            let this = self.clone();
            let top: Vec<Restock> = items.iter().take(15).cloned().collect();
            tokio::spawn(async move { this.refresh(top).await });
        }
        current
    }

    async fn refresh(&self, top: Vec<Restock>) {
        let messages = super::prompts::restock(&top);
        let result = self.ai.complete(&messages, 500, 2).await;
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok((text, _)) => {
                *cache = (
                    Narrative {
                        status: SummaryStatus::Ready,
                        text: Some(text),
                        generated_at: Some(chrono::Utc::now()),
                    },
                    Some(Instant::now()),
                )
            }
            // Keep an older narrative if there is one; try again on a later request.
            Err(e) if cache.0.text.is_none() => {
                cache.0 = Narrative {
                    status: SummaryStatus::Failed,
                    text: None,
                    generated_at: None,
                };
                tracing::warn!(error = %e, "restock narrative failed");
            }
            Err(e) => {
                tracing::warn!(error = %e, "restock narrative refresh failed; keeping the last one")
            }
        }
        self.refreshing.store(false, Ordering::SeqCst);
    }
}
