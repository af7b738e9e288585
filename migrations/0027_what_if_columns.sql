-- The network what-if (workflows/runtime/store/what-if.ts) counts a STEMI case for the facility
-- that lysed it, else the non-PCI facility that transferred it, else where it began, and reads
-- its diagnosis → door-out minutes. Computed per row in the query, both kept the index wide (four
-- facility ids, two instants) and spent numeric arithmetic on every STEMI case of the year; and
-- with the index keyed (network_id, ref_at) the scan read every STEMI case of the network, most
-- of them never counted (cases of the PCI centre and the village clinics). Stored once per row
-- (the projection writes every row through the upsert; a generated column cannot disagree with
-- it) and keyed by the counted facility, the what-if reads one short range per facility of the
-- answer. Measured on 3 networks × 200,000 cases (110,000 STEMI in the measured one), EXPLAIN
-- (ANALYZE, BUFFERS), OS cache and shared buffers emptied: 2,320 pages read and 267 ms before,
-- 588 pages and 40 ms after; warm 105 ms before, 30 ms after.
--
-- Adding a stored column rewrites case_metrics once (ACCESS EXCLUSIVE while it runs): about 3 s
-- for a county network's 200,000 cases on 2 cores, ~15 s per million. Plan the upgrade of a
-- province-sized database for a quiet hour.
alter table case_metrics
  add column what_if_facility_id uuid
    generated always as (coalesce(lysis_facility_id, referral_facility_id, fmc_facility_id, facility_id)) stored,
  add column diagnosis_to_door_out float8
    generated always as (case when referral_door_out >= stemi_diagnosis
                              then (extract(epoch from referral_door_out - stemi_diagnosis) / 60)::float8 end) stored;

drop index case_metrics_stemi_what_if;
create index case_metrics_what_if on case_metrics (network_id, what_if_facility_id, ref_at)
  include (diagnosis_to_door_out, door_to_needle, door_in_door_out) where stemi;
