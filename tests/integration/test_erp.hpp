#pragma once
// A small ERP for sync tests: 50 serialized parts, half delivered to an OEM, with deliberate
// dirt, and a mapping of it to SerialPart 4.0.0. Shared by the engine and scheduler tests.

#include <string>

namespace cxgw::adapters {

inline constexpr const char* kSupplier = "BPNL00000000SUPP";
inline constexpr const char* kSerialPartUrn = "urn:samm:io.catenax.serial_part:4.0.0#SerialPart";

// A small ERP: 50 serialized parts, half delivered to an OEM, and deliberate dirt.
inline constexpr const char* kErp = R"sql(
DROP SCHEMA IF EXISTS erp CASCADE;
CREATE SCHEMA erp;
CREATE TABLE erp.parts (
  id bigserial PRIMARY KEY, serial_no text, item_no text NOT NULL, names jsonb, country text,
  produced_at timestamptz, status text NOT NULL, customer_part_no text, customer_part_name text,
  updated_at timestamptz NOT NULL);
CREATE TABLE erp.deliveries (serial_no text, customer_bpnl text);
CREATE TABLE erp.deleted_records (id bigserial PRIMARY KEY, record_key text,
  deleted_at timestamptz NOT NULL);
INSERT INTO erp.parts (serial_no, item_no, names, country, produced_at, status, customer_part_no,
                       customer_part_name, updated_at)
SELECT 'SN-' || i, 'ITEM-' || (i % 5), '{"de":"Spiegel","en":"Mirror"}', 'DE',
       timestamptz '2026-01-01 00:00:00+00' + i * interval '1 hour', 'DONE', 'C-' || i,
       'side mirror', timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second'
  FROM generate_series(1, 50) i;
INSERT INTO erp.deliveries SELECT serial_no, 'BPNL000000000OEM' FROM erp.parts WHERE id % 2 = 0;
INSERT INTO erp.deliveries SELECT serial_no, 'BPNL00000000OEM2' FROM erp.parts WHERE id % 10 = 0;
-- Dirt: an unknown country, a missing required field, a malformed partner BPN, a cancelled
-- order and a row without a serial number.
UPDATE erp.parts SET country = 'XX' WHERE serial_no = 'SN-7';
UPDATE erp.parts SET customer_part_no = NULL WHERE serial_no = 'SN-8';
INSERT INTO erp.deliveries VALUES ('SN-9', 'BPNL12345');
UPDATE erp.parts SET status = 'CANCELLED' WHERE serial_no = 'SN-10';
INSERT INTO erp.parts (serial_no, item_no, status, updated_at)
  VALUES (NULL, 'ITEM-X', 'DONE', timestamptz '2026-01-01 00:00:30+00');
)sql";

// `source_extra` is appended to the source section (indented YAML lines).
inline std::string mappingYaml(const std::string& connection, size_t batch_size,
                               const std::string& source_extra = "") {
  return R"(source:
  name: test-erp
  connection: ")" +
         connection + R"("
  batch_size: )" +
         std::to_string(batch_size) + "\n" + source_extra + R"(twins:
  - class: serial
    query: |
      SELECT p.serial_no, p.item_no, p.status, d.customer_bpnl, p.updated_at, p.id
        FROM erp.parts p LEFT JOIN erp.deliveries d USING (serial_no)
    key: serial_no
    id_short: {template: "{item_no}_{serial_no}"}
    specific_asset_ids:
      manufacturerId: {config: supplier.bpnl}
      partInstanceId: {column: serial_no}
      manufacturerPartId: {column: item_no}
    visible_to: {column: customer_bpnl}
    incremental: {watermark: [updated_at, id]}
    withdraw_when: {column: status, in: [CANCELLED]}
    deletions:
      query: SELECT record_key AS serial_no, deleted_at, id FROM erp.deleted_records
      watermark: [deleted_at, id]
aspects:
  - name: serial_parts
    twin: serial
    urn: urn:samm:io.catenax.serial_part:4.0.0#SerialPart
    query: SELECT * FROM erp.parts WHERE status <> 'CANCELLED'
    incremental: {watermark: [updated_at, id]}
    payload:
      globalAssetId: {twin: global_asset_id}
      localIdentifiers:
        - {key: manufacturerId, value: {config: supplier.bpnl}}
        - {key: partInstanceId, value: {column: serial_no}}
      manufacturingInformation:
        productionDate: {column: produced_at, transform: {date: {timezone: Europe/Berlin}}}
        country: {column: country, transform: country_alpha3}
      partTypeInformation:
        manufacturerPartId: {column: item_no}
        nameAtManufacturer: {column: names, transform: {json_path: en}}
        customerPartId: {column: customer_part_no}
        nameAtCustomer: {column: customer_part_name}
        partClassification:
          - {standard: "GIN 20510-21513", id: "1004712"}
)";
}

}  // namespace cxgw::adapters
