import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { demoId } from '../../fixtures/demo-network.ts'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'

/**
 * `POST /api/sync` (api/routes/sync.ts): the outbox's queue in one request, each item through
 * the single routes' runtime functions, a result per item, order per case, nothing stored twice.
 */
const LANTIAN = demoId('facility:lantian')
const LONGJUAN = demoId('facility:longjuan')
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString()
const uuid = () => crypto.randomUUID()

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const sync = async (user: string, body: unknown) =>
  t.call('POST', '/api/sync', { token: await t.login(user), body })

const caseStart = (id: string, facilityId = LANTIAN, fmcMinutesAgo = 10) => ({
  kind: 'case',
  body: {
    id,
    facilityId,
    patient: { sex: 'male', age: 61, weightKg: 70 },
    firstMedicalContactAt: minutesAgo(fmcMinutesAgo),
    arrivalMode: 'walk_in',
  },
})
const event = (caseId: string, body: Record<string, unknown>) => ({
  kind: 'event',
  caseId,
  body: { id: uuid(), ...body },
})

/** A case started through the single route, as `user`. */
async function startCase(user: string, facilityId: string) {
  const id = uuid()
  const r = await t.call('POST', '/api/cases', {
    token: await t.login(user),
    body: caseStart(id, facilityId).body,
  })
  expect(r.status).toBe(201)
  return id
}

const eventsOf = async (caseId: string) =>
  t.sql<{ id: string; type: string }[]>`
    select id, type from case_events where case_id = ${caseId} order by seq`

/** Cases and the clinical events users recorded (the timer worker adds system events meanwhile). */
const tableCounts = async () =>
  (
    await t.sql<{ cases: number; events: number }[]>`
      select (select count(*)::int from cases) as cases,
             (select count(*)::int from case_events where by is not null) as events`
  )[0]!

