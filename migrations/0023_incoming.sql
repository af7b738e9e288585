-- The incoming board (GET /api/incoming) reads the patients on the road to a facility from the
-- case row instead of folding every active case that ever touched it: `heading_to` is the
-- destination of the case's open transfer (core `openDeparture`: the latest departure, no
-- arrival there since, case not closed), NULL when it is on no road. Every projection write sets
-- it with phase and status (workflows/runtime/apply-event.ts `projectionOf`). Rows projected
-- before this migration keep `heading_known = false` until their next event or timer; the board
-- reads those by their facilities and folds them, as it did for every row before.
alter table cases add column heading_to uuid;
alter table cases add column heading_known boolean not null default false;
create index cases_heading_to on cases (network_id, heading_to) where status = 'active' and heading_to is not null;
create index cases_heading_unknown on cases (network_id) where status = 'active' and not heading_known;
