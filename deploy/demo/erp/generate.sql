-- Deterministic data generator for the demo ERP (load schema.sql first).
--
--   psql -v ON_ERROR_STOP=1 -v scale=10000 -f generate.sql
--
-- `scale` is the number of serialized parts: afterwards erp.serials holds exactly `scale` rows,
-- finished goods and the component serials built into them together. It must be >= 300 (one
-- production group, see below), so that every piece of dirt listed here exists. The script
-- empties all erp tables first and runs in one transaction, so it can be rerun at any time.
--
-- Determinism: the same scale gives the same data, byte for byte, on any server and session.
-- Nothing comes from random(), now() or a sequence: pseudo-random choices are slices of an md5
-- of the row's index (pg_temp.roll), ids are computed, and updated_at is the time of the row's last business
-- event on a fixed timeline. Smaller scales are (almost) prefixes of larger ones; only the last,
-- unfinished production group differs.
--
-- Shape. Serial index i = 1..scale is also erp.serials.id. Serials come in blocks of 12
-- positions p = 0..11; positions 2, 6 and 11 are finished goods (FG) built from the 2, 3 and 4
-- component serials just before them (0-1, 3-5, 7-10). So 1/4 of the serials are FGs, 3/4
-- components; components whose FG lies beyond `scale` stay IN_STOCK. 25 blocks (300 serials)
-- are a production group g, made in one plant (DE01 60 %, CZ01 30 %, MX01 10 %): one production
-- order of 25 pieces per block position (order id 13g+p+1), one order for a lot-made FG (13g+13),
-- and the group's lots (ids 16g+1 .. 16g+16: purchased raw material consumed by its FGs,
-- production lots of lot-managed components, the lot of the lot-made FG). Group g makes the
-- serialized FGs 3(g mod 3)+1 .. 3(g mod 3)+3, so all nine appear. Each FG also consumes one or
-- two raw-material lots (per erp.bom_lines). ~70 % of the FGs are delivered, mostly to the
-- three Catena-X partners; one delivery note per group and customer. Serial i is made at
-- 2020-01-06 05:00 UTC + 30 s * i (+ up to 19 s): 1M serials span a year, and timestamps stay in
-- the past up to a few million, which the updated_at trigger needs (an UPDATE must move a row's
-- updated_at forward).
--
-- Dirt, deliberately present (tests/integration/demo_erp_test.cpp checks each):
--   * customer 100040 has a malformed BPN 'BPNL12345' (too short), customer 100050 a lower-case
--     one 'bpnl00000000adri'; both receive deliveries (serials 27 and 39, and more).
--   * customers 200010 and 200020 are not Catena-X partners (bpnl NULL) but receive deliveries
--     (serials 51 and 63, and more).
--   * plant DE02 (prototype shop) has no BPNS; it makes the component serials of order 2.
--   * production order 7 is CANCELLED, yet its 25 finished serials exist (never delivered).
--   * production order 3 is COMPLETED without a finish timestamp; the orders of the last group
--     are IN_PROGRESS without one unless scale is a multiple of 300; cancelled lot orders (groups g mod 7 = 3, so
--     from scale 901 on) were never started.
--   * non-ASCII and unclean serial numbers: serial 3 'SN-Ä-000003', serial 12 'СН-000012'
--     (Cyrillic), serial 24 'SN-000000024 ' (trailing blank); all three are delivered to
--     partners.
--   * finished serials not (yet) delivered: ~30 %, among them BLOCKED and SCRAPPED ones that
--     failed the end-of-line test.
--   * item 4100-0008 has no weight; item 4200-0009 has no English name.
--   * the second measurement of serial 36's inspection has no unit; units are free text as the
--     test bench writes them ('Nm', 'ml/min', 'MOhm', 'dB(A)'); some limits are one-sided (NULL).

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;
-- Temp tables below hold one row per serial; keep them in memory. temp_buffers must be set
-- before the session first touches a temp table.
SET temp_buffers = '512MB';
SET work_mem = '256MB';
-- timestamptz + interval '1 day' follows the session's time zone (a DST change makes a day 23 or
-- 25 hours); pin it so that the data does not depend on who runs the script.
SET TimeZone = 'UTC';

-- Ids of the dirty rows (see above).
\set dirt_cancelled_order 7
\set dirt_unfinished_order 3
\set dirt_no_bpns_order 2
\set dirt_serial_umlaut 3
\set dirt_serial_cyrillic 12
\set dirt_serial_blank 24
\set dirt_serial_unitless 36

\if :{?scale}
\else
  \set scale ''
\endif
SELECT set_config('cxgw_demo.scale', :'scale', false) \gset dummy_
DO $$
BEGIN
  IF current_setting('cxgw_demo.scale') !~ '^[0-9]{1,9}$'
     OR current_setting('cxgw_demo.scale')::bigint < 300 THEN
    RAISE EXCEPTION 'generate.sql needs -v scale=N with N >= 300 serialized parts, got "%"',
      current_setting('cxgw_demo.scale');
  END IF;
END
$$;

BEGIN;

TRUNCATE erp.plants, erp.customers, erp.items, erp.bom_lines, erp.customer_items,
         erp.production_orders, erp.lots, erp.serials, erp.consumptions, erp.inspections,
         erp.measurements, erp.deliveries, erp.deleted_records RESTART IDENTITY;