describe('POST /api/sync', () => {
  it('stores a mixed queue item by item: stored, duplicate, refused with the field, order kept', async () => {
    const caseA = uuid()
    const ecg = event(caseA, { type: 'ecg_acquired', at: minutesAgo(8), facilityId: LANTIAN })
    const note = event(caseA, { type: 'note', at: minutesAgo(3), text: '患者胸痛缓解', facilityId: LANTIAN })
    const items = [
      caseStart(caseA),
      ecg,
      // Refused by validation: the field is named from the request's root.
      event(caseA, {
        type: 'lysis_bolus',
        at: minutesAgo(7),
        drug: 'tenecteplase',
        doseMg: 500,
        doseFraction: 'full',
      }),
      // Refused by the clinical guard: a township physician does not approve lysis.
      event(caseA, { type: 'lysis_decision', at: minutesAgo(6), decision: 'approved' }),
      // After two refusals of the same case: still stored (judged on what the server holds).
      event(caseA, { type: 'diagnosis', at: minutesAgo(5), diagnosis: 'stemi', facilityId: LANTIAN }),
      // The same id and body as item 1 (a double tap replayed): one event.
      { ...ecg },
      // The same id with another body: the idempotency key reused.
      { ...ecg, body: { ...ecg.body, at: minutesAgo(4) } },
      // A malformed item is refused alone.
      { kind: 'event', caseId: 'not-a-uuid', body: {} },
      note,
    ]
    const r = await sync('lantian', { items })
    expect(r.status).toBe(200)
    const { results } = await r.json()
    expect(results.map((x: any) => [x.index, x.outcome, x.status])).toEqual([
      [0, 'stored', 201],
      [1, 'stored', 201],
      [2, 'refused', 422],
      [3, 'refused', 403],
      [4, 'stored', 201],
      [5, 'duplicate', 200],
      [6, 'refused', 409],
      [7, 'refused', 422],
      [8, 'stored', 201],
    ])
    expect(results[1]).toMatchObject({ kind: 'event', id: ecg.body.id, caseId: caseA })
    expect(results[2].error).toMatchObject({ code: 'invalid', field: 'items.2.body.doseMg' })
    expect(results[2].error.messageZh).toBeTruthy()
    expect(results[3].error.code).toBeTruthy()
    expect(results[6].error).toMatchObject({ code: 'id_reused', field: 'items.6.body.id' })
    expect(results[7].error).toMatchObject({ code: 'invalid', field: 'items.7.caseId' })

    // Stored once each, in the order sent (after the case's own first medical contact).
    const stored = await eventsOf(caseA)
    expect(stored.map((e) => e.type)).toEqual(['first_medical_contact', 'ecg_acquired', 'diagnosis', 'note'])
    expect(stored[1]!.id).toBe(ecg.body.id)
    expect(stored[3]!.id).toBe(note.body.id)
  })

  it('a retried batch (its answer lost) stores nothing twice and answers the same verdicts', async () => {
    const caseA = uuid()
    const items = [
      caseStart(caseA),
      event(caseA, { type: 'ecg_acquired', at: minutesAgo(8), facilityId: LANTIAN }),
      event(caseA, { type: 'note', at: minutesAgo(7), text: 'x', facilityId: LANTIAN, extra: 1 }),
      event(caseA, { type: 'note', at: minutesAgo(6), text: 'y', facilityId: LANTIAN }),
    ]
    const first = (await (await sync('lantian', { items })).json()).results
    expect(first.map((x: any) => x.outcome)).toEqual(['stored', 'stored', 'refused', 'stored'])
    const before = await tableCounts()
    const again = (await (await sync('lantian', { items })).json()).results
    expect(again.map((x: any) => x.outcome)).toEqual(['duplicate', 'duplicate', 'refused', 'duplicate'])
    expect(again[2].error).toEqual(first[2].error)
    expect(await tableCounts()).toEqual(before)
    expect((await eventsOf(caseA)).map((e) => e.type)).toEqual([
      'first_medical_contact',
      'ecg_acquired',
      'note',
    ])
  })

  it('order is the order sent: an event before its case start is refused, after it stored', async () => {
    const caseA = uuid()
    const early = event(caseA, { type: 'ecg_acquired', at: minutesAgo(8), facilityId: LANTIAN })
    const late = event(caseA, { type: 'ecg_acquired', at: minutesAgo(8), facilityId: LANTIAN })
    const { results } = await (await sync('lantian', { items: [early, caseStart(caseA), late] })).json()
    expect(results.map((x: any) => [x.outcome, x.status])).toEqual([
      ['refused', 404],
      ['stored', 201],
      ['stored', 201],
    ])
    expect(results[0].error).toMatchObject({ code: 'not_found' })
    expect((await eventsOf(caseA)).map((e) => e.id)).toEqual([expect.any(String), late.body.id])
  })

  it('checks each case as its single route: another facility or network is not found, others go on', async () => {
    const longjuanCase = await startCase('longjuan', LONGJUAN)
    const otherNetworkCase = await startCase('township2', demoId('facility:net2-town'))
    const mine = uuid()
    const before = {
      longjuan: (await eventsOf(longjuanCase)).length,
      other: (await eventsOf(otherNetworkCase)).length,
    }
    const { results } = await (
      await sync('lantian', {
        items: [
          event(longjuanCase, { type: 'note', at: minutesAgo(1), text: 'x' }),
          caseStart(mine),
          event(otherNetworkCase, { type: 'note', at: minutesAgo(1), text: 'x' }),
          // A case start at a facility of the network outside the physician's scope.
          caseStart(uuid(), LONGJUAN),
          // A case start at another network's facility.
          caseStart(uuid(), demoId('facility:net2-town')),
          event(mine, { type: 'note', at: minutesAgo(1), text: 'x', facilityId: LANTIAN }),
        ],
      })
    ).json()
    expect(results.map((x: any) => [x.outcome, x.status, x.error?.code])).toEqual([
      ['refused', 404, 'not_found'],
      ['stored', 201, undefined],
      ['refused', 404, 'not_found'],
      ['refused', 403, 'forbidden'],
      ['refused', 422, 'invalid'],
      ['stored', 201, undefined],
    ])
    expect(results[3].error.field).toBe('items.3.body.facilityId')
    expect(results[4].error.field).toBe('items.4.body.facilityId')
    expect((await eventsOf(longjuanCase)).length).toBe(before.longjuan)
    expect((await eventsOf(otherNetworkCase)).length).toBe(before.other)
    // A case is replayed as created only by its creator: another user's replay is a reused id.
    const replay = (await (await sync('longjuan', { items: [caseStart(mine, LONGJUAN)] })).json()).results
    expect(replay[0]).toMatchObject({ outcome: 'refused', status: 409 })
  })

  it('an item failing for another reason holds its case’s later items (order), other cases go on', async () => {
    // A real failure inside the database for one event id (a trigger), not a refusal.
    const poison = uuid()
    await t.sql.unsafe(`
      create function sync_test_fail() returns trigger language plpgsql as $$
      begin
        if new.id = '${poison}' then raise exception 'disk on fire'; end if;
        return new;
      end $$;
      create trigger sync_test_fail before insert on case_events
        for each row execute function sync_test_fail()`)
    try {
      const [a, b] = [uuid(), uuid()]
      const note = (caseId: string, text: string, id = uuid()) =>
        event(caseId, { id, type: 'note', at: minutesAgo(1), text, facilityId: LANTIAN })
      const { results } = await (
        await sync('lantian', {
          items: [
            caseStart(a),
            caseStart(b),
            note(a, 'a1', poison),
            note(a, 'a2'),
            note(b, 'b1'),
            note(a, 'a3'),
          ],
        })
      ).json()
      expect(results.map((x: any) => [x.outcome, x.status])).toEqual([
        ['stored', 201],
        ['stored', 201],
        ['failed', 500],
        ['held', null],
        ['stored', 201],
        ['held', null],
      ])
      expect(results[2].error).toMatchObject({ code: 'internal' })
      expect(JSON.stringify(results[2].error)).not.toContain('disk on fire')
      expect((await eventsOf(a)).map((e) => e.type)).toEqual(['first_medical_contact'])
      expect((await eventsOf(b)).map((e) => e.type)).toEqual(['first_medical_contact', 'note'])
    } finally {
      await t.sql.unsafe('drop trigger sync_test_fail on case_events; drop function sync_test_fail()')
    }
  })

  it('whole-request errors name the field and change nothing; only clinical roles may send', async () => {
    const before = await tableCounts()
    const caseA = uuid()
    const ok = [caseStart(caseA)]
    const bad = async (user: string, body: unknown) => {
      const r = await sync(user, body)
      return { status: r.status, error: (await r.json()).error }
    }
    expect(await bad('lantian', { items: 'all of them' })).toMatchObject({
      status: 422,
      error: { code: 'invalid', field: 'items' },
    })
    expect(await bad('lantian', [ok[0]])).toMatchObject({ status: 422, error: { code: 'invalid' } })
    expect(await bad('lantian', { items: [] })).toMatchObject({ status: 422, error: { field: 'items' } })
    const tooMany = [
      ...ok,
      ...Array.from({ length: 200 }, () => event(caseA, { type: 'note', at: minutesAgo(1), text: 'x' })),
    ]
    expect(await bad('lantian', { items: tooMany })).toMatchObject({ status: 422, error: { field: 'items' } })
    expect(await bad('lantian', { items: ok, more: true })).toMatchObject({ status: 422 })
    expect(await bad('qa', { items: ok })).toMatchObject({ status: 403, error: { code: 'forbidden' } })
    const anonymous = await t.call('POST', '/api/sync', { body: { items: ok } })
    expect(anonymous.status).toBe(401)
    expect(await tableCounts()).toEqual(before)
    // 200 items is the limit, not more: accepted.
    const full = await sync('lantian', { items: tooMany.slice(0, 200) })
    expect(full.status).toBe(200)
    expect((await full.json()).results).toHaveLength(200)
  })
})
