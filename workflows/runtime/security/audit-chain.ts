/**
 * Verify the audit hash chains (migrations/0010_security.sql): per network, rows in chain order
 * must start at the genesis hash, each carry the previous row's hash, hash to what they claim,
 * and leave no gap in chain_seq; the last row must be the chain's recorded head. A changed row,
 * a deleted row, a row inserted with the trigger off and a cut-off tail are all reported.
 */
import type { Q } from '../platform/connect.ts'

export interface ChainBreak {
  chain: string
  id: string | null
  chainSeq: number | null
  reason: 'content_changed' | 'link_broken' | 'gap' | 'unchained' | 'tail_missing'
}

export interface ChainReport {
  chains: number
  rows: number
  heads: { chain: string; seq: number; hash: string }[]
  /** The first break of each broken chain. */
  broken: ChainBreak[]
}

export async function verifyAuditChain(q: Q): Promise<ChainReport> {
  const [counts] = await q<{ rows: number }[]>`select count(*)::int as rows from audit_log`
  const unchained = await q<ChainBreak[]>`
    select coalesce(network_id::text, '-') as chain, min(id)::text as id, null::int as "chainSeq",
           'unchained' as reason
      from audit_log where chain_seq is null or hash is null group by 1`
  const links = await q<ChainBreak[]>`
    with x as (
      select coalesce(network_id::text, '-') as chain, id, chain_seq, prev_hash, hash,
             audit_row_hash(prev_hash, a) as recomputed,
             lag(hash) over w as prev_actual, lag(chain_seq) over w as prev_seq
        from audit_log a
       where chain_seq is not null
      window w as (partition by coalesce(network_id::text, '-') order by chain_seq)),
    bad as (
      select chain, id, chain_seq,
             case when chain_seq <> coalesce(prev_seq, 0) + 1 then 'gap'
                  when prev_hash is distinct from coalesce(prev_actual, audit_genesis(chain)) then 'link_broken'
                  else 'content_changed' end as reason,
             row_number() over (partition by chain order by chain_seq) as n
        from x
       where hash is distinct from recomputed
          or prev_hash is distinct from coalesce(prev_actual, audit_genesis(chain))
          or chain_seq <> coalesce(prev_seq, 0) + 1)
    select chain, id::text, chain_seq::int as "chainSeq", reason from bad where n = 1 order by chain`
  const tails = await q<ChainBreak[]>`
    select h.chain, null::text as id, h.seq::int as "chainSeq", 'tail_missing' as reason
      from audit_chain_heads h
      left join lateral (select hash, chain_seq from audit_log a
                          where coalesce(a.network_id::text, '-') = h.chain and chain_seq is not null
                          order by chain_seq desc limit 1) last on true
     where last.chain_seq is distinct from h.seq or last.hash is distinct from h.hash`
  const heads = await q<{ chain: string; seq: number; hash: string }[]>`
    select chain, seq::int, hash from audit_chain_heads order by chain`
  const seen = new Set<string>()
  const broken: ChainBreak[] = []
  for (const b of [...unchained, ...links, ...tails])
    if (!seen.has(b.chain)) {
      seen.add(b.chain)
      broken.push(b)
    }
  return { chains: heads.length, rows: counts?.rows ?? 0, heads, broken }
}
