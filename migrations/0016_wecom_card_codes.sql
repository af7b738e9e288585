-- WeCom answers message/send of a button card with a response_code: the one-time key to update
-- that very message later (update_template_card, 72 hours). Kept per attempt so that a press on
-- one card can update every other card of the same case — the second-line's too
-- (docs/alert-channels.md, "Callbacks"); cleared once used.
alter table channel_attempts add column card_response_code text;
create index channel_attempts_card_code on channel_attempts (alert_id) where card_response_code is not null;
