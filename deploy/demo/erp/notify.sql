-- Real-time sync for cxgw: notify channel cxgw_erp_changes whenever a table that the mapping
-- reads changes. An ERP administrator installs this once (it needs the right to create
-- functions and triggers in schema erp). PostgreSQL delivers a notification when the
-- transaction commits, so cxgw never reads a change that could still roll back.
--
-- One statement-level trigger per table: a bulk update of 100,000 rows sends one notification,
-- not 100,000. cxgw then runs an incremental sync, which reads only the changed rows.

CREATE OR REPLACE FUNCTION erp.cxgw_notify_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cxgw_erp_changes', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['plants', 'customers', 'items', 'bom_lines', 'customer_items',
                           'production_orders', 'lots', 'serials', 'consumptions', 'inspections',
                           'measurements', 'deliveries', 'deleted_records']
  LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS cxgw_notify_change ON erp.%I', t);
    EXECUTE format('CREATE TRIGGER cxgw_notify_change AFTER INSERT OR UPDATE OR DELETE ON erp.%I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION erp.cxgw_notify_change()', t);
  END LOOP;
END
$$;
