-- Native types on PostgreSQL: ids become uuid, times timestamptz. Every row is carried over
-- (the text forms were written by `Uuid::to_string` and fixed-width RFC 3339 UTC). User ids
-- (`customer_id`, `by_user`) stay text: `by_user` also holds `system`. The order-number
-- sequence is untouched. Foreign keys are dropped around the change and added back.
ALTER TABLE order_lines DROP CONSTRAINT order_lines_order_id_fkey;
ALTER TABLE order_history DROP CONSTRAINT order_history_order_id_fkey;
ALTER TABLE ai_jobs DROP CONSTRAINT ai_jobs_order_id_fkey;
ALTER TABLE ai_summaries DROP CONSTRAINT ai_summaries_order_id_fkey;

ALTER TABLE orders
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE order_lines
    ALTER COLUMN order_id TYPE uuid USING order_id::uuid,
    ALTER COLUMN product_id TYPE uuid USING product_id::uuid;

ALTER TABLE order_history
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN order_id TYPE uuid USING order_id::uuid,
    ALTER COLUMN at TYPE timestamptz USING at::timestamptz;

ALTER TABLE ai_jobs
    ALTER COLUMN id TYPE uuid USING id::uuid,
    ALTER COLUMN order_id TYPE uuid USING order_id::uuid,
    ALTER COLUMN run_after TYPE timestamptz USING run_after::timestamptz,
    ALTER COLUMN lease_until TYPE timestamptz USING lease_until::timestamptz,
    ALTER COLUMN created_at TYPE timestamptz USING created_at::timestamptz,
    ALTER COLUMN updated_at TYPE timestamptz USING updated_at::timestamptz;

ALTER TABLE ai_summaries
    ALTER COLUMN order_id TYPE uuid USING order_id::uuid,
    ALTER COLUMN generated_at TYPE timestamptz USING generated_at::timestamptz;

ALTER TABLE order_lines ADD CONSTRAINT order_lines_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE order_history ADD CONSTRAINT order_history_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE ai_jobs ADD CONSTRAINT ai_jobs_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE ai_summaries ADD CONSTRAINT ai_summaries_order_id_fkey
    FOREIGN KEY (order_id) REFERENCES orders (id);

-- The AI queue is claimed oldest first among runnable jobs; the sweeper scans by status.
CREATE INDEX ai_jobs_order ON ai_jobs (order_id, status);
