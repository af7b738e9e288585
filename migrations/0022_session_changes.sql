-- Several API processes on one database: each keeps recently checked sessions in memory for a
-- few seconds (api/http/session-cache.ts). Ending a session (sign-out, "sign out everywhere",
-- an admin reset or disable: always a delete from sessions) or changing a person (active flag,
-- roles, facilities) notifies every process, which empties its cache at once; the cache's time
-- limit stays as the bound for a notification lost while a listener reconnects.
create function sessions_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('xinlian_sessions_changed', '');
  return null;
end $$;
create trigger sessions_ended after delete on sessions
  for each statement execute function sessions_changed();
create trigger users_changed after update or delete on users
  for each statement execute function sessions_changed();
create trigger user_roles_changed after insert or update or delete on user_roles
  for each statement execute function sessions_changed();
create trigger user_facilities_changed after insert or update or delete on user_facilities
  for each statement execute function sessions_changed();