-- Bulk load as the PostgreSQL manual advises ("Populating a Database"): foreign keys and
-- secondary indexes go for the load and come back from their own definitions at the end, in
-- this transaction. Checking the foreign keys once, set-based, is what keeps 1M parts in
-- minutes; a failing check aborts the whole load.
CREATE TEMP TABLE gen_deferred_ddl AS
SELECT 2 AS step, format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname,
                         pg_get_constraintdef(c.oid)) AS create_ddl,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop_ddl
FROM pg_constraint c
WHERE c.contype = 'f' AND c.connamespace = 'erp'::regnamespace
UNION ALL
SELECT 1, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
WHERE ic.relnamespace = 'erp'::regnamespace
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid);

DO $$
DECLARE
  ddl text;
BEGIN
  FOR ddl IN SELECT drop_ddl FROM gen_deferred_ddl LOOP
    EXECUTE ddl;
  END LOOP;
END
$$;

-- Helpers ---------------------------------------------------------------------------------------

-- Pseudo-random numbers: roll n (0-3) of a digest is a number in [0, 2^32) taken from its hex
-- characters 8n+1 .. 8n+8, so one md5 per serial yields four independent choices; h() is one
-- roll of a salted index. (The explicit ::text casts keep these functions immutable, so that
-- the planner inlines them; `text || bigint` is only stable.)
CREATE FUNCTION pg_temp.roll(digest text, n integer) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT ('x' || substr(digest, 8 * n + 1, 8))::bit(32)::bigint
$$;
CREATE FUNCTION pg_temp.h(salt text, k bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT pg_temp.roll(md5(salt || ':' || k::text), 0)
$$;
CREATE FUNCTION pg_temp.serial_digest(i bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT md5('serial:' || i::text)
$$;

-- Nominal time of serial i on the timeline, and when it was actually made (roll 0 of its
-- digest: up to 19 s later). The time helpers are STABLE only because timestamptz arithmetic
-- is; with TimeZone pinned they are deterministic.
CREATE FUNCTION pg_temp.slot_time(i bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT timestamptz '2020-01-06 05:00:00+00' + interval '30 seconds' * i
$$;
CREATE FUNCTION pg_temp.made_at(i bigint, digest text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT pg_temp.slot_time(i) + interval '1 second' * (pg_temp.roll(digest, 0) % 20)
$$;
CREATE FUNCTION pg_temp.made_at(i bigint) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT pg_temp.made_at(i, pg_temp.serial_digest(i))
$$;

CREATE FUNCTION pg_temp.group_plant(g bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN g % 10 < 6 THEN 1 WHEN g % 10 < 9 THEN 2 ELSE 3 END
$$;

-- A group's deliveries to one customer leave together, 1-3 days after the group's last slot,
-- on a plant-local date.
CREATE FUNCTION pg_temp.delivery_date(g bigint, customer_id bigint, time_zone text) RETURNS date
LANGUAGE sql STABLE AS $$
  SELECT ((pg_temp.slot_time(300 * g + 300) + interval '1 day' * (1 + customer_id % 3))
          AT TIME ZONE time_zone)::date
$$;
-- Goods issue at 14:00 plant time.
CREATE FUNCTION pg_temp.shipped_at(d date, time_zone text) RETURNS timestamptz
LANGUAGE sql STABLE AS $$
  SELECT (d + time '14:00') AT TIME ZONE time_zone
$$;

-- Master data -----------------------------------------------------------------------------------
-- Master data was maintained before production started; updated_at = 2019-12-01 + id minutes.

INSERT INTO erp.plants (id, plant_code, name, bpns, country_code, city, time_zone, updated_at)
SELECT id, code, name, bpns, country, city, tz,
       timestamptz '2019-12-01 08:00:00+00' + interval '1 minute' * id
FROM (VALUES
  (1, 'DE01', 'Werk Schweinfurt', 'BPNS00000000DE01', 'DE', 'Schweinfurt', 'Europe/Berlin'),
  (2, 'CZ01', 'Závod Plzeň', 'BPNS00000000CZ01', 'CZ', 'Plzeň', 'Europe/Prague'),
  (3, 'MX01', 'Planta Querétaro', 'BPNS00000000MX01', 'MX', 'Santiago de Querétaro',
   'America/Mexico_City'),
  (4, 'DE02', 'Musterbau Erlangen', NULL, 'DE', 'Erlangen', 'Europe/Berlin')
) AS v (id, code, name, bpns, country, city, tz);

INSERT INTO erp.customers (id, customer_no, name, bpnl, country_code, city, updated_at)
SELECT id, no, name, bpnl, country, city,
       timestamptz '2019-12-01 09:00:00+00' + interval '1 minute' * id
FROM (VALUES
  (1, '100010', 'Musterauto AG', 'BPNL000000000OEM', 'DE', 'Stuttgart'),
  (2, '100020', 'Autowerke Nord GmbH', 'BPNL00000000OEM2', 'DE', 'Hannover'),
  (3, '100030', 'Nutzfahrzeuge Süd AG', 'BPNL0000000TRUCK', 'DE', 'München'),
  (4, '200010', 'Teilehandel Meyer KG', NULL, 'DE', 'Bielefeld'),
  (5, '200020', 'Maquinaria Agrícola del Bajío S.A. de C.V.', NULL, 'MX', 'León'),
  (6, '100040', 'Voitures Lumière SA', 'BPNL12345', 'FR', 'Lyon'),
  (7, '100050', 'Automobili Adriatica S.p.A.', 'bpnl00000000adri', 'IT', 'Torino')
) AS v (id, no, name, bpnl, country, city);

-- Items 1-9: serialized finished goods; 10-11: finished goods made in lots; 12-36: serialized
-- components; 37-50: purchased raw material in lots.
INSERT INTO erp.items (id, part_number, name, category, is_serialized, is_lot_managed, uom,
                       weight_kg, updated_at)
SELECT id, pn, jsonb_strip_nulls(jsonb_build_object('de', de, 'en', en)), cat,
       cat <> 'RAW_MATERIAL' AND id NOT IN (10, 11), lot, uom, weight,
       timestamptz '2019-12-01 10:00:00+00' + interval '1 minute' * id
FROM (VALUES
  (1, '4100-0001', 'Lenkgetriebe', 'Steering gear', 'FINISHED', false, 'ST', 7.85),
  (2, '4100-0002', 'Bremssattel komplett', 'Brake caliper assembly', 'FINISHED', false, 'ST', 3.2),
  (3, '4100-0003', 'Sitzverstellmotor', 'Seat adjuster motor', 'FINISHED', false, 'ST', 0.95),
  (4, '4100-0004', 'Fensterheber', 'Window regulator', 'FINISHED', false, 'ST', 1.6),
  (5, '4100-0005', 'Wischermotor', 'Wiper motor', 'FINISHED', false, 'ST', 1.25),
  (6, '4100-0006', 'Ölpumpenmodul', 'Oil pump module', 'FINISHED', false, 'ST', 2.4),
  (7, '4100-0007', 'Leuchtweitenregler', 'Headlamp levelling actuator', 'FINISHED', false, 'ST',
   0.18),
  (8, '4100-0008', 'Türschlossmodul', 'Door lock module', 'FINISHED', false, 'ST', NULL),
  (9, '4100-0009', 'Batterieverteiler', 'Battery junction box', 'FINISHED', false, 'ST', 1.1),
  (10, '4100-0010', 'Dichtungssatz', 'Gasket kit', 'FINISHED', true, 'ST', 0.12),
  (11, '4100-0011', 'Bremsbelagsatz', 'Brake pad set', 'FINISHED', true, 'ST', 0.9),
  (12, '4200-0001', 'Lenkgetriebegehäuse', 'Steering gear housing', 'COMPONENT', true, 'ST', 2.9),
  (13, '4200-0002', 'Zahnstange', 'Steering rack', 'COMPONENT', true, 'ST', 1.8),
  (14, '4200-0003', 'Bremssattelgehäuse', 'Caliper housing', 'COMPONENT', true, 'ST', 1.4),
  (15, '4200-0004', 'Bremskolben', 'Brake piston', 'COMPONENT', false, 'ST', 0.25),
  (16, '4200-0005', 'Bremsträger', 'Caliper bracket', 'COMPONENT', true, 'ST', 0.9),
  (17, '4200-0006', 'Elektromotor 12 V', 'Electric motor 12 V', 'COMPONENT', false, 'ST', 0.42),
  (18, '4200-0007', 'Schneckengetriebe', 'Worm gear', 'COMPONENT', false, 'ST', 0.08),
  (19, '4200-0008', 'Hallsensor', 'Hall-effect sensor', 'COMPONENT', false, 'ST', 0.005),
  (20, '4200-0009', 'Spindel', NULL, 'COMPONENT', false, 'ST', 0.12),
  (21, '4200-0010', 'Führungsschiene mit Seiltrommel', 'Guide rail with cable drum', 'COMPONENT',
   false, 'ST', 0.6),
  (22, '4200-0011', 'Wischergetriebe', 'Wiper gearbox', 'COMPONENT', false, 'ST', 0.35),
  (23, '4200-0012', 'Steuergerät Wischer', 'Wiper control unit', 'COMPONENT', false, 'ST', 0.07),
  (24, '4200-0013', 'Kurbel', 'Crank arm', 'COMPONENT', false, 'ST', 0.09),
  (25, '4200-0014', 'Pumpengehäuse', 'Pump housing', 'COMPONENT', true, 'ST', 0.8),
  (26, '4200-0015', 'Pumpenrotor', 'Pump rotor', 'COMPONENT', false, 'ST', 0.3),
  (27, '4200-0016', 'Druckregelventil', 'Pressure control valve', 'COMPONENT', false, 'ST', 0.15),
  (28, '4200-0017', 'Antriebswelle', 'Drive shaft', 'COMPONENT', true, 'ST', 0.4),
  (29, '4200-0018', 'Schrittmotor', 'Stepper motor', 'COMPONENT', false, 'ST', 0.06),
  (30, '4200-0019', 'Schlossfalle', 'Lock latch', 'COMPONENT', false, 'ST', 0.05),
  (31, '4200-0020', 'Verriegelungsaktuator', 'Locking actuator', 'COMPONENT', false, 'ST', 0.07),
  (32, '4200-0021', 'Steuergerät Türschloss', 'Door lock control unit', 'COMPONENT', false, 'ST',
   0.04),
  (33, '4200-0022', 'Verteilergehäuse', 'Junction box housing', 'COMPONENT', true, 'ST', 0.3),
  (34, '4200-0023', 'Stromschiene', 'Busbar', 'COMPONENT', false, 'ST', 0.12),
  (35, '4200-0024', 'Sicherungsträger', 'Fuse carrier', 'COMPONENT', false, 'ST', 0.2),
  (36, '4200-0025', 'Stromsensor', 'Current sensor', 'COMPONENT', false, 'ST', 0.02),
  (37, '4300-0001', 'Lithium-Fett', 'Lithium grease', 'RAW_MATERIAL', true, 'KG', 1),
  (38, '4300-0002', 'EPDM-Dichtungsmasse', 'EPDM sealing compound', 'RAW_MATERIAL', true, 'KG', 1),
  (39, '4300-0003', 'Montagepaste', 'Assembly paste', 'RAW_MATERIAL', true, 'KG', 1),
  (40, '4300-0004', 'Kupferlackdraht 0,8 mm', 'Enamelled copper wire 0.8 mm', 'RAW_MATERIAL',
   true, 'M', 0.0045),
  (41, '4300-0005', 'Schraube M6x20', 'Screw M6x20', 'RAW_MATERIAL', true, 'ST', 0.006),
  (42, '4300-0006', 'PA66-GF30 Granulat', 'PA66-GF30 granulate', 'RAW_MATERIAL', true, 'KG', 1),
  (43, '4300-0007', 'Aluminium AlSi9Cu3 Barren', 'Aluminium ingot AlSi9Cu3', 'RAW_MATERIAL', true,
   'KG', 1),
  (44, '4300-0008', 'Schraubensicherung', 'Thread-locking adhesive', 'RAW_MATERIAL', true, 'L',
   1.1),
  (45, '4300-0009', 'Lotpaste SAC305', 'Solder paste SAC305', 'RAW_MATERIAL', true, 'KG', 1),
  (46, '4300-0010', 'Getriebeöl 75W-90', 'Gear oil 75W-90', 'RAW_MATERIAL', true, 'L', 0.88),
  (47, '4300-0011', 'Kabelbinder', 'Cable tie', 'RAW_MATERIAL', true, 'ST', 0.002),
  (48, '4300-0012', 'Schrumpfschlauch', 'Heat-shrink tubing', 'RAW_MATERIAL', true, 'M', 0.003),
  (49, '4300-0013', 'Silikon-Vergussmasse', 'Silicone potting compound', 'RAW_MATERIAL', true,
   'KG', 1),
  (50, '4300-0014', 'Verzinntes Kupferband', 'Tin-plated copper strip', 'RAW_MATERIAL', true, 'KG',
   1)
) AS v (id, pn, de, en, cat, lot, uom, weight);

-- Serialized FG n (n = 1..9) has 2 + (n-1) mod 3 component lines and 1 + (n-1) mod 2 raw
-- material lines; the block layout above depends on it (checked below).
INSERT INTO erp.bom_lines (id, parent_item_id, position_no, child_item_id, quantity, uom,
                           updated_at)
SELECT row_number() OVER (ORDER BY parent, pos), parent, pos, child, qty, uom,
       timestamptz '2019-12-02 08:00:00+00'
         + interval '1 minute' * row_number() OVER (ORDER BY parent, pos)
FROM (VALUES
  (1, 10, 12, 1, 'ST'), (1, 20, 13, 1, 'ST'), (1, 30, 37, 0.08, 'KG'),
  (2, 10, 14, 1, 'ST'), (2, 20, 15, 1, 'ST'), (2, 30, 16, 1, 'ST'),
  (2, 40, 39, 0.005, 'KG'), (2, 50, 38, 0.012, 'KG'),
  (3, 10, 17, 1, 'ST'), (3, 20, 18, 1, 'ST'), (3, 30, 19, 1, 'ST'), (3, 40, 20, 1, 'ST'),
  (3, 50, 37, 0.004, 'KG'),
  (4, 10, 17, 1, 'ST'), (4, 20, 21, 1, 'ST'), (4, 30, 41, 4, 'ST'), (4, 40, 47, 2, 'ST'),
  (5, 10, 22, 1, 'ST'), (5, 20, 23, 1, 'ST'), (5, 30, 24, 1, 'ST'), (5, 40, 46, 0.015, 'L'),
  (6, 10, 25, 1, 'ST'), (6, 20, 26, 1, 'ST'), (6, 30, 27, 1, 'ST'), (6, 40, 28, 1, 'ST'),
  (6, 50, 44, 0.002, 'L'), (6, 60, 41, 6, 'ST'),
  (7, 10, 29, 1, 'ST'), (7, 20, 19, 1, 'ST'), (7, 30, 37, 0.001, 'KG'),
  (8, 10, 30, 1, 'ST'), (8, 20, 31, 1, 'ST'), (8, 30, 32, 1, 'ST'), (8, 40, 48, 0.12, 'M'),
  (8, 50, 41, 3, 'ST'),
  (9, 10, 33, 1, 'ST'), (9, 20, 34, 1, 'ST'), (9, 30, 35, 1, 'ST'), (9, 40, 36, 1, 'ST'),
  (9, 50, 49, 0.15, 'KG'),
  (10, 10, 38, 0.11, 'KG'),
  (11, 10, 39, 0.002, 'KG')
) AS v (parent, pos, child, qty, uom);

-- Every customer has its own part number for every finished good.
INSERT INTO erp.customer_items (id, customer_id, item_id, customer_part_number,
                                customer_part_name, updated_at)
SELECT 11 * (c.id - 1) + i.id, c.id, i.id,
       CASE c.id
         WHEN 1 THEN 'MA' || (700000 + 113 * i.id)
         WHEN 2 THEN 'AWN-' || lpad((977 * i.id)::text, 7, '0')
         WHEN 3 THEN 'NF ' || (4211 * i.id) || ' 00'
         WHEN 4 THEN 'TM' || lpad(i.id::text, 5, '0')
         WHEN 5 THEN 'MAB-' || (30000 + i.id)
         WHEN 6 THEN 'VL' || (9000 + 17 * i.id) || 'X'
         ELSE 'AA.' || (500 + i.id) || '.' || (i.id % 7)
       END,
       CASE WHEN c.bpnl IS NOT NULL THEN i.name ->> 'en' END,
       timestamptz '2019-12-03 08:00:00+00' + interval '1 minute' * (11 * (c.id - 1) + i.id)
FROM erp.customers c CROSS JOIN erp.items i
WHERE i.category = 'FINISHED';

-- The block layout: for each group kind g3 = g mod 3 and block position p, which item is made
-- there, which component slot j of its FG it fills, and where that FG sits.
CREATE TEMP TABLE gen_bom AS
SELECT b.parent_item_id, c.category = 'RAW_MATERIAL' AS is_raw,
       row_number() OVER (PARTITION BY b.parent_item_id, c.category = 'RAW_MATERIAL'
                          ORDER BY b.position_no) - 1 AS slot,
       b.child_item_id, b.quantity, b.uom
FROM erp.bom_lines b JOIN erp.items c ON c.id = b.child_item_id;

CREATE TEMP TABLE gen_slots AS
SELECT s.*, coalesce(b.child_item_id, s.fg_item_id) AS item_id,
       NOT s.finished AND it.is_lot_managed AS lot_managed
FROM (
  SELECT g3, p, l, p IN (2, 6, 11) AS finished,
         p - (ARRAY[0, 3, 7])[l + 1] AS j,                -- component slot within its FG
         p - (p > 2)::int - (p > 6)::int AS q,            -- index among the 9 component positions
         (ARRAY[2, 6, 11])[l + 1] AS parent_p,            -- position of the FG
         3 * g3 + l + 1 AS fg_item_id
  FROM generate_series(0, 2) AS g3, generate_series(0, 11) AS p,
       LATERAL (SELECT CASE WHEN p < 3 THEN 0 WHEN p < 7 THEN 1 ELSE 2 END AS l) AS lane
) AS s
LEFT JOIN gen_bom b ON NOT s.finished AND NOT b.is_raw AND b.parent_item_id = s.fg_item_id
                       AND b.slot = s.j
JOIN erp.items it ON it.id = coalesce(b.child_item_id, s.fg_item_id);

DO $$
BEGIN
  IF (SELECT count(*) FROM gen_slots) <> 36
     OR EXISTS (SELECT FROM gen_bom b WHERE NOT b.is_raw AND b.parent_item_id <= 9
                GROUP BY b.parent_item_id HAVING count(*) <> 2 + (b.parent_item_id - 1) % 3)
     OR EXISTS (SELECT FROM gen_bom b WHERE b.is_raw AND b.parent_item_id <= 9
                GROUP BY b.parent_item_id HAVING count(*) <> 1 + (b.parent_item_id - 1) % 2) THEN
    RAISE EXCEPTION 'erp.bom_lines does not fit the block layout of generate.sql';
  END IF;
END
$$;

-- Production orders ---------------------------------------------------------------------------

INSERT INTO erp.production_orders (id, order_no, item_id, plant_id, planned_quantity,
                                   produced_quantity, uom, started_at, finished_at, status,
                                   updated_at)
SELECT id, 'FA' || lpad(id::text, 8, '0'), item_id, plant_id, planned, produced, 'ST',
       started_at, finished_at, status, updated_at
FROM (
  -- One order per block position: 25 pieces, one per block of the group.
  SELECT o.id, s.item_id,
         CASE WHEN o.id = :dirt_no_bpns_order THEN 4 ELSE pg_temp.group_plant(o.g) END AS plant_id,
         25 AS planned, o.produced,
         pg_temp.slot_time(o.first_i) - interval '15 minutes' AS started_at,
         CASE WHEN o.produced = 25 AND o.id NOT IN (:dirt_cancelled_order, :dirt_unfinished_order)
              THEN pg_temp.made_at(o.last_i) + interval '10 minutes' END AS finished_at,
         CASE WHEN o.id = :dirt_cancelled_order THEN 'CANCELLED'
              WHEN o.produced < 25 THEN 'IN_PROGRESS'
              ELSE 'COMPLETED' END AS status,
         pg_temp.made_at(o.last_i) + interval '10 minutes' AS updated_at
  FROM (
    SELECT g, p, 13 * g + p + 1 AS id, 300 * g + p + 1 AS first_i,
           300 * g + p + 1 + 12 * (n - 1) AS last_i, n AS produced
    FROM generate_series(0, (:scale - 1) / 300) AS g, generate_series(0, 11) AS p,
         LATERAL (SELECT least(25, (:scale - (300 * g + p + 1)) / 12 + 1) AS n) AS made
    WHERE 300 * g + p + 1 <= :scale
  ) AS o
  JOIN gen_slots s ON s.g3 = o.g % 3 AND s.p = o.p
  UNION ALL
  -- One lot of 500 gasket kits or brake pad sets per group; every 7th is cancelled unstarted.
  SELECT 13 * g + 13, 10 + g % 2, pg_temp.group_plant(g), 500,
         CASE WHEN g % 7 = 3 THEN 0 ELSE 500 END,
         CASE WHEN g % 7 <> 3 THEN pg_temp.slot_time(300 * g + 1) + interval '1 hour' END,
         CASE WHEN g % 7 <> 3 THEN pg_temp.slot_time(300 * g + 1) + interval '5 hours' END,
         CASE WHEN g % 7 = 3 THEN 'CANCELLED' ELSE 'COMPLETED' END,
         pg_temp.slot_time(300 * g + 1) + CASE WHEN g % 7 = 3 THEN interval '0 hours'
                                               ELSE interval '5 hours' END
  FROM generate_series(0, (:scale - 1) / 300) AS g
) AS orders;

-- Lots ------------------------------------------------------------------------------------------

INSERT INTO erp.lots (id, lot_no, item_id, plant_id, production_order_id, supplier_lot_no,
                      quantity, uom, production_date, updated_at)
-- Purchased raw material for the group's FGs: slot 2l+s of the group, received a day before
-- the group starts, enough for its 25 FGs with 20-119 % to spare.
SELECT 16 * g + 2 * s.l + b.slot + 1, 'R' || lpad((16 * g + 2 * s.l + b.slot + 1)::text, 9, '0'),
       b.child_item_id, pg_temp.group_plant(g), NULL,
       'V' || upper(substr(md5('vendor lot:' || (16 * g + 2 * s.l + b.slot + 1)), 1, 10)),
       round(b.quantity * 25 * (1.2 + (pg_temp.h('lot qty', 16 * g + 2 * s.l + b.slot + 1) % 100)
                                      / 100.0), 3),
       b.uom,
       ((pg_temp.slot_time(300 * g + 1)
         - interval '1 day' * (10 + pg_temp.h('lot age', 16 * g + 2 * s.l + b.slot + 1) % 20))
        AT TIME ZONE pl.time_zone)::date,
       pg_temp.slot_time(300 * g + 1) - interval '1 day'
FROM generate_series(0, (:scale - 1) / 300) AS g
JOIN gen_slots s ON s.g3 = g % 3 AND s.finished
JOIN gen_bom b ON b.is_raw AND b.parent_item_id = s.item_id
JOIN erp.plants pl ON pl.id = pg_temp.group_plant(g)
WHERE 300 * g + s.p + 1 <= :scale
UNION ALL
-- Production lots of lot-managed components: one per component order, slot 6+q.
SELECT 16 * ((o.id - 1) / 13) + 6 + s.q + 1,
       'L' || lpad((16 * ((o.id - 1) / 13) + 6 + s.q + 1)::text, 9, '0'),
       o.item_id, o.plant_id, o.id, NULL, o.produced_quantity, o.uom,
       (o.started_at AT TIME ZONE pl.time_zone)::date, o.updated_at
FROM erp.production_orders o
JOIN gen_slots s ON s.g3 = ((o.id - 1) / 13) % 3 AND s.p = (o.id - 1) % 13 AND s.lot_managed
JOIN erp.plants pl ON pl.id = o.plant_id
WHERE o.id % 13 <> 0
UNION ALL
-- The lot made by the group's lot order (slot 15), unless that order was cancelled.
SELECT 16 * (o.id / 13 - 1) + 16, 'L' || lpad((16 * (o.id / 13 - 1) + 16)::text, 9, '0'),
       o.item_id, o.plant_id, o.id, NULL, o.produced_quantity, o.uom,
       (o.finished_at AT TIME ZONE pl.time_zone)::date, o.updated_at
FROM erp.production_orders o
JOIN erp.plants pl ON pl.id = o.plant_id
WHERE o.id % 13 = 0 AND o.status <> 'CANCELLED';

-- Serials -------------------------------------------------------------------------------------

-- Serials whose delivery is fixed rather than rolled, so that every kind of customer has one at
-- any scale: the unclean serial numbers go to the partners, others to the customers with a
-- malformed BPN and to the non-partners.
CREATE TEMP TABLE gen_showcase (i, customer_id) AS
VALUES (:dirt_serial_umlaut, 1), (:dirt_serial_cyrillic, 2), (:dirt_serial_blank, 3),
       (27, 6), (39, 7), (51, 4), (63, 5);

-- One row per serial with everything the remaining tables derive from it. MATERIALIZED keeps
-- the planner from substituting the hash expressions into every place that reads a roll.
CREATE TEMP TABLE gen_serials AS
WITH digested AS MATERIALIZED (
  SELECT i, pg_temp.serial_digest(i) AS digest FROM generate_series(1, :scale) AS i
), placed AS MATERIALIZED (
  SELECT i, (i - 1) / 300 AS g, s.l, s.finished, s.item_id, s.q, s.lot_managed,
         13 * ((i - 1) / 300) + s.p + 1 AS order_id,
         12 * ((i - 1) / 12) + s.parent_p + 1 AS parent_i,
         3 * ((i - 1) / 12) + s.l + 1 AS finished_no,   -- ordinal among the FGs
         pg_temp.made_at(i, digest) AS made_at,
         pg_temp.roll(digest, 1) % 1000 AS eol_roll,
         pg_temp.roll(digest, 2) % 100 AS delivery_roll,
         pg_temp.roll(digest, 3) % 100 AS customer_roll
  FROM digested
  JOIN gen_slots s ON s.g3 = ((i - 1) / 300) % 3 AND s.p = (i - 1) % 12
), judged AS (
  SELECT p.*, o.plant_id, pl.time_zone, sc.customer_id AS showcase_customer_id,
         -- End-of-line test: 2 % reworked and passed on a retest, 0.3 % blocked, 0.2 % scrapped.
         CASE WHEN NOT p.finished THEN NULL
              WHEN sc.i IS NOT NULL THEN 'PASSED'
              WHEN p.eol_roll BETWEEN 20 AND 22 THEN 'BLOCKED'
              WHEN p.eol_roll BETWEEN 23 AND 24 THEN 'SCRAPPED'
              ELSE 'PASSED' END AS eol
  FROM placed p
  JOIN erp.production_orders o ON o.id = p.order_id
  JOIN erp.plants pl ON pl.id = o.plant_id
  LEFT JOIN gen_showcase sc ON sc.i = p.i
), shipped AS (
  SELECT j.*,
         j.finished AND j.order_id <> :dirt_cancelled_order
           AND (j.showcase_customer_id IS NOT NULL OR (j.eol = 'PASSED' AND j.delivery_roll < 70))
           AS delivered,
         CASE WHEN j.showcase_customer_id IS NOT NULL THEN j.showcase_customer_id
              WHEN j.customer_roll < 45 THEN 1
              WHEN j.customer_roll < 70 THEN 2
              WHEN j.customer_roll < 85 THEN 3
              WHEN j.customer_roll < 90 THEN 4
              WHEN j.customer_roll < 94 THEN 5
              WHEN j.customer_roll < 97 THEN 6
              ELSE 7 END AS customer_id
  FROM judged j
)
SELECT s.*,
       CASE WHEN s.delivered THEN pg_temp.delivery_date(s.g, s.customer_id, s.time_zone)
       END AS delivery_date
FROM shipped s;

INSERT INTO erp.serials (id, serial_no, item_id, plant_id, production_order_id, lot_id,
                         manufactured_at, status, updated_at)
SELECT i,
       CASE i
         WHEN :dirt_serial_umlaut THEN 'SN-Ä-' || lpad(i::text, 6, '0')
         WHEN :dirt_serial_cyrillic THEN 'СН-' || lpad(i::text, 6, '0')
         WHEN :dirt_serial_blank THEN 'SN-' || lpad(i::text, 9, '0') || ' '
         ELSE CASE WHEN finished THEN 'SN-' ELSE 'CS-' END || lpad(i::text, 9, '0')
       END,
       item_id, plant_id, order_id,
       CASE WHEN lot_managed THEN 16 * g + 6 + q + 1 END,
       made_at,
       CASE WHEN NOT finished THEN CASE WHEN parent_i <= :scale THEN 'CONSUMED' ELSE 'IN_STOCK' END
            WHEN eol <> 'PASSED' THEN eol
            WHEN delivered THEN 'DELIVERED'
            ELSE 'IN_STOCK' END,
       -- The last status change: shipped, built in, tested, or made.
       CASE WHEN delivered THEN pg_temp.shipped_at(delivery_date, time_zone)
            WHEN NOT finished AND parent_i <= :scale
              THEN pg_temp.slot_time(parent_i) - interval '5 seconds'
            WHEN finished THEN made_at + interval '2 minutes'
            ELSE made_at END
FROM gen_serials;

-- As-built genealogy ----------------------------------------------------------------------------

-- Components are built in just before their FG is finished (5 s before its slot, after the last
-- component's); raw material comes from the group's purchased lots.
INSERT INTO erp.consumptions (id, parent_serial_id, child_serial_id, child_lot_id,
                              production_order_id, quantity, uom, consumed_at, updated_at)
SELECT row_number() OVER (ORDER BY parent_i, kind, child), parent_i,
       CASE WHEN kind = 1 THEN child END, CASE WHEN kind = 2 THEN child END,
       order_id, quantity, uom, consumed_at, consumed_at
FROM (
  SELECT c.parent_i, 1 AS kind, c.i AS child, 13 * c.g + (c.parent_i - 1) % 12 + 1 AS order_id,
         1 AS quantity, 'ST' AS uom,
         pg_temp.slot_time(c.parent_i) - interval '5 seconds' AS consumed_at
  FROM gen_serials c
  WHERE NOT c.finished AND c.parent_i <= :scale
  UNION ALL
  SELECT f.i, 2, 16 * f.g + 2 * f.l + b.slot + 1, f.order_id, b.quantity, b.uom,
         pg_temp.slot_time(f.i) - interval '5 seconds'
  FROM gen_serials f
  JOIN gen_bom b ON b.is_raw AND b.parent_item_id = f.item_id
  WHERE f.finished
) AS c;

-- Quality ---------------------------------------------------------------------------------------

-- One end-of-line inspection per FG, id = the FG's ordinal, two minutes after it was made.
INSERT INTO erp.inspections (id, inspection_no, serial_id, plant_id, inspection_type,
                             inspected_at, result, rework, eol_test_count, updated_at)
SELECT finished_no, 'PL' || lpad(finished_no::text, 9, '0'), i, plant_id, 'EOL',
       made_at + interval '2 minutes',
       CASE WHEN eol = 'PASSED' THEN 'PASS' ELSE 'FAIL' END,
       eol_roll < 20,
       CASE WHEN eol_roll < 20 THEN 2 + eol_roll % 2
            WHEN eol <> 'PASSED' THEN 1 + eol_roll % 3
            ELSE 1 END,
       made_at + interval '2 minutes'
FROM gen_serials
WHERE finished;

-- Characteristics as the test bench reports them; limits NULL where the tolerance is one-sided.
-- Values scatter within nominal +- spread, which lies inside the limits.
CREATE TEMP TABLE gen_characteristics (k0, name, unit, nominal, spread, lower, upper) AS
VALUES
  (0, 'Torque', 'Nm', 2.5, 0.12, 2.2, 2.8),
  (1, 'Leak rate', 'ml/min', 1.2, 0.5, NULL, 3.0),
  (2, 'Current consumption', 'A', 4.8, 0.3, 4.0, 5.6),
  (3, 'Axial runout', 'mm', 0.02, 0.01, NULL, 0.05),
  (4, 'Noise level', 'dB(A)', 41, 2.5, NULL, 48),
  (5, 'Insulation resistance', 'MOhm', 250, 60, 100, NULL),
  (6, 'Actuation force', 'N', 35, 2, 30, 40),
  (7, 'Stroke', 'mm', 12, 0.08, 11.8, 12.2);

-- FG item n is tested on 2 + (n-1) mod 4 characteristics: catalog entries (n-1 + 3k) mod 8. A
-- failed test has its first characteristic out of limits.
INSERT INTO erp.measurements (id, inspection_id, characteristic, measured_value, unit,
                              lower_limit, upper_limit, passed, updated_at)
SELECT row_number() OVER (ORDER BY inspection_id, k), inspection_id, name, value, unit, lower,
       upper, (lower IS NULL OR value >= lower) AND (upper IS NULL OR value <= upper), updated_at
FROM (
  SELECT s.finished_no AS inspection_id, k, c.name,
         CASE WHEN s.i = :dirt_serial_unitless AND k = 1 THEN NULL ELSE c.unit END AS unit,
         c.lower, c.upper,
         CASE WHEN s.eol <> 'PASSED' AND k = 0 THEN coalesce(c.upper + c.spread, c.lower - c.spread)
              ELSE round(c.nominal + c.spread * ((pg_temp.h('measure', 8 * s.finished_no + k) % 2001)
                                                 - 1000) / 1000.0, 4)
         END AS value,
         s.made_at + interval '2 minutes' AS updated_at
  FROM gen_serials s
  CROSS JOIN LATERAL generate_series(0, 1 + (s.item_id - 1) % 4) AS k
  JOIN gen_characteristics c ON c.k0 = (s.item_id - 1 + 3 * k) % 8
  WHERE s.finished
) AS m;

-- Deliveries --------------------------------------------------------------------------------------

-- Delivery note per group and customer ('LS' + 10g + customer); FG serials first, then a share of
-- the group's FG lot (70 % of the lots go to one of the partners).
INSERT INTO erp.deliveries (id, delivery_note_no, line_no, customer_id, plant_id, serial_id,
                            lot_id, quantity, uom, delivery_date, updated_at)
SELECT row_number() OVER (ORDER BY note_no, line_no), note_no, line_no, customer_id, plant_id,
       serial_id, lot_id, quantity, 'ST', delivery_date,
       pg_temp.shipped_at(delivery_date, time_zone)
FROM (
  SELECT 'LS' || lpad((10 * g + customer_id)::text, 8, '0') AS note_no,
         row_number() OVER (PARTITION BY g, customer_id ORDER BY kind, ordinal) AS line_no,
         d.*
  FROM (
    SELECT s.g, s.customer_id, 1 AS kind, s.i AS ordinal, pg_temp.group_plant(s.g) AS plant_id,
           s.time_zone, s.i AS serial_id, NULL::bigint AS lot_id, 1 AS quantity, s.delivery_date
    FROM gen_serials s
    WHERE s.delivered
    UNION ALL
    SELECT l.id / 16 - 1, 1 + (l.id / 16 - 1) % 3, 2, l.id, l.plant_id, pl.time_zone, NULL, l.id,
           100 * (1 + pg_temp.h('lot delivery qty', l.id) % 5),
           pg_temp.delivery_date(l.id / 16 - 1, 1 + (l.id / 16 - 1) % 3, pl.time_zone)
    FROM erp.lots l
    JOIN erp.plants pl ON pl.id = l.plant_id
    WHERE l.id % 16 = 0 AND pg_temp.h('lot delivery', l.id) % 10 < 7
  ) AS d
) AS lines;

DO $$
DECLARE
  ddl text;
BEGIN
  FOR ddl IN SELECT create_ddl FROM gen_deferred_ddl ORDER BY step, create_ddl LOOP
    EXECUTE ddl;
  END LOOP;
END
$$;

-- Identity sequences continue after the computed ids, so that later INSERTs (tests, demos) work.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'erp' AND c.relkind = 'r'
  LOOP
    EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), '
                   'coalesce((SELECT max(id) FROM erp.%I), 0) + 1, false)', 'erp.' || t, t);
  END LOOP;
END
$$;

COMMIT;

ANALYZE erp.plants, erp.customers, erp.items, erp.bom_lines, erp.customer_items,
        erp.production_orders, erp.lots, erp.serials, erp.consumptions, erp.inspections,
        erp.measurements, erp.deliveries;

\unset QUIET
SELECT (SELECT count(*) FROM erp.serials) AS serials,
       (SELECT count(*) FROM erp.lots) AS lots,
       (SELECT count(*) FROM erp.production_orders) AS orders,
       (SELECT count(*) FROM erp.consumptions) AS consumptions,
       (SELECT count(*) FROM erp.measurements) AS measurements,
       (SELECT count(*) FROM erp.deliveries) AS deliveries;
