import { subDays } from 'date-fns'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { streamOnly } from '../../workflows/runtime/notifier.ts'
import { testEnv, type TestEnv } from '../harness.ts'
import { until } from '../e2e/browser.ts'
import { openStream } from '../sse.ts'
import { timeAnchor } from '../time-anchor.ts'
import { startWalkIn } from '../walk-in.ts'

// One anchor per test: the gaps between back-dated events do not move on a slow machine.
const { minutesAgo, now } = timeAnchor()

let t: TestEnv
beforeAll(async () => {
  t = await testEnv({ compose: { notifier: streamOnly } })
})
afterAll(async () => t.close())

const startCase = (fmcMinutesAgo: number) => startWalkIn(t, minutesAgo(fmcMinutesAgo))

describe('live stream catch-up after a disconnect', () => {
  it('replays the cases that changed and the alerts addressed to the caller since its last event id', async () => {
    const token = await t.login('lantian')
    const first = await openStream(t, token)
    const hello = await first.waitFor((e) => e.event === 'hello')
    expect(hello.id).toMatch(/^\d+$/)
    first.close()

    // While the tablet is away: a case is started (back-dated, so its first-ECG deadline is
    // already missed and the timer worker raises an alert for the township).
    const caseId = await startCase(12)
    const alert = await until(async () => {
      const [row] = await t.sql<{ id: string }[]>`
        select id from alerts where case_id = ${caseId} and template = 'deadline_missed'`
      return row
    }, 30_000)

    for (const opts of [{ lastEventId: hello.id! }, { since: hello.id! }]) {
      const back = await openStream(t, token, opts)
      try {
        await back.waitFor((e) => e.event === 'case' && e.data.caseId === caseId)
        const replayed = await back.waitFor((e) => e.event === 'alert' && e.data.alertId === alert.id)
        await back.waitFor((e) => e.event === 'caught_up')
        expect(replayed.data.rule).toBe('first_ecg')
        // Ids and codes only, never the recipients list or patient data.
        expect(replayed.data.recipients).toBeUndefined()
        expect(JSON.stringify(back.events)).not.toContain('"age"')
      } finally {
        back.close()
      }
    }

    // Another network's physician with the same cursor sees neither the case nor the alert.
    const other = await openStream(t, await t.login('township2'), { since: hello.id! })
    try {
      await other.waitFor((e) => e.event === 'caught_up')
      expect(other.events.some((e) => e.data?.caseId === caseId)).toBe(false)
    } finally {
      other.close()
    }
  })

  it('a cursor older than the catch-up window asks the client to re-fetch everything', async () => {
    const s = await openStream(t, await t.login('lantian'), {
      since: String(subDays(now(), 2).getTime()),
    })
    try {
      await s.waitFor((e) => e.event === 'resync')
    } finally {
      s.close()
    }
  })

  it('rejects a malformed cursor with 422 naming the field', async () => {
    const r = await t.call('GET', '/api/stream?since=yesterday', { token: await t.login('lantian') })
    expect(r.status).toBe(422)
    expect((await r.json()).error).toMatchObject({ code: 'invalid', field: 'since' })
  })
})
